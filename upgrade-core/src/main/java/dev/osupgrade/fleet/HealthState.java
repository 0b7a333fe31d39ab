package dev.osupgrade.fleet;

import dev.osupgrade.ExpandableValue;
import dev.osupgrade.InvalidValueException;

/**
 * An instance's health as the Application Health extension (rich states) reports it, with the meaning a rolling
 * upgrade gives it: {@link #INITIALIZING} waits, {@link #UNKNOWN} counts as unhealthy.
 *
 * <p>An enum, not an {@link ExpandableValue}: these four states are the vocabulary the rollout rules count with (and
 * print), and Azure's own rule for an answer it cannot use is {@code Unknown}, which counts as unhealthy. A health
 * code a newer API version adds therefore reads as {@link #UNKNOWN}, and its raw text travels in the containing
 * value, {@link Instance#healthCode()}.
 */
public enum HealthState {
  /** The application answers healthy. */
  HEALTHY,
  /** The application answers unhealthy. */
  UNHEALTHY,
  /** No usable answer (timeout, unreachable, bad body, grace period expired): counts as unhealthy. */
  UNKNOWN,
  /** The extension has just started and has not settled yet: a rollout waits for it. */
  INITIALIZING;

  /** @return true for the states a rollout counts against the unhealthy budgets: Unhealthy and Unknown */
  public boolean countsAsUnhealthy() {
    return this == UNHEALTHY || this == UNKNOWN;
  }

  /**
   * Parses Azure's spelling: {@code "Healthy"}, or the instance view code {@code "HealthState/healthy"}.
   *
   * @param text the text
   * @return the state; {@link #UNKNOWN} for a value the library does not know (a newer API version's), as Azure itself
   *     treats an unusable answer (see {@link #recognizes} for telling the two apart)
   * @throws InvalidValueException when {@code text} is null, blank or not a plausible Azure value (see
   *     {@link ExpandableValue#azureText})
   */
  public static HealthState fromAzure(String text) {
    return known(ExpandableValue.azureText("text", text));
  }

  /**
   * Says whether text is one of the states Azure documents, so that a reader can keep the raw text of one it does
   * not know (as {@link Instance#healthCode()} does).
   *
   * @param text the text, e.g. {@code "HealthState/degraded"}
   * @return true for Healthy, Unhealthy, Unknown and Initializing, with or without the {@code HealthState/} prefix
   * @throws InvalidValueException as {@link #fromAzure}
   */
  public static boolean recognizes(String text) {
    String s = ExpandableValue.azureText("text", text);
    return known(s) != UNKNOWN || suffix(s).equalsIgnoreCase(UNKNOWN.name());
  }

  private static HealthState known(String text) {
    String s = suffix(text);
    for (HealthState state : values()) {
      if (state.name().equalsIgnoreCase(s)) {
        return state;
      }
    }
    return UNKNOWN;
  }

  private static String suffix(String text) {
    int slash = text.indexOf('/');
    return slash >= 0 ? text.substring(slash + 1) : text;
  }
}
