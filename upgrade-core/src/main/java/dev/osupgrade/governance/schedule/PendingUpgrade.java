package dev.osupgrade.governance.schedule;

import dev.osupgrade.Require;
import java.time.Instant;

/**
 * An instance that defers its OS upgrade ({@code osRollingUpgradeDeferral}): it was given advance notice (the IMDS
 * tag {@code Platform.PendingOSUpgrade}) and waits for approval.
 *
 * @param instanceId the instance
 * @param noticedAt when the pending upgrade was first seen
 */
public record PendingUpgrade(String instanceId, Instant noticedAt) {
  /** Validates the fields. */
  public PendingUpgrade {
    Require.nonBlank("instanceId", instanceId);
    Require.nonNull(noticedAt, "noticedAt");
  }

  /**
   * Creates a pending upgrade.
   *
   * @param instanceId the instance
   * @param noticedAt when it was first seen
   * @return the pending upgrade
   */
  public static PendingUpgrade of(String instanceId, Instant noticedAt) {
    return new PendingUpgrade(instanceId, noticedAt);
  }
}
