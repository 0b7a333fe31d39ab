package dev.osupgrade.governance;

import dev.osupgrade.Require;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Image versions that failed somewhere and are refused everywhere: a fleet-wide circuit breaker. Share one
 * instance between every {@link ImageTrustPolicy} (and every ring) that should honour it.
 *
 * <p>Thread-safe. The first quarantine of a version wins: quarantining it again keeps the original who, when and
 * why (and returns it), so the audit trail names the first failure. A version is identified by its image (publisher,
 * offer and sku, or gallery image definition; without case) and its version ({@code 22.04.1} equals
 * {@code 22.4.1}, as {@link ImageVersion} compares them).
 */
public final class Quarantine {
  private final ConcurrentMap<Key, QuarantineEntry> entries = new ConcurrentHashMap<>();

  private Quarantine() {}

  /** @return an empty quarantine */
  public static Quarantine create() {
    return new Quarantine();
  }

  private record Key(String image, ImageVersion version) {
    static Key of(ImageReference image) {
      Require.nonNull(image, "image");
      Require.that(!image.isLatest(), "image", "pinned to a concrete version", image);
      return new Key(image.imageKey().toLowerCase(Locale.ROOT), image.version().orElseThrow());
    }
  }

  /**
   * Quarantines a version everywhere.
   *
   * @param image the image, pinned to the failing version
   * @param by who quarantines it
   * @param at when (from the caller's clock)
   * @param why the evidence
   * @return the entry in force: this one, or the earlier one if the version was already quarantined
   */
  public QuarantineEntry add(ImageReference image, String by, Instant at, String why) {
    QuarantineEntry entry = new QuarantineEntry(image, by, at, why);
    QuarantineEntry earlier = entries.putIfAbsent(Key.of(image), entry);
    return earlier == null ? entry : earlier;
  }

  /**
   * Quarantines a version because a gate failed on it (a ring's canary, a performance judgement).
   *
   * @param image the image, pinned to the failing version
   * @param failure the failing verdict; its gate, code and reason become the why
   * @param by who quarantines it, e.g. the ring and scale set
   * @param at when
   * @return the entry in force
   */
  public QuarantineEntry add(ImageReference image, GateVerdict.Fail failure, String by, Instant at) {
    Require.nonNull(failure, "failure");
    return add(image, by, at, "gate " + failure.gate() + " failed [" + failure.code() + "]: " + failure.reason());
  }

  /**
   * Says whether a version is quarantined.
   *
   * @param image the image, pinned
   * @return true if refused everywhere
   */
  public boolean contains(ImageReference image) {
    return entries.containsKey(Key.of(image));
  }

  /**
   * Looks a version up.
   *
   * @param image the image, pinned
   * @return who quarantined it, when and why; empty when it is not quarantined
   */
  public Optional<QuarantineEntry> entry(ImageReference image) {
    return Optional.ofNullable(entries.get(Key.of(image)));
  }

  /**
   * Lifts the quarantine of a version (after the cause was understood and fixed elsewhere).
   *
   * @param image the image, pinned
   * @return the entry that was lifted, or empty when the version was not quarantined
   */
  public Optional<QuarantineEntry> lift(ImageReference image) {
    return Optional.ofNullable(entries.remove(Key.of(image)));
  }

  /** @return every entry, oldest first (then by image) */
  public List<QuarantineEntry> entries() {
    return entries.values().stream()
        .sorted(Comparator.comparing(QuarantineEntry::at).thenComparing(e -> e.image().toString()))
        .toList();
  }

  /** @return the number of quarantined versions */
  public int size() {
    return entries.size();
  }

  @Override
  public String toString() {
    return "Quarantine" + entries().stream().map(e -> e.image().toString()).toList();
  }
}
