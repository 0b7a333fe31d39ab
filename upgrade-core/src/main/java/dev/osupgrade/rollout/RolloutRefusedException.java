package dev.osupgrade.rollout;

import dev.osupgrade.OsUpgradeException;
import java.io.Serial;

/**
 * A rollout was refused before it changed anything, because the scale set is not in a state an orchestrated rollout
 * can safely drive, or production governance is missing. The {@link #code()} names the rule; the message says how to fix it.
 */
public final class RolloutRefusedException extends OsUpgradeException {
  @Serial private static final long serialVersionUID = 1L;

  /** The scale set has Azure's automatic OS upgrade enabled: the platform drives it, not this library. */
  public static final String AUTOMATIC_OS_UPGRADE_ENABLED = "AutomaticOsUpgradeEnabled";
  /** The scale set's upgrade mode would apply the model change by itself. */
  public static final String UPGRADE_MODE_NOT_MANUAL = "UpgradeModeNotManual";
  /**
   * The scale set's upgrade mode is one this library does not know (a newer API version's): unknown is not Manual,
   * so nothing is changed.
   */
  public static final String UPGRADE_MODE_UNKNOWN = "UpgradeModeUnknown";
  /** Another rollout of the same scale set, to another target, is in progress in the store. */
  public static final String ROLLOUT_IN_PROGRESS = "RolloutInProgress";
  /**
   * The target version is not published in the scale set's region (a typo, a version not yet released or
   * replicated there): the message names the nearest published versions below and above.
   */
  public static final String TARGET_VERSION_NOT_PUBLISHED = "TargetVersionNotPublished";
  /**
   * A production scale set's rollout has no trust decision on its target release: no image trust policy was given
   * ({@code Rollout.Builder.trust}), or there is no image catalog to find the release in. (A missing or incomplete
   * readiness record is a {@link dev.osupgrade.governance.ReadinessIncompleteException}, a release the policy refuses
   * an {@link dev.osupgrade.governance.ImageNotTrustedException}.)
   */
  public static final String TRUST_DECISION_MISSING = "TrustDecisionMissing";

  /**
   * Creates the exception.
   *
   * @param code the rule that refused the rollout
   * @param message what is wrong and how to fix it
   */
  public RolloutRefusedException(String code, String message) {
    super(code, message);
  }
}
