package dev.osupgrade.observe;

import dev.osupgrade.Require;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.event.GovernanceWaived;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.InstanceHealthy;
import dev.osupgrade.event.InstanceReplaced;
import dev.osupgrade.event.InstanceRolledBack;
import dev.osupgrade.event.InstanceUpgraded;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutListener;
import dev.osupgrade.event.UpgradeEvent;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.event.SurgeFallback;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.service.RunnerEvent;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Logs every event through {@link System.Logger}, the JDK's logging facade, with a level that says how much it
 * matters. The core keeps no logging dependency: the JDK routes {@code System.Logger} to {@code java.util.logging} by
 * default, and an application on SLF4J (Logback, Log4j 2 through SLF4J) adds {@code org.slf4j:slf4j-jdk-platform-logging}
 * to get every line in its own logging, under the logger's name ({@value #DEFAULT_NAME} unless given).
 *
 * <table>
 *   <caption>Levels</caption>
 *   <tr><th>level</th><th>rollout events</th><th>ring events</th><th>runner events</th>
 *       <th>governor decisions</th></tr>
 *   <tr><td>{@code ERROR}</td><td>{@code RolloutFaulted}</td><td>ring failed, stopped</td><td>set aside</td>
 *       <td>ring failed, campaign failed</td></tr>
 *   <tr><td>{@code WARNING}</td><td>{@code RolloutStalled}, {@code InstanceFailed}, a rollback that failed,
 *       {@code SurgeFallback}, a gate that failed, {@code GovernanceWaived}, {@code RolloutCancelled}</td>
 *       <td>ring refused, version quarantined, rollback started, deferral overdue</td><td>advance failed</td>
 *       <td>version quarantined, ring blocked, scale sets excluded, deferral overdue, turn stalled, governor paused,
 *       governor cancelled</td></tr>
 *   <tr><td>{@code INFO}</td><td>progress: started, model image changed, gates that pass or wait, batches,
 *       rolled back, paused, resumed, stall cleared, plan extended, surge instances created, completed</td>
 *       <td>the others</td><td>the others</td><td>the others</td></tr>
 *   <tr><td>{@code DEBUG}</td><td>one instance's progress: {@code InstanceUpgraded}, {@code InstanceHealthy},
 *       {@code InstanceReplaced}</td><td></td><td></td><td></td></tr>
 * </table>
 *
 * <p>The message is the event's line ({@code toString()}: number, fleet time, scale set, what happened and why); a
 * runner event's failure goes along as the {@code Throwable}. Nothing is formatted for a level the logger does not
 * log. Thread-safe when the logger is, as {@code System.Logger}s are.
 *
 * <pre>{@code
 * LoggingListener log = LoggingListener.named("shop.upgrades");
 * Rollout.builder(fleet, web).target(v2).clock(clock).listener(log).build();
 * RingRollout.builder(plan, fleet, fleet).listener(log::onRingEvent).rolloutListener(log)...;
 * RolloutRunner.builder().listener(log::onRunnerEvent)...;
 * EstateGovernor.builder(desired, fleet).listener(log::onGovernorDecision)...;
 * }</pre>
 */
public final class LoggingListener implements RolloutListener {
  /** The logger's name when none is given. */
  public static final String DEFAULT_NAME = "dev.osupgrade";

  private final Logger logger;

  private LoggingListener(Logger logger) {
    this.logger = logger;
  }

  /**
   * Logs to {@code System.getLogger("dev.osupgrade")}.
   *
   * @return the listener
   */
  public static LoggingListener create() {
    return named(DEFAULT_NAME);
  }

  /**
   * Logs to {@code System.getLogger(name)}.
   *
   * @param name the logger's name
   * @return the listener
   */
  public static LoggingListener named(String name) {
    return new LoggingListener(System.getLogger(Require.nonBlank("name", name)));
  }

  /**
   * Logs to a logger of the caller's.
   *
   * @param logger the logger
   * @return the listener
   */
  public static LoggingListener to(Logger logger) {
    return new LoggingListener(Require.nonNull(logger, "logger"));
  }

  /** @return the logger it logs to */
  public Logger logger() {
    return logger;
  }

  @Override
  public void onEvent(RolloutEvent event) {
    Level level = level(Require.nonNull(event, "event"));
    if (logger.isLoggable(level)) {
      logger.log(level, event.toString());
    }
  }

