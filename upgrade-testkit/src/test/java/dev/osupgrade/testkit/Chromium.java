package dev.osupgrade.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium driven from the command line (Debian's {@code chromium}): loads a page from a file, lets its
 * script run, and returns the DOM as the browser then holds it, or a screenshot. Nothing but the file is loaded:
 * networking, sync and component updates are switched off.
 */
final class Chromium {
  private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");
  private final Path binary;

  private Chromium(Path binary) {
    this.binary = binary;
  }

  /**
   * Finds Chromium on the PATH. Without it the calling test is skipped with a warning, except on CI ({@code CI}
   * set), where the build installs it and its absence is a failure.
   */
  static Chromium require() {
    Optional<Path> found = find();
    if (found.isEmpty()) {
      String why = "headless Chromium not found on the PATH (" + NAMES + "): the timeline's browser tests need "
          + "Debian's chromium (the build installs it with apt-get when it runs as root; else: apt-get install "
          + "chromium chromium-driver)";
      if (System.getenv("CI") != null) {
        throw new AssertionError(why + "; CI is set, so this is a failure");
      }
      System.err.println("WARNING: skipping: " + why);
      Assumptions.abort(why);
    }
    return new Chromium(found.get());
  }

  private static Optional<Path> find() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String name : NAMES) {
      for (String dir : path.split(File.pathSeparator)) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /** The DOM after the page's script ran, serialized. */
  String dumpDom(Path page) {
    return new String(run(page, List.of("--dump-dom")), StandardCharsets.UTF_8);
  }

  /** A screenshot of the top of the page, {@code width} by {@code height} pixels. */
  void screenshot(Path page, Path png, int width, int height) {
    try {
      Files.createDirectories(png.toAbsolutePath().getParent());
      Files.deleteIfExists(png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run(page, List.of("--hide-scrollbars", "--window-size=" + width + "," + height,
        "--screenshot=" + png.toAbsolutePath()));
    if (!Files.isRegularFile(png)) {
      throw new AssertionError("Chromium wrote no screenshot to " + png);
    }
  }

  private byte[] run(Path page, List<String> extra) {
    Path profile = null;
    try {
      profile = Files.createTempDirectory("osupgrade-chromium");
      List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
          "--disable-extensions", "--disable-dev-shm-usage", "--user-data-dir=" + profile));
      cmd.addAll(extra);
      cmd.add(page.toAbsolutePath().toUri().toString());
      Path stderr = profile.resolve("stderr.txt");
      Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("Chromium did not end within 60 s: " + cmd);
      }
      if (p.exitValue() != 0) {
        throw new AssertionError("Chromium exited with " + p.exitValue() + ": " + cmd + "\n"
            + Files.readString(stderr, StandardCharsets.UTF_8));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while Chromium ran", e);
    } finally {
      if (profile != null) {
        delete(profile);
      }
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temporary profile left behind is harmless
    }
  }
}
