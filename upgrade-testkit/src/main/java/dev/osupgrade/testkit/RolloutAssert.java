package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.InstanceRolledBack;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.policy.Percent;
import dev.osupgrade.rollout.Rollout;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link Rollout}, read like {@code assertThat(rollout).isCompleted().hadBatches(5)
 * .neverExceededUnhealthy(percent(20))}. Failure messages include the rollout's event log.
 */
public final class RolloutAssert extends AbstractAssert<RolloutAssert, Rollout> {

  RolloutAssert(Rollout actual) {
    super(actual, RolloutAssert.class);
  }

  /**
   * Checks the status.
   *
   * @param status the expected status
   * @return this
   */
  public RolloutAssert hasStatus(RolloutStatus status) {
    isNotNull();
    if (actual.status() != status) {
      failWithMessage("Expected rollout to be <%s> but was <%s>%s%n%s", status, actual.status(),
          actual.error().map(e -> " with " + e).orElse(""), actual.eventLog());
    }
    return this;
  }

  /** @return this, if the rollout completed */
  public RolloutAssert isCompleted() {
    return hasStatus(RolloutStatus.COMPLETED);
  }

  /** @return this, if the rollout faulted */
  public RolloutAssert isFaulted() {
    return hasStatus(RolloutStatus.FAULTED);
  }

  /** @return this, if the rollout was cancelled */
  public RolloutAssert isCancelled() {
    return hasStatus(RolloutStatus.CANCELLED);
  }

  /**
   * Checks that the rollout faulted with a code.
   *
   * @param code e.g. {@code ErrorCodes.MAX_UNHEALTHY_UPGRADED}
   * @return this
   */
  public RolloutAssert faultedWith(String code) {
    isFaulted();
    String actualCode = actual.error().map(e -> e.code()).orElse("<none>");
    if (!actualCode.equals(code)) {
      failWithMessage("Expected rollout to fault with <%s> but it faulted with <%s>%n%s", code, actualCode,
          actual.eventLog());
    }
    return this;
  }

  /**
   * Checks how many batches were started.
   *
   * @param count the expected number
   * @return this
   */
  public RolloutAssert hadBatches(int count) {
    isNotNull();
    long started = events(BatchStarted.class).size();
    if (started != count) {
      failWithMessage("Expected rollout to have started <%s> batches but it started <%s>%n%s", count, started,
          actual.eventLog());
    }
    return this;
  }

  /**
   * Checks that no batch started while more than {@code limit} of the whole set was unhealthy.
   *
   * @param limit the budget
   * @return this
   */
  public RolloutAssert neverExceededUnhealthy(Percent limit) {
    isNotNull();
    for (BatchStarted b : events(BatchStarted.class)) {
      if (limit.isExceededBy(b.unhealthyInstances(), b.totalInstances())) {
        failWithMessage("Expected no batch to start with more than %s unhealthy, but batch %s started with %s of %s"
            + "%n%s", limit, b.batch(), b.unhealthyInstances(), b.totalInstances(), actual.eventLog());
      }
    }
    return this;
  }

  /**
   * Checks the four progress counts.
   *
   * @param successful expected successful
   * @param failed expected failed
   * @param inProgress expected in progress
   * @param pending expected pending
   * @return this
   */
  public RolloutAssert hasProgress(int successful, int failed, int inProgress, int pending) {
    isNotNull();
    UpgradeProgress expected = new UpgradeProgress(successful, failed, inProgress, pending);
    if (!actual.progress().equals(expected)) {
      failWithMessage("Expected progress <%s> but was <%s>%n%s", expected, actual.progress(), actual.eventLog());
    }
    return this;
  }

  /**
   * Checks exactly which instances failed.
   *
   * @param instanceIds the ids
   * @return this
   */
  public RolloutAssert failedInstances(String... instanceIds) {
    Require.noNulls("instanceIds", instanceIds);
    isNotNull();
    Set<String> failed = events(InstanceFailed.class).stream().map(InstanceFailed::instanceId)
        .collect(Collectors.toCollection(TreeSet::new));
    Set<String> expected = new TreeSet<>(Arrays.asList(instanceIds));
    if (!failed.equals(expected)) {
      failWithMessage("Expected failed instances <%s> but were <%s>%n%s", expected, failed, actual.eventLog());
    }
    return this;
  }

  /**
   * Checks that these instances were rolled back successfully.
   *
   * @param instanceIds the ids
   * @return this
   */
  public RolloutAssert rolledBack(String... instanceIds) {
    Require.noNulls("instanceIds", instanceIds);
    isNotNull();
    Set<String> rolledBack = events(InstanceRolledBack.class).stream().filter(InstanceRolledBack::succeeded)
        .map(InstanceRolledBack::instanceId).collect(Collectors.toCollection(TreeSet::new));
    for (String id : instanceIds) {
      if (!rolledBack.contains(id)) {
        failWithMessage("Expected instance <%s> to be rolled back; rolled back were <%s>%n%s", id, rolledBack,
            actual.eventLog());
      }
    }
    return this;
  }

  /**
   * Checks that the rollout emitted at least one event of a type.
   *
   * @param type the event type
   * @return this
   */
  public RolloutAssert emitted(Class<? extends RolloutEvent> type) {
    Require.nonNull(type, "type");
    isNotNull();
    if (events(type).isEmpty()) {
      failWithMessage("Expected a <%s> event%n%s", type.getSimpleName(), actual.eventLog());
    }
    return this;
  }

  /**
   * Checks that the rollout emitted no event of a type.
   *
   * @param type the event type
   * @return this
   */
  public RolloutAssert neverEmitted(Class<? extends RolloutEvent> type) {
    Require.nonNull(type, "type");
    isNotNull();
    if (!events(type).isEmpty()) {
      failWithMessage("Expected no <%s> event but got %s%n%s", type.getSimpleName(), events(type),
          actual.eventLog());
    }
    return this;
  }

  private <E extends RolloutEvent> List<E> events(Class<E> type) {
    return actual.events().stream().filter(type::isInstance).map(type::cast).toList();
  }
}
