package dev.osupgrade.governance.schedule;

import dev.osupgrade.Region;
import dev.osupgrade.Require;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * When the next version of an image is expected, and when it should reach each region, with the reasoning.
 *
 * @param imageKey the image (publisher:offer:sku or gallery image definition id), without a version
 * @param earliest the earliest likely publish time
 * @param expected the most likely publish time
 * @param latest the latest likely publish time
 * @param availableIn when the release should be available in each region the calendar knows (publish time plus
 *     replication or platform rollout delay); empty when no region delays are configured
 * @param reasoning how the estimate was reached, one step per line
 */
public record ExpectedRelease(String imageKey, Instant earliest, Instant expected, Instant latest,
    Map<Region, Instant> availableIn, List<String> reasoning) {

  /** Validates and copies. */
  public ExpectedRelease {
    Require.nonBlank("imageKey", imageKey);
    Require.nonNull(earliest, "earliest");
    Require.nonNull(expected, "expected");
    Require.nonNull(latest, "latest");
    availableIn = Collections.unmodifiableMap(new TreeMap<>(Require.noNulls("availableIn", availableIn)));
    reasoning = List.copyOf(Require.noNulls("reasoning", reasoning));
  }

  /**
   * When the release should be available in a region.
   *
   * @param region the region
   * @return the expected time, if the calendar knows the region's delay
   */
  public Optional<Instant> availableIn(Region region) {
    return Optional.ofNullable(availableIn.get(Require.nonNull(region, "region")));
  }

  /**
   * Says whether the release is late.
   *
   * @param now the current time
   * @return true when {@code now} is past the most likely time (the release is due any moment)
   */
  public boolean isDue(Instant now) {
    Require.nonNull(now, "now");
    return !now.isBefore(expected);
  }

  /** @return the reasoning as one paragraph per line */
  public String describe() {
    return String.join("\n", reasoning);
  }

  @Override
  public String toString() {
    return "ExpectedRelease[" + imageKey + " around " + expected + " (" + earliest + " to " + latest + ")"
        + (availableIn.isEmpty() ? "" : ", in " + availableIn) + "]";
  }
}
