package dev.osupgrade.estate;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.governance.rings.Ring;
import java.time.Duration;

/**
 * One ring of the estate, by membership rather than by list: every scale set the selector picks (and no earlier ring
 * picked) belongs to it. A version reaches a ring only after every earlier ring took it and soaked healthy.
 *
 * @param name a short name, e.g. {@code canary}: one line of at most 256 characters
 * @param selector which scale sets belong to it
 * @param soak how long the ring must stay healthy on a new version before the next ring may start, at most
 *     {@link Ring#MAX_SOAK}
 */
public record RingRule(String name, Selector selector, Duration soak) {
  /** Validates the fields. */
  public RingRule {
    Require.name("name", name, 256);
    Require.nonNull(selector, "selector");
    Require.nonNegative("soak", soak, Ring.MAX_SOAK);
  }

  /**
   * Creates a ring rule.
   *
   * @param name its name
   * @param soak how long to watch it before the next ring, at most {@link Ring#MAX_SOAK}
   * @param selector its members
   * @return the rule
   */
  public static RingRule of(String name, Duration soak, Selector selector) {
    return new RingRule(name, selector, soak);
  }

  @Override
  public String toString() {
    return name + " [" + selector + (soak.isZero() ? "" : ", soak " + Durations.words(soak)) + "]";
  }
}