  /**
   * Takes an event of either family: a rollout's ({@link #onEvent(RolloutEvent)}) or a ring rollout's
   * ({@link #onRingEvent(RingEvent)}), so one listener given to {@code RingRollout.Builder.listener} hears the rings
   * and the rollouts they run.
   *
   * @param event the event
   */
  @Override
  public void onEvent(UpgradeEvent event) {
    if (event instanceof RingEvent ring) {
      onRingEvent(ring);
    } else if (event instanceof RolloutEvent rollout) {
      onEvent(rollout);
    }
  }

  /**
   * Logs a ring rollout's event; pass it as {@code RingRollout.Builder.listener(log::onRingEvent)}.
   *
   * @param event the event
   */
  public void onRingEvent(RingEvent event) {
    Level level = level(Require.nonNull(event, "event"));
    if (logger.isLoggable(level)) {
      logger.log(level, event.toString());
    }
  }

  /**
   * Logs a service runner's event, with its failure if it has one; pass it as
   * {@code RolloutRunner.Builder.listener(log::onRunnerEvent)}.
   *
   * @param event the event
   */
  public void onRunnerEvent(RunnerEvent event) {
    Level level = level(Require.nonNull(event, "event"));
    if (logger.isLoggable(level)) {
      Throwable error = event.errorIfAny().orElse(null);
      if (error == null) {
        logger.log(level, event.toString());
      } else {
        logger.log(level, event.toString(), error);
      }
    }
  }

  /**
   * Logs an estate governor's decision (its line, {@code toString()}); pass it as
   * {@code EstateGovernor.Builder.listener(log::onGovernorDecision)}.
   *
   * @param decision the decision
   */
  public void onGovernorDecision(GovernorDecision decision) {
    Level level = level(Require.nonNull(decision, "decision"));
    if (logger.isLoggable(level)) {
      logger.log(level, decision.toString());
    }
  }

  /**
   * The level a governor decision is logged at: {@code ERROR} for a ring or campaign that failed; {@code WARNING} for
   * a quarantined version, a ring blocked by its rehearsal, scale sets left out, an overdue deferral, a stalled turn,
   * and an operator's pause or cancel; {@code INFO} for the rest.
   *
   * @param decision the decision
   * @return its level
   */
  public static Level level(GovernorDecision decision) {
    return switch (Require.nonNull(decision, "decision").kind()) {
      case RING_FAILED, CAMPAIGN_FAILED -> Level.ERROR;
      case VERSION_QUARANTINED, RING_BLOCKED, SCALE_SETS_EXCLUDED, DEFERRAL_OVERDUE, TURN_STALLED, GOVERNOR_PAUSED,
          GOVERNOR_CANCELLED -> Level.WARNING;
      default -> Level.INFO;
    };
  }

  /**
   * The level a rollout event is logged at (see the table above); {@link JsonLines} writes the same.
   *
   * @param event the event
   * @return its level
   */
  public static Level level(RolloutEvent event) {
    Require.nonNull(event, "event");
    if (event instanceof RolloutFaulted) {
      return Level.ERROR;
    }
    if (event instanceof RolloutStalled || event instanceof InstanceFailed || event instanceof SurgeFallback
        || event instanceof GovernanceWaived || event instanceof RolloutCancelled
        || (event instanceof InstanceRolledBack r && !r.succeeded())
        || (event instanceof GateEvaluated g && g.verdict() instanceof GateVerdict.Fail)) {
      return Level.WARNING;
    }
    if (event instanceof InstanceUpgraded || event instanceof InstanceHealthy || event instanceof InstanceReplaced) {
      return Level.DEBUG;
    }
    return Level.INFO;
  }

  /**
   * The level a ring event is logged at.
   *
   * @param event the event
   * @return its level
   */
  public static Level level(RingEvent event) {
    return switch (Require.nonNull(event, "event").kind()) {
      case RING_FAILED, STOPPED -> Level.ERROR;
      case RING_REFUSED, VERSION_QUARANTINED, ROLLBACK_STARTED, DEFERRAL_OVERDUE -> Level.WARNING;
      default -> Level.INFO;
    };
  }

  /**
   * The level a runner event is logged at.
   *
   * @param event the event
   * @return its level
   */
  public static Level level(RunnerEvent event) {
    return switch (Require.nonNull(event, "event").kind()) {
      case SET_ASIDE -> Level.ERROR;
      case ADVANCE_FAILED -> Level.WARNING;
      default -> Level.INFO;
    };
  }

  @Override
  public String toString() {
    return "LoggingListener[" + logger.getName() + "]";
  }
}
