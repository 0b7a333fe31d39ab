package dev.osupgrade.governance;

import dev.osupgrade.image.ImageRelease;

/**
 * Validates a custom (gallery) image release before it may be used: a vulnerability scan, a signature check, a
 * test deployment. The caller supplies the result; the library only asks. Implementations should be quick and
 * deterministic (look a stored result up rather than run the scan); one that throws fails the image.
 */
@FunctionalInterface
public interface ImageValidator {

  /**
   * Validates one release.
   *
   * @param release the release
   * @return pass or fail, with the reason
   */
  ValidationResult validate(ImageRelease release);
}
