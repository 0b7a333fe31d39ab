package dev.osupgrade.azure;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.Lease;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What a scale set's blob says besides the checkpoint's data, kept in the blob's metadata so that a lease can be
 * renewed without rewriting the data: the lease on record and the header of the latest checkpoint, with the SHA-256
 * of the data so that a body changed behind the store's back reads as corrupt, not as a checkpoint.
 *
 * @param lease the lease on record; null only in a blob the store did not write
 * @param version the checkpoint's version; 0 before the first save
 * @param savedBy who saved it; null before the first save
 * @param savedAt when; null before the first save
 * @param dataSha256 the hex SHA-256 of the data (UTF-8); null before the first save
 */
record BlobRecord(@Nullable Lease lease, long version, @Nullable String savedBy, @Nullable Instant savedAt,
    @Nullable String dataSha256) {
  /** The format marker: a blob without it was not written by the store. */
  static final String FORMAT = "osupgrade";
  private static final String FORMAT_VERSION = "1";

  /** The record of a blob that does not exist. */
  static final BlobRecord NONE = new BlobRecord(null, 0, null, null, null);

  /**
   * @param next the lease to record
   * @return this record with another lease
   */
  BlobRecord withLease(Lease next) {
    return new BlobRecord(next, version, savedBy, savedAt, dataSha256);
  }

  /**
   * @param saved the checkpoint to record
   * @param sha256 the hex SHA-256 of its data
   * @return this record with another checkpoint header
   */
  BlobRecord withCheckpoint(Checkpoint saved, String sha256) {
    return new BlobRecord(lease, saved.version(), saved.owner(), saved.savedAt(), sha256);
  }

  /**
   * @param scaleSet the scale set the blob belongs to
   * @return the blob's metadata
   */
  Map<String, String> toMetadata(ScaleSetId scaleSet) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(FORMAT, FORMAT_VERSION);
    m.put("scaleset", BlobNames.idOf(scaleSet));
    if (lease != null) {
      m.put("leaseowner", BlobNames.value(lease.owner()));
      m.put("leasetoken", Long.toString(lease.token()));
      m.put("leaseexpiresat", lease.expiresAt().toString());
    }
    if (version > 0) {
      m.put("version", Long.toString(version));
      m.put("savedby", BlobNames.value(Objects.requireNonNull(savedBy)));
      m.put("savedat", String.valueOf(savedAt));
      m.put("datasha256", String.valueOf(dataSha256));
    }
    return m;
  }

  /**
   * Reads a blob's metadata.
   *
   * @param metadata the metadata as the service returned it
   * @param scaleSet the scale set the blob should belong to
   * @param blob the blob's name, for messages
   * @return the record
   * @throws OsUpgradeException with code {@code CheckpointCorrupt} if the metadata is not a record of this scale set
   */
  static BlobRecord fromMetadata(Map<String, String> metadata, ScaleSetId scaleSet, String blob) {
    Map<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    m.putAll(metadata);
    if (!FORMAT_VERSION.equals(m.get(FORMAT))) {
      throw corrupt(blob, m.containsKey(FORMAT) ? "has format " + m.get(FORMAT) + ", not " + FORMAT_VERSION
          : "is not an osupgrade checkpoint blob (its metadata has no '" + FORMAT + "' entry)");
    }
    String id = m.get("scaleset");
    if (id == null) {
      throw corrupt(blob, "names no scale set in its metadata");
    }
    if (!BlobNames.idOf(scaleSet).equals(id)) {
      throw corrupt(blob, "holds the checkpoint of " + id + ", not of " + BlobNames.idOf(scaleSet));
    }
    try {
      Lease lease = m.containsKey("leaseowner") ? new Lease(scaleSet, BlobNames.text(m.get("leaseowner")),
          Long.parseLong(m.get("leasetoken")), Instant.parse(m.get("leaseexpiresat"))) : null;
      if (!m.containsKey("version")) {
        return new BlobRecord(lease, 0, null, null, null);
      }
      long version = Long.parseLong(m.get("version"));
      String sha = m.get("datasha256");
      if (version < 1 || sha == null || sha.length() != 64) {
        throw new IllegalArgumentException("version " + version + ", datasha256 " + sha);
      }
      return new BlobRecord(lease, version, BlobNames.text(m.get("savedby")), Instant.parse(m.get("savedat")), sha);
    } catch (RuntimeException e) {
      throw new OsUpgradeException(OsUpgradeException.CHECKPOINT_CORRUPT, "blob " + blob + " has unreadable metadata: " + e, e);
    }
  }

  /**
   * Turns the blob's body into the checkpoint this record describes.
   *
   * @param scaleSet the scale set
   * @param body the blob's content
   * @param blob the blob's name, for messages
   * @return the checkpoint
   * @throws OsUpgradeException with code {@code CheckpointCorrupt} if the body is not the data the record describes
   */
  Checkpoint checkpoint(ScaleSetId scaleSet, byte[] body, String blob) {
    String found = sha256(body);
    if (!found.equals(dataSha256)) {
      throw corrupt(blob, "has a body of " + body.length + " bytes whose SHA-256 is " + found + ", not the "
          + dataSha256 + " its checkpoint " + version + " was saved with");
    }
    return new Checkpoint(scaleSet, version, Objects.requireNonNull(savedBy),
        Objects.requireNonNull(savedAt), new String(body, StandardCharsets.UTF_8));
  }

  /**
   * @param bytes any bytes
   * @return their SHA-256, hex
   */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static OsUpgradeException corrupt(String blob, String what) {
    return new OsUpgradeException(OsUpgradeException.CHECKPOINT_CORRUPT, "blob " + blob + " " + what);
  }
}
