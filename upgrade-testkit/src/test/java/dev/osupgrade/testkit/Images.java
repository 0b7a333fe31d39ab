package dev.osupgrade.testkit;

import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;

/** Images and versions shared by the testkit's tests. */
final class Images {
  private Images() {}

  static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  static final ImageVersion V1 = ImageVersion.parse("22.04.202409010");
  static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");
  static final ImageVersion V3 = ImageVersion.parse("22.04.202411010");

  static ImageReference ubuntu(ImageVersion version) {
    return UBUNTU.withVersion(version);
  }
}
