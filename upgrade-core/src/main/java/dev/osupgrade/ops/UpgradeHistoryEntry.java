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
 */
public record UpgradeHistoryEntry(
    RolloutStatus status,
    Instant startTime,
    @Nullable Instant endTime,
    UpgradeProgress progress,
    @Nullable UpgradeError error,
    StartedBy startedBy,
    @Nullable ImageReference targetImage,
    RollbackInfo rollbackInfo) {

  /** Validates the fields. */
  public UpgradeHistoryEntry {
    Require.nonNull(status, "status");
    Require.nonNull(startTime, "startTime");
    Require.nonNull(progress, "progress");
    Require.nonNull(startedBy, "startedBy");
    Require.nonNull(rollbackInfo, "rollbackInfo");
  }
}
