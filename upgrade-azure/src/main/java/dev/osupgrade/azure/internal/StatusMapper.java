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
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Rolling upgrade status and OS upgrade history between ARM's answers and the domain. The SDK's models read the
 * typed fields; the running status code and the invoker come from Azure's text (the SDK's plain Java enums turn a
 * value they do not know into null), and so does an OS upgrade's {@code runningStatus.completedTime}, which the SDK's
 * model does not declare. A code the library does not know reads as {@link RolloutStatus#UNKNOWN} with the code kept;
 * an invoker it does not know is kept with Azure's spelling.
 */
final class StatusMapper {
  private StatusMapper() {}

  /**
   * Reads {@code rollingUpgrades/latest}.
   *
   * @param info ARM's status
   * @param raw the same answer as Azure sent it
   * @return the status
   */
  static RollingUpgradeStatus latest(RollingUpgradeStatusInfoInner info, Map<String, Object> raw) {
    RollingUpgradeRunningStatus running = info.runningStatus();
    String code = code(raw, "the rolling upgrade");
    RolloutStatus status = RolloutStatus.fromAzure(code);
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
        error(info.error()), code.strip());
  }

  /**
   * Reads one {@code osUpgradeHistory} entry.
   *
   * @param item ARM's entry
   * @param raw the same entry as Azure sent it
   * @return the entry
   * @throws RuntimeException when the entry cannot be read (the caller leaves it out and reports it)
   */
  static UpgradeHistoryEntry history(UpgradeOperationHistoricalStatusInfoInner item, Map<String, Object> raw) {
    UpgradeOperationHistoricalStatusInfoProperties p = item.properties();
    if (p == null) {
      throw new IllegalStateException("the entry has no properties");
    }
    UpgradeOperationHistoryStatus running = p.runningStatus();
    String code = code(raw, "the entry");
    RolloutStatus status = RolloutStatus.fromAzure(code);
    Instant start = instant(running == null ? null : running.startTime());
    if (start == null) {
      throw new IllegalStateException("the entry has no runningStatus.startTime");
    }
    Instant end = instant(running == null ? null : running.endTime());
    if (end == null) {
      end = completedTime(raw);
    }
    String invoker = Json.string(raw, "properties", "startedBy");
    StartedBy startedBy = invoker == null ? StartedBy.UNKNOWN : StartedBy.fromAzure(invoker);
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
    return new UpgradeHistoryEntry(status, start, end, progress(p.progress()), error(p.error()), startedBy, target,
        rollback, code.strip());
  }

  /** Azure's running status code, as sent. */
  private static String code(Map<String, Object> raw, String what) {
    String code = Json.string(raw, "properties", "runningStatus", "code");
    if (code == null || code.isBlank()) {
      throw new IllegalStateException(what + " has no runningStatus.code");
    }
    return code;
  }

  /**
   * The end of an OS upgrade as recorded responses send it ({@code runningStatus.completedTime}, where the API
   * specification and the SDK have {@code endTime}).
   */
  private static @Nullable Instant completedTime(Map<String, Object> raw) {
    String text = Json.string(raw, "properties", "runningStatus", "completedTime");
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text.strip()).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalStateException("runningStatus.completedTime is not a time: '" + text + "'", e);
    }
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
