package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import dev.osupgrade.plan.Batch;
import dev.osupgrade.plan.RolloutPlan;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a {@link RolloutPlan}. Failure messages include the plan's table. */
public final class RolloutPlanAssert extends AbstractAssert<RolloutPlanAssert, RolloutPlan> {

  RolloutPlanAssert(RolloutPlan actual) {
    super(actual, RolloutPlanAssert.class);
  }

  /**
   * Checks the number of batches.
   *
   * @param count the expected number
   * @return this
   */
  public RolloutPlanAssert hasBatches(int count) {
    isNotNull();
    if (actual.batches().size() != count) {
      failWithMessage("Expected <%s> batches but the plan has <%s>%n%s", count, actual.batches().size(), actual);
    }
    return this;
  }

  /**
   * Checks every batch's size, in order.
   *
   * @param sizes the expected sizes
   * @return this
   */
  public RolloutPlanAssert hasBatchSizes(int... sizes) {
    Require.nonNull(sizes, "sizes");
    isNotNull();
    List<Integer> actualSizes = actual.batches().stream().map(Batch::size).toList();
    List<Integer> expected = java.util.Arrays.stream(sizes).boxed().toList();
    if (!actualSizes.equals(expected)) {
      failWithMessage("Expected batch sizes <%s> but were <%s>%n%s", expected, actualSizes, actual);
    }
    return this;
  }

  /** @return this, if no batch spans two zones */
  public RolloutPlanAssert neverMixesZones() {
    isNotNull();
    for (Batch b : actual.batches()) {
      if (b.zones().size() > 1) {
        failWithMessage("Expected no batch to span zones, but batch %s spans %s%n%s", b.number(), b.zones(), actual);
      }
    }
    return this;
  }

  /**
   * Checks that no batch is larger than a size.
   *
   * @param size the largest allowed
   * @return this
   */
  public RolloutPlanAssert batchesAtMost(int size) {
    isNotNull();
    for (Batch b : actual.batches()) {
      if (b.size() > size) {
        failWithMessage("Expected batches of at most %s, but batch %s has %s%n%s", size, b.number(), b.size(),
            actual);
      }
    }
    return this;
  }
}
