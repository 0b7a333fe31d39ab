package dev.osupgrade.azure.internal;

import com.azure.resourcemanager.compute.fluent.models.RollingUpgradeStatusInfoInner;
import com.azure.resourcemanager.compute.fluent.models.UpgradeOperationHistoricalStatusInfoInner;
import com.azure.resourcemanager.compute.models.ApiError;
import com.azure.resourcemanager.compute.models.RollbackStatusInfo;
import com.azure.resourcemanager.compute.models.RollingUpgradeActionType;
import com.azure.resourcemanager.compute.models.RollingUpgradeProgressInfo;
import com.azure.resourcemanager.compute.models.RollingUpgradeRunningStatus;
import com.azure.resourcemanager.compute.models.UpgradeOperationHistoricalStatusInfoProperties;
import com.azure.resourcemanager.compute.models.UpgradeOperationHistoryStatus;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.ops.RollbackInfo;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StartedBy;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.jspecify.annotations.Nullable;

/**
 * Rolling upgrade status and OS upgrade history between ARM's models and the domain. Enum values the SDK does not
 * know arrive as null and read as the safest known value: {@code RollingForward} for a running status (something may
 * still be happening), {@code Unknown} for who started it.
 */
final class StatusMapper {
  private StatusMapper() {}

  /**
   * Reads {@code rollingUpgrades/latest}.
   *
   * @param info ARM's status
   * @return the status
   */
  static RollingUpgradeStatus latest(RollingUpgradeStatusInfoInner info) {
    RollingUpgradeRunningStatus running = info.runningStatus();
    RolloutStatus status = running == null || running.code() == null ? RolloutStatus.ROLLING_FORWARD
        : RolloutStatus.fromAzure(running.code().toString());
    Instant start = instant(running == null ? null : running.startTime());
    Instant lastActionTime = instant(running == null ? null : running.lastActionTime());
    if (start == null) {
      start = lastActionTime;
    }
    if (start == null) {
      throw new IllegalStateException("the rolling upgrade has no runningStatus.startTime");
    }
    RollingUpgradeStatus.Action action = null;
    if (running != null && running.lastAction() != null) {
      action = running.lastAction() == RollingUpgradeActionType.CANCEL ? RollingUpgradeStatus.Action.CANCEL
          : RollingUpgradeStatus.Action.START;
    }
    RollingUpgradePolicy policy = info.policy() == null ? RollingUpgradePolicy.ofDefaults()
        : ModelMapper.rollingPolicy(info.policy(), false);
    return new RollingUpgradeStatus(status, start, action, lastActionTime, progress(info.progress()), policy,
        error(info.error()));
  }

  /**
   * Reads one {@code osUpgradeHistory} entry.
   *
   * @param item ARM's entry
   * @return the entry
   */
  static UpgradeHistoryEntry history(UpgradeOperationHistoricalStatusInfoInner item) {
    UpgradeOperationHistoricalStatusInfoProperties p = item.properties();
    if (p == null) {
      throw new IllegalStateException("an osUpgradeHistory entry has no properties");
    }
    UpgradeOperationHistoryStatus running = p.runningStatus();
    RolloutStatus status = running == null || running.code() == null ? RolloutStatus.ROLLING_FORWARD
        : RolloutStatus.fromAzure(running.code().toString());
    Instant start = instant(running == null ? null : running.startTime());
    if (start == null) {
      throw new IllegalStateException("an osUpgradeHistory entry has no runningStatus.startTime");
    }
    StartedBy startedBy = p.startedBy() == null ? StartedBy.UNKNOWN : StartedBy.fromAzure(p.startedBy().toString());
    ImageReference target;
    try {
      target = ImageMapper.read(p.targetImageReference(), true).orElse(null);
    } catch (RuntimeException unreadable) {
      target = null; // the target image is informational; an odd one must not hide the entry
    }
    RollbackStatusInfo rb = p.rollbackInfo();
    RollbackInfo rollback = rb == null ? RollbackInfo.none()
        : new RollbackInfo(count(rb.successfullyRolledbackInstanceCount(), "successfullyRolledbackInstanceCount"),
            count(rb.failedRolledbackInstanceCount(), "failedRolledbackInstanceCount"), error(rb.rollbackError()));
    return new UpgradeHistoryEntry(status, start, instant(running.endTime()), progress(p.progress()),
        error(p.error()), startedBy, target, rollback);
  }

  private static UpgradeProgress progress(@Nullable RollingUpgradeProgressInfo p) {
    if (p == null) {
      return UpgradeProgress.none();
    }
    return new UpgradeProgress(count(p.successfulInstanceCount(), "successfulInstanceCount"),
        count(p.failedInstanceCount(), "failedInstanceCount"),
        count(p.inProgressInstanceCount(), "inProgressInstanceCount"),
        count(p.pendingInstanceCount(), "pendingInstanceCount"));
  }

  private static int count(@Nullable Integer n, String field) {
    if (n == null) {
      return 0;
    }
    if (n < 0) {
      throw new IllegalStateException(field + " is negative: " + n);
    }
    return n;
  }

  private static @Nullable UpgradeError error(@Nullable ApiError e) {
    if (e == null || (!ImageMapper.notBlank(e.getCode()) && !ImageMapper.notBlank(e.getMessage()))) {
      return null;
    }
    String code = ImageMapper.notBlank(e.getCode()) ? e.getCode() : "Unknown";
    return new UpgradeError(code, e.getMessage() == null ? "" : e.getMessage());
  }

  private static @Nullable Instant instant(@Nullable OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
