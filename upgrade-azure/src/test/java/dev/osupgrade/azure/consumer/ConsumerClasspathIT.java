package dev.osupgrade.azure.consumer;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the consumer project's main (upgrade-azure/src/it/consumer: one dependency, {@code upgrade-azure}) in a JVM of
 * its own with exactly the runtime classpath Maven resolved for it from the freshly built artifacts, against the ARM
 * emulator over HTTPS, and checks what that classpath holds. Nothing from this module's test classpath reaches the
 * consumer: not WireMock, not the testkit, not a trusting HTTP client. The consumer uses the default HTTP client,
 * which trusts the emulator's certificate through the JVM's standard {@code javax.net.ssl.trustStore} property.
 *
 * <p>Runs in {@code mvn verify} (failsafe, after invoker:install and invoker:run built the consumer in
 * {@code target/it/consumer} against the repository {@code target/it-repo}).
 */
final class ConsumerClasspathIT {
  private static final Path PROJECTS = Path.of(System.getProperty("consumer.directory", "target/it"));
  private static final Path CONSUMER = PROJECTS.resolve("consumer");
  private static final Path CONSUMER_IDENTITY = PROJECTS.resolve("consumer-identity");
  private static final String VERSION = System.getProperty("project.version", "0.1.0-SNAPSHOT");
  private static final TestCertificate CERTIFICATE = TestCertificate.forLocalhost(Path.of("target", "consumer-tls"));
  private static final ArmEmulator EMULATOR = ArmEmulator.create();

  @RegisterExtension
  static final WireMockExtension ARM = WireMockExtension.newInstance()
      .options(wireMockConfig().httpDisabled(true).dynamicHttpsPort().extensions(EMULATOR)
          .keystorePath(CERTIFICATE.keyStore().toString()).keystorePassword(TestCertificate.PASSWORD)
          .keyManagerPassword(TestCertificate.PASSWORD).keystoreType("PKCS12"))
      .build();

  @Test
  void consumer_onlyUpgradeAzure_resolvesTheVersionsTheBuildTests() throws IOException {
    Map<String, String> resolved = resolved(CONSUMER);

    assertThat(resolved)
        .containsEntry("dev.osupgrade:upgrade-azure", VERSION)
        .containsEntry("dev.osupgrade:upgrade-core", VERSION)
        .containsEntry("com.azure:azure-core", "1.57.0")
        .containsEntry("com.azure:azure-core-http-netty", "1.16.2")
        .containsEntry("com.azure.resourcemanager:azure-resourcemanager-compute", "2.55.1")
        .containsEntry("org.slf4j:slf4j-api", "2.0.17")
        .containsEntry("com.fasterxml.jackson.core:jackson-core", "2.18.4.1")
        .containsEntry("com.fasterxml.jackson.core:jackson-databind", "2.18.4")
        .containsEntry("com.azure:azure-xml", "1.2.1")
        .containsEntry("io.github.resilience4j:resilience4j-retry", "2.4.0");
    assertThat(resolved.keySet()).as("test-only and optional artifacts stay out of a consumer's classpath")
        .noneMatch(ga -> ga.startsWith("org.wiremock") || ga.startsWith("org.junit") || ga.startsWith("org.assertj")
            || ga.equals("dev.osupgrade:upgrade-testkit") || ga.equals("com.azure:azure-storage-blob"));
  }

  @Test
  void consumerWithIdentityAndBlob_resolvesTheVersionsTheBuildTests() throws IOException {
    Map<String, String> resolved = resolved(CONSUMER_IDENTITY);

    assertThat(resolved)
        .containsEntry("dev.osupgrade:upgrade-azure", VERSION)
        .containsEntry("com.azure:azure-identity", "1.18.1")
        .containsEntry("com.azure:azure-storage-blob", "12.33.0")
        .containsEntry("com.azure:azure-core", "1.57.0")
        .containsEntry("com.azure:azure-core-http-netty", "1.16.2")
        .containsEntry("org.slf4j:slf4j-api", "2.0.17")
        .containsEntry("com.fasterxml.jackson.core:jackson-core", "2.18.4.1")
        .containsEntry("com.azure:azure-xml", "1.2.1")
        .containsEntry("com.azure:azure-json", "1.5.0");
  }

