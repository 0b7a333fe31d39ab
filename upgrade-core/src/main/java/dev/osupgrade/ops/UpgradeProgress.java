package dev.osupgrade.ops;

import dev.osupgrade.Require;

/**
 * The four progress counts Azure reports for a rolling upgrade.
 *
 * @param successful instances upgraded and healthy
 * @param failed instances that failed (whether or not they were rolled back)
 * @param inProgress instances being upgraded or awaiting health
 * @param pending instances not yet started
 */
public record UpgradeProgress(int successful, int failed, int inProgress, int pending) {
  /** Validates the counts. */
  public UpgradeProgress {
    Require.atLeast("successful", successful, 0);
    Require.atLeast("failed", failed, 0);
    Require.atLeast("inProgress", inProgress, 0);
    Require.atLeast("pending", pending, 0);
  }

  /** @return all zero */
  public static UpgradeProgress none() {
    return new UpgradeProgress(0, 0, 0, 0);
  }

  /** @return the sum of the four counts */
  public int total() {
    return successful + failed + inProgress + pending;
  }

  @Override
  public String toString() {
    return successful + " succeeded, " + failed + " failed, " + inProgress + " in progress, " + pending + " pending";
  }
}
