package dev.osupgrade.ops;

import dev.osupgrade.Require;
import org.jspecify.annotations.Nullable;

/**
 * How a rollback went: Azure's {@code rollbackInfo} of an OS upgrade history entry.
 *
 * @param successfullyRolledBack instances restored to their previous image
 * @param failedToRollBack instances whose rollback failed
 * @param rollbackError the error of the rollback, or null
 */
public record RollbackInfo(int successfullyRolledBack, int failedToRollBack, @Nullable UpgradeError rollbackError) {
  /** Validates the counts. */
  public RollbackInfo {
    Require.atLeast("successfullyRolledBack", successfullyRolledBack, 0);
    Require.atLeast("failedToRollBack", failedToRollBack, 0);
  }

  /** @return no rollback */
  public static RollbackInfo none() {
    return new RollbackInfo(0, 0, null);
  }
}
