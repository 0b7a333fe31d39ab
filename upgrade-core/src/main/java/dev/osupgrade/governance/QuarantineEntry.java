package dev.osupgrade.governance;

import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;
import java.time.Instant;

/**
 * One quarantined image version: who put it there, when and why.
 *
 * @param image the image, pinned to the quarantined version
 * @param by who quarantined it (a person, a ring, a gate), e.g. {@code "ring canary-weu (performance gate)"}
 * @param at when
 * @param why the evidence, e.g. the failing gate's reason
 */
public record QuarantineEntry(ImageReference image, String by, Instant at, String why) {
  /** Validates the fields. */
  public QuarantineEntry {
    Require.nonNull(image, "image");
    Require.that(!image.isLatest(), "image", "pinned to the quarantined version", image);
    Require.nonBlank("by", by);
    Require.nonNull(at, "at");
    Require.nonBlank("why", why);
  }

  @Override
  public String toString() {
    return image + " quarantined at " + at + " by " + by + ": " + why;
  }
}