  @Test
  void consumerWithIdentityAndBlob_wiresCredentialFleetAndStore() throws Exception {
    Run run = run(CONSUMER_IDENTITY, "example.consumer.WireService", "00000000-0000-0000-0000-000000000001",
        "https://account.blob.core.windows.net");

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output())
        .contains("fleet AzureFleet[subscription 00000000-0000-0000-0000-000000000001 at https://management.azure.com/")
        .contains("store https://account.blob.core.windows.net/osupgrade")
        .contains("http client com.azure.core.http.netty.NettyAsyncHttpClient");
  }

  @Test
  void consumer_credentialAndSubscription_readsTheScaleSetOverHttps() throws Exception {
    SimulatedFleet world = SimulatedFleet.create(5);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").resourceGroup("shop").instances(4)
        .image(ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010")));
    EMULATOR.serve(ARM, world);

    long started = System.nanoTime();
    Run run = run(CONSUMER, "example.consumer.ReadScaleSet", ARM.getRuntimeInfo().getHttpsBaseUrl() + "/",
        web.subscriptionId(), web.resourceGroup(), web.name());
    System.out.printf("consumer main ran in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output())
        .contains("read shop/web: 4 instances, model Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:"
            + "22.04.202409010")
        .contains("http client com.azure.core.http.netty.NettyAsyncHttpClient");
    for (var instance : world.get(web).instances()) {
      assertThat(run.output()).contains("instance " + instance.instanceId() + " " + instance.health());
    }
    ARM.verify(exactly(1), getRequestedFor(urlPathEqualTo(web.armId()))
        .withHeader("Authorization", equalTo("Bearer consumer-token")));
    ARM.verify(exactly(1), getRequestedFor(urlPathEqualTo(web.armId() + "/virtualMachines"))
        .withHeader("Authorization", equalTo("Bearer consumer-token")));
  }

  private record Run(int exitCode, String output) {}

  private static Map<String, String> resolved(Path project) throws IOException {
    return versions(Files.readAllLines(project.resolve("target/dependencies.txt"), StandardCharsets.UTF_8));
  }

  /** Runs a main of a consumer project in a JVM of its own, with exactly the classpath Maven resolved for it. */
  private static Run run(Path project, String mainClass, String... args) throws IOException, InterruptedException {
    String classpath = project.resolve("target/classes") + java.io.File.pathSeparator
        + Files.readString(project.resolve("target/classpath.txt"), StandardCharsets.UTF_8).trim();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djavax.net.ssl.trustStore=" + CERTIFICATE.trustStore(),
        "-Djavax.net.ssl.trustStorePassword=" + TestCertificate.PASSWORD,
        "-Djavax.net.ssl.trustStoreType=PKCS12",
        "-cp", classpath, mainClass));
    command.addAll(List.of(args));
    long started = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    StringBuilder output = new StringBuilder();
    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        output.append(line).append('\n');
        System.out.printf("consumer %5d ms | %s%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), line);
      }
    }
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the consumer did not end within 60 s:\n" + output);
    }
    return new Run(process.exitValue(), output.toString());
  }

  /** Reads {@code dependency:list} lines ({@code group:artifact:type[:classifier]:version:scope}) into versions. */
  static Map<String, String> versions(List<String> lines) {
    Pattern line = Pattern.compile("^\\s+([^:\\s]+):([^:\\s]+):([^:\\s]+):(?:([^:\\s]+):)?([^:\\s]+):(compile|runtime)"
        + "(?:\\s.*)?$");
    Map<String, String> versions = new TreeMap<>();
    for (String l : lines) {
      Matcher m = line.matcher(l);
      if (m.matches()) {
        versions.putIfAbsent(m.group(1) + ":" + m.group(2), m.group(5));
      }
    }
    if (versions.isEmpty()) {
      throw new UncheckedIOException(new IOException("no dependency in dependency:list output: " + lines));
    }
    return versions;
  }
}
