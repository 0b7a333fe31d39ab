package dev.osupgrade.port;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@link RolloutStore#file(Path)}: one text file per scale set. Every change happens under an exclusive lock on a
 * sibling {@code .lock} file (so several JVMs on one machine can share the directory) and is written to a temporary
 * file, forced to disk, and renamed over the old one, so a reader sees the old or the new content, never a mix.
 */
final class FileRolloutStore implements RolloutStore {
  private static final String MAGIC = "osupgrade-rollout-checkpoint 1";
  /** One monitor per lock file in this JVM: FileChannel.lock is per process, not per thread. */
  private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path directory;
  private final Map<Path, ScaleSetId> ids = new ConcurrentHashMap<>();

  FileRolloutStore(Path directory) {
    this.directory = Require.nonNull(directory, "directory").toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.directory);
    } catch (IOException e) {
      throw ioFailure("cannot create the store directory " + this.directory, e);
    }
  }

  @Override
  public Optional<Checkpoint> load(ScaleSetId scaleSet) {
    Require.nonNull(scaleSet, "scaleSet");
    return Optional.ofNullable(read(fileOf(scaleSet)).checkpoint);
  }

  @Override
  public Optional<Lease> tryAcquire(ScaleSetId scaleSet, String owner, Instant now, Duration ttl) {
    StoreRules.checkAcquire(scaleSet, owner, now, ttl);
    return locked(scaleSet, content -> {
      Optional<Lease> lease = StoreRules.acquire(content.lease, scaleSet, owner, now, ttl);
      lease.ifPresent(l -> {
        content.lease = l;
        write(fileOf(scaleSet), content);
      });
      return lease;
    });
  }

  @Override
  public Lease renew(Lease lease, Instant now, Duration ttl) {
    StoreRules.checkRenew(lease, now, ttl);
    return locked(lease.scaleSet(), content -> {
      Lease renewed = StoreRules.renew(content.lease, lease, now, ttl);
      content.lease = renewed;
      write(fileOf(lease.scaleSet()), content);
      return renewed;
    });
  }

  @Override
  public Checkpoint save(Lease lease, long expectedVersion, String data, Instant now) {
    StoreRules.checkSave(lease, expectedVersion, data, now);
    return locked(lease.scaleSet(), content -> {
      long stored = content.checkpoint == null ? 0 : content.checkpoint.version();
      Checkpoint saved = StoreRules.save(content.lease, stored, lease, expectedVersion, data, now);
      content.checkpoint = saved;
      write(fileOf(lease.scaleSet()), content);
      return saved;
    });
  }

  @Override
  public void release(Lease lease) {
    Require.nonNull(lease, "lease");
    locked(lease.scaleSet(), content -> {
      StoreRules.release(content.lease, lease).ifPresent(released -> {
        content.lease = released;
        write(fileOf(lease.scaleSet()), content);
      });
      return Boolean.TRUE;
    });
  }

  @Override
  public String toString() {
    return "RolloutStore.file[" + directory + "]";
  }

  // ---- files ------------------------------------------------------------------------------------------------

  /** One file per scale set; each part is percent-encoded so that different ids never share a file. */
  private Path fileOf(ScaleSetId id) {
    String name = encode(id.subscriptionId().toLowerCase(java.util.Locale.ROOT)) + "_" + encode(id.resourceGroup())
        + "_" + encode(id.name());
    Path file = directory.resolve(name + ".checkpoint");
    ids.put(file, id);
    return file;
  }

  private @Nullable ScaleSetId expectedIdOf(Path file) {
    return ids.get(file);
  }

  private static String encode(String part) {
    StringBuilder b = new StringBuilder();
    for (byte x : part.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-') {
        b.append(c);
      } else {
        b.append('%').append(String.format(java.util.Locale.ROOT, "%02X", x & 0xff));
      }
    }
    return b.toString();
  }

  private <T> T locked(ScaleSetId id, Function<Content, T> change) {
    Path file = fileOf(id);
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    Object monitor = JVM_LOCKS.computeIfAbsent(lockFile, k -> new Object());
    synchronized (monitor) {
      try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock = channel.lock();
        try {
          return change.apply(read(file));
        } finally {
          lock.release();
        }
      } catch (IOException e) {
        throw ioFailure("cannot lock " + lockFile, e);
      }
    }
  }

  private Content read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return new Content();
    } catch (IOException e) {
      throw ioFailure("cannot read " + file, e);
    }
    int split = text.indexOf("\n\n");
    if (!text.startsWith(MAGIC + "\n") || split < 0) {
      throw new OsUpgradeException(OsUpgradeException.CHECKPOINT_CORRUPT, file + " is not an osupgrade checkpoint file");
    }
    Map<String, String> header = new LinkedHashMap<>();
    for (String line : text.substring(MAGIC.length() + 1, split).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        header.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    Content c = new Content();
    try {
      ScaleSetId id = ScaleSetId.parse(header.get("scaleSet"));
      ScaleSetId expected = expectedIdOf(file);
      if (expected != null && !id.equals(expected)) {
        throw new OsUpgradeException(OsUpgradeException.CHECKPOINT_CORRUPT, file + " holds the checkpoint of " + id + ", not of "
            + expected);
      }
      if (header.containsKey("lease.owner")) {
        c.lease = new Lease(id, header.get("lease.owner"), Long.parseLong(header.get("lease.token")),
            Instant.parse(header.get("lease.expiresAt")));
      }
      if (header.containsKey("version")) {
        c.checkpoint = new Checkpoint(id, Long.parseLong(header.get("version")), header.get("owner"),
            Instant.parse(header.get("savedAt")), text.substring(split + 2));
      }
    } catch (OsUpgradeException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new OsUpgradeException(OsUpgradeException.CHECKPOINT_CORRUPT, file + " has an unreadable header: " + e.getMessage(), e);
    }
    return c;
  }

  private void write(Path file, Content content) {
    StringBuilder b = new StringBuilder(MAGIC).append('\n');
    ScaleSetId id = content.checkpoint != null ? content.checkpoint.scaleSet()
        : java.util.Objects.requireNonNull(content.lease).scaleSet();
    b.append("scaleSet=").append(id.armId()).append('\n');
    if (content.lease != null) {
      b.append("lease.owner=").append(content.lease.owner()).append('\n');
      b.append("lease.token=").append(content.lease.token()).append('\n');
      b.append("lease.expiresAt=").append(content.lease.expiresAt()).append('\n');
    }
    if (content.checkpoint != null) {
      b.append("version=").append(content.checkpoint.version()).append('\n');
      b.append("owner=").append(content.checkpoint.owner()).append('\n');
      b.append("savedAt=").append(content.checkpoint.savedAt()).append('\n');
    }
    b.append('\n');
    if (content.checkpoint != null) {
      b.append(content.checkpoint.data());
    }
    Path tmp = null;
    try {
      tmp = Files.createTempFile(directory, file.getFileName().toString(), ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer bytes = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          ch.write(bytes);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      forceDirectory();
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: a stray temporary file is harmless
        }
      }
      throw ioFailure("cannot write " + file, e);
    }
  }

  private void forceDirectory() {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // Not every platform can sync a directory; the rename is still atomic.
    }
  }

  private static OsUpgradeException ioFailure(String what, IOException e) {
    return new OsUpgradeException("CheckpointIoError", what + ": " + e.getMessage(), e);
  }

  private static final class Content {
    @Nullable Checkpoint checkpoint;
    @Nullable Lease lease;
  }
}
