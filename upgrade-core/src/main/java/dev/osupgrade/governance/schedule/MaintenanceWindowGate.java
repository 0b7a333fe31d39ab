package dev.osupgrade.governance.schedule;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.health.Measurement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Keeps batches inside maintenance windows. Asked before each batch: it passes while the schedule is open (and,
 * when a minimum is set, stays open long enough for a batch), and otherwise answers {@link GateVerdict.Wait} until
 * the next opening, so a batch never starts outside a window and the rollout resumes by itself when the next
 * window opens. A schedule that never opens again fails with {@value #NEVER_OPENS}.
 *
 * <p>A batch already started is not interrupted when a window closes (Azure does not cut a batch short either);
 * use {@code minimumRemaining} to keep a batch from starting just before the close.
 *
 * <p>Orchestrated mode: {@code RolloutOptions.builder().gate(MaintenanceWindowGate.of(schedule))}. Governed
 * platform mode: {@link #evaluate(Instant)}.
 */
public final class MaintenanceWindowGate implements HealthGate {
  /** The gate's name in events. */
  public static final String NAME = "maintenance-window";
  /** The stop code when no window ever opens again. */
  public static final String NEVER_OPENS = "NoMaintenanceWindow"; // StopCode.NO_MAINTENANCE_WINDOW.azureName()

  private final MaintenanceSchedule schedule;
  private final Duration minimumRemaining;

  private MaintenanceWindowGate(MaintenanceSchedule schedule, Duration minimumRemaining) {
    this.schedule = Require.nonNull(schedule, "schedule");
    this.minimumRemaining = Require.nonNegative("minimumRemaining", minimumRemaining, Duration.ofDays(7));
  }

  /**
   * A gate that lets a batch start whenever the schedule is open.
   *
   * @param schedule the schedule
   * @return the gate
   */
  public static MaintenanceWindowGate of(MaintenanceSchedule schedule) {
    return new MaintenanceWindowGate(schedule, Duration.ZERO);
  }

  /**
   * A gate that lets a batch start only when the schedule stays open for at least {@code minimumRemaining}.
   *
   * @param schedule the schedule
   * @param minimumRemaining how long the window must still be open, e.g. a batch's expected duration: zero or
   *     positive, at most 7 days
   * @return the gate
   */
  public static MaintenanceWindowGate of(MaintenanceSchedule schedule, Duration minimumRemaining) {
    return new MaintenanceWindowGate(schedule, minimumRemaining);
  }

  /** @return the schedule */
  public MaintenanceSchedule schedule() {
    return schedule;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean appliesTo(GatePhase phase) {
    return phase == GatePhase.BEFORE_BATCH;
  }

  @Override
  public GateVerdict evaluate(GateContext context) {
    return evaluate(Require.nonNull(context, "context").now());
  }

  /**
   * Evaluates the gate at an instant (governed platform mode, deferral approvals).
   *
   * @param now the current time, between {@link Require#EARLIEST} and {@link Require#LATEST}
   * @return pass while open long enough, wait until the next opening otherwise
   */
  public GateVerdict evaluate(Instant now) {
    Require.instant("now", now);
    if (schedule.isOpen(now)) {
      Optional<Instant> closes = schedule.closesAt(now);
      if (closes.isEmpty()) {
        return GateVerdict.pass(NAME, "maintenance window open" + (schedule.isAlwaysOpen() ? " (always)"
            : " and not closing within a year"));
      }
      Duration left = Duration.between(now, closes.get());
      Measurement minutesLeft = Measurement.of("minutesLeft", left.toMinutes());
      if (left.compareTo(minimumRemaining) >= 0) {
        return GateVerdict.pass(NAME, "maintenance window open until " + schedule.describe(closes.get()) + ", "
            + Durations.words(left) + " left", minutesLeft);
      }
      Optional<Instant> next = nextUsableOpening(closes.get());
      String tooShort = "maintenance window closes at " + schedule.describe(closes.get()) + ", in " + Durations.words(left)
          + ", less than the " + Durations.words(minimumRemaining) + " a batch needs";
      return next.<GateVerdict>map(n -> GateVerdict.waitUntil(NAME, tooShort + "; next opening "
              + schedule.describe(n), n, minutesLeft, Measurement.of("minutesUntilOpen",
              Duration.between(now, n).toMinutes())))
          .orElseGet(() -> GateVerdict.fail(NAME, NEVER_OPENS, tooShort + ", and no window opens again",
              minutesLeft));
    }
    Optional<Instant> next = nextUsableOpening(now);
    if (next.isEmpty()) {
      return GateVerdict.fail(NAME, NEVER_OPENS, "maintenance window closed, and no window"
          + (minimumRemaining.isZero() ? "" : " of at least " + Durations.words(minimumRemaining))
          + " opens again: check the windows and blackout dates of " + schedule);
    }
    return GateVerdict.waitUntil(NAME, "maintenance window closed; next opening " + schedule.describe(next.get()),
        next.get(), Measurement.of("minutesUntilOpen", Duration.between(now, next.get()).toMinutes()));
  }

  /** The next opening that stays open at least {@code minimumRemaining}; empty if none comes within a year. */
  private Optional<Instant> nextUsableOpening(Instant from) {
    Instant horizon = from.plus(Duration.ofDays(366));
    Instant t = from;
    while (t.isBefore(horizon)) {
      Optional<Instant> opening = schedule.nextOpening(t);
      if (opening.isEmpty() || opening.get().isAfter(horizon)) {
        return Optional.empty();
      }
      Optional<Instant> closes = schedule.closesAt(opening.get());
      if (closes.isEmpty() || Duration.between(opening.get(), closes.get()).compareTo(minimumRemaining) >= 0) {
        return opening;
      }
      t = closes.get();
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return NAME + "[" + schedule + (minimumRemaining.isZero() ? "" : ", at least " + Durations.words(minimumRemaining)
        + " left") + "]";
  }
}
