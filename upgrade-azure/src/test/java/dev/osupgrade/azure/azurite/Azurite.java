package dev.osupgrade.azure.azurite;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One Azurite blob service, a child process of the test JVM: {@code node} runs the blob service that the build
 * installed under {@code target/azurite}, listening on a port the OS picks on 127.0.0.1, in memory, with the API
 * version check off (the SDK speaks a newer service version than Azurite 3.35 knows). {@link #close()} stops it; a
 * shutdown hook stops it too if the JVM ends first.
 */
public final class Azurite implements AutoCloseable {
  /** The emulator's well-known development account (public, documented by Microsoft; not a secret). */
  public static final String ACCOUNT = "devstoreaccount1";
  /** The development account's key, published with the emulator. */
  public static final String KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
  private static final Pattern LISTENING = Pattern.compile("successfully listens on (http://[0-9.]+:(\\d+))");
  private static final AtomicInteger CONTAINERS = new AtomicInteger();

  private final Process process;
  private final Path workspace;
  private final int port;
  private final Deque<String> output;
  private final Thread shutdownHook;

  private Azurite(Process process, Path workspace, int port, Deque<String> output) {
    this.process = process;
    this.workspace = workspace;
    this.port = port;
    this.output = output;
    this.shutdownHook = new Thread(process::destroy, "azurite-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Says why Azurite cannot run here, if it cannot.
   *
   * @return what is missing; empty if Node and the installed Azurite are both there
   */
  public static Optional<String> whyUnavailable() {
    if (node() == null) {
      return Optional.of("node is not on the PATH (Azurite needs Node 20 and npm)");
    }
    if (!Files.isRegularFile(blobMain())) {
      return Optional.of("Azurite is not installed at " + blobMain() + " (the build installs it with npm ci from "
          + "upgrade-azure/src/test/azurite unless -Dazurite.skip is set)");
    }
    return Optional.empty();
  }

  /**
   * Starts a blob service and waits until it listens.
   *
   * @return the running service
   * @throws IllegalStateException if it is unavailable or does not start within 60 s
   */
  public static Azurite start() {
    whyUnavailable().ifPresent(why -> {
      throw new IllegalStateException(why);
    });
    Path workspace;
    Process process;
    try {
      workspace = Files.createTempDirectory("azurite");
      process = new ProcessBuilder(String.valueOf(node()), blobMain().toString(), "--blobHost", "127.0.0.1",
          "--blobPort", "0", "--inMemoryPersistence", "--extentMemoryLimit", "256", "--skipApiVersionCheck",
          "--disableTelemetry", "--silent")
          .directory(workspace.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Azurite", e);
    }
    Deque<String> output = new ArrayDeque<>();
    CompletableFuture<Integer> listening = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          synchronized (output) {
            output.addLast(line);
            if (output.size() > 200) {
              output.removeFirst();
            }
          }
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            listening.complete(Integer.parseInt(m.group(2)));
          }
        }
      } catch (IOException ignored) {
        // the process ended
      }
      listening.completeExceptionally(new IllegalStateException("Azurite exited: " + output));
    }, "azurite-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return new Azurite(process, workspace, listening.get(60, TimeUnit.SECONDS), output);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while Azurite started", e);
    } catch (ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      throw new IllegalStateException("Azurite did not start: " + output, e);
    }
  }

  /** @return the blob endpoint, e.g. {@code http://127.0.0.1:41234/devstoreaccount1} */
  public String blobEndpoint() {
    return "http://127.0.0.1:" + port + "/" + ACCOUNT;
  }

  /** @return the connection string of the development account on this service */
  public String connectionString() {
    return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY + ";BlobEndpoint="
        + blobEndpoint() + ";";
  }

  /** @return a client builder for the development account on this service, to add policies or options to */
  public BlobServiceClientBuilder clientBuilder() {
    return new BlobServiceClientBuilder().connectionString(connectionString());
  }

  /**
   * Creates a container with a new name.
   *
   * @return a client of the new, empty container
   */
  public BlobContainerClient newContainer() {
    return newContainer(clientBuilder());
  }

  /**
   * Creates a container with a new name, through a client the test configured.
   *
   * @param builder a builder from {@link #clientBuilder()}, with the test's policies or options
   * @return a client of the new, empty container, with the builder's pipeline
   */
  public BlobContainerClient newContainer(BlobServiceClientBuilder builder) {
    return builder.buildClient().createBlobContainer(
        String.format(Locale.ROOT, "test-%05d", CONTAINERS.incrementAndGet()));
  }

  /** Stops the service and deletes its workspace. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
    try (var files = Files.walk(workspace)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory left behind is harmless
    }
  }

  @Override
  public String toString() {
    return "Azurite[" + blobEndpoint() + (process.isAlive() ? "" : ", exited") + "]";
  }

  /** @return the last lines Azurite printed */
  public String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  private static Path blobMain() {
    String dir = System.getProperty("azurite.directory", "target/azurite");
    return Path.of(dir, "node_modules", "azurite", "dist", "src", "blob", "main.js").toAbsolutePath();
  }

  private static @Nullable Path node() {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      for (String name : new String[] {"node", "node.exe"}) {
        Path candidate = Path.of(dir, name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }
}
