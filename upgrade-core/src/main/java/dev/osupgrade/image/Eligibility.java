package dev.osupgrade.image;

import dev.osupgrade.Require;
import java.util.List;

/**
 * Whether an image release may reach a scale set, and every reason it may not.
 *
 * @param release the release that was checked
 * @param reasons why it is not eligible; empty when it is
 */
public record Eligibility(ImageRelease release, List<Reason> reasons) {
  /** Copies the reasons. */
  public Eligibility {
    Require.nonNull(release, "release");
    reasons = List.copyOf(Require.noNulls("reasons", reasons));
  }

  /** @return true when nothing stands in the way */
  public boolean isEligible() {
    return reasons.isEmpty();
  }

  /**
   * Says whether one rule refused the release.
   *
   * @param code the rule
   * @return true if that rule is among the reasons
   */
  public boolean refusedBy(Code code) {
    return reasons.stream().anyMatch(r -> r.code() == code);
  }

  @Override
  public String toString() {
    if (isEligible()) {
      return release.version() + " is eligible";
    }
    return release.version() + " is not eligible: "
        + String.join("; ", reasons.stream().map(Reason::toString).toList());
  }

  /** The rules a release can break. */
  public enum Code {
    /** The release is a version of another image than the scale set's model. */
    DIFFERENT_IMAGE,
    /** The release is not newer than what the scale set runs. */
    NOT_NEWER,
    /** The release's publish time is still in the future. */
    NOT_YET_PUBLISHED,
    /** The release has not finished replicating to the scale set's region. */
    NOT_REPLICATED_TO_REGION,
    /** Replication to the scale set's region failed. */
    REPLICATION_FAILED,
    /** The release is excluded from {@code latest} (everywhere or in the region). */
    EXCLUDED_FROM_LATEST,
    /** The release has reached end of life. */
    END_OF_LIFE,
    /** A governance rule (image trust, quarantine) refused the release. */
    NOT_TRUSTED
  }

  /**
   * One reason a release is not eligible.
   *
   * @param code the rule
   * @param detail the evidence, in words
   */
  public record Reason(Code code, String detail) {
    /** Validates the fields. */
    public Reason {
      Require.nonNull(code, "code");
      Require.nonNull(detail, "detail");
    }

    @Override
    public String toString() {
      return code + " (" + detail + ")";
    }
  }
}
