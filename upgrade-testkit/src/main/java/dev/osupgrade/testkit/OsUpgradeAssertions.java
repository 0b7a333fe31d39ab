package dev.osupgrade.testkit;

import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.rollout.Rollout;

/**
 * The entry point of the testkit's AssertJ assertions: {@code import static
 * dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;}.
 */
public final class OsUpgradeAssertions {
  private OsUpgradeAssertions() {}

  /**
   * Assertions on a rollout.
   *
   * @param rollout the rollout
   * @return the assertions
   */
  public static RolloutAssert assertThat(Rollout rollout) {
    return new RolloutAssert(rollout);
  }

  /**
   * Assertions on a plan.
   *
   * @param plan the plan
   * @return the assertions
   */
  public static RolloutPlanAssert assertThat(RolloutPlan plan) {
    return new RolloutPlanAssert(plan);
  }
}
