package dev.osupgrade.azure.consumer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made with the JDK's {@code keytool} when a
 * test starts: a PKCS12 key store for the HTTPS server and a trust store that holds only its certificate, for a
 * client that verifies certificates and host names as it would in production.
 *
 * @param keyStore the server's key store
 * @param trustStore the client's trust store
 */
record TestCertificate(Path keyStore, Path trustStore) {
  /** The password of both stores. */
  static final String PASSWORD = "changeit";

  /**
   * Makes (or remakes) the stores in a directory.
   *
   * @param directory where to write them
   * @return the stores
   */
  static TestCertificate forLocalhost(Path directory) {
    try {
      Files.createDirectories(directory);
      Path keys = directory.resolve("server.p12").toAbsolutePath();
      Path certificate = directory.resolve("server.cer").toAbsolutePath();
      Path trust = directory.resolve("trust.p12").toAbsolutePath();
      for (Path p : List.of(keys, certificate, trust)) {
        Files.deleteIfExists(p);
      }
      keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
          "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore",
          keys.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
      keytool("-exportcert", "-alias", "server", "-keystore", keys.toString(), "-storepass", PASSWORD, "-file",
          certificate.toString());
      keytool("-importcert", "-noprompt", "-alias", "server", "-file", certificate.toString(), "-storetype", "PKCS12",
          "-keystore", trust.toString(), "-storepass", PASSWORD);
      return new TestCertificate(keys, trust);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running keytool", e);
    }
  }
}
