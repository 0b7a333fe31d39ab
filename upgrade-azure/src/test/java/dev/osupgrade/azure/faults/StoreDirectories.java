package dev.osupgrade.azure.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Directories for {@code RolloutStore.file}: in memory-backed {@code /dev/shm} where the machine has it (the store
 * forces every write to disk, and on a real disk that costs more than the rest of a run), else under the test's own
 * temporary directory. The store's code is the same either way. {@link #close()} deletes what it created.
 */
final class StoreDirectories implements AutoCloseable {
  private static final Path SHM = Path.of("/dev/shm");

  private final Path fallback;
  private final List<Path> created = new ArrayList<>();

  /** @param fallback where to create them when there is no {@code /dev/shm} */
  StoreDirectories(Path fallback) {
    this.fallback = fallback;
  }

  /** @return a new, empty directory */
  Path next() {
    try {
      Path base = Files.isDirectory(SHM) && Files.isWritable(SHM) ? SHM : fallback;
      Path dir = Files.createTempDirectory(base, "osupgrade-store-");
      created.add(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    for (Path dir : created) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        // best effort: a temporary directory
      }
    }
    created.clear();
  }
}
