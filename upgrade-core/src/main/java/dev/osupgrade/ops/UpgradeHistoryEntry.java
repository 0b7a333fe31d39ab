package dev.osupgrade.ops;

import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One OS upgrade of a scale set, as Azure's {@code osUpgradeHistory} lists it (the last five within two months).
 *
 * @param status how it ended (or {@code RollingForward} while running)
 * @param startTime when it started
 * @param endTime when it ended, or null while running
 * @param progress the four counts
 * @param error why it stopped, or null
 * @param startedBy user or platform
 * @param targetImage the image it rolled out, or null if unknown
 * @param rollbackInfo how rollback went
 * @param statusCode Azure's running status code as sent (a newer API version's code when {@code status} is
 *     {@link RolloutStatus#UNKNOWN})
 */
public record UpgradeHistoryEntry(
    RolloutStatus status,
    Instant startTime,
    @Nullable Instant endTime,
    UpgradeProgress progress,
    @Nullable UpgradeError error,
    StartedBy startedBy,
    @Nullable ImageReference targetImage,
    RollbackInfo rollbackInfo,
    String statusCode) {

  /** Validates the fields. */
  public UpgradeHistoryEntry {
    Require.nonNull(status, "status");
    StatusCodes.check(status, statusCode);
    Require.nonNull(startTime, "startTime");
    Require.nonNull(progress, "progress");
    Require.nonNull(startedBy, "startedBy");
    Require.nonNull(rollbackInfo, "rollbackInfo");
  }

  /**
   * Creates an entry whose code is a known one ({@code statusCode} is the status's Azure code).
   *
   * @param status how it ended (or {@code RollingForward} while running)
   * @param startTime when it started
   * @param endTime when it ended, or null while running
   * @param progress the four counts
   * @param error why it stopped, or null
   * @param startedBy user or platform
   * @param targetImage the image it rolled out, or null if unknown
   * @param rollbackInfo how rollback went
   */
  public UpgradeHistoryEntry(RolloutStatus status, Instant startTime, @Nullable Instant endTime,
      UpgradeProgress progress, @Nullable UpgradeError error, StartedBy startedBy, @Nullable ImageReference targetImage,
      RollbackInfo rollbackInfo) {
    this(status, startTime, endTime, progress, error, startedBy, targetImage, rollbackInfo,
        Require.nonNull(status, "status").azureCode());
  }

  /** @return false when Azure's code is one the library does not know (see {@link RolloutStatus#UNKNOWN}) */
  public boolean isKnown() {
    return status.isKnown();
  }
}
