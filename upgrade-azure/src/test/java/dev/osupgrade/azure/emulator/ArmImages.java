package dev.osupgrade.azure.emulator;

import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;

/**
 * The image the adapter's tests over the ARM emulator roll: Canonical's Ubuntu 22.04 from the marketplace (the model
 * follows {@code latest}), from {@link #V1} to {@link #V2}.
 */
public final class ArmImages {
  /** Ubuntu 22.04 LTS gen 2, following {@code latest}. */
  public static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  /** The version the fleet runs before a rollout. */
  public static final ImageVersion V1 = ImageVersion.parse("22.04.202407010");
  /** The version a rollout targets. */
  public static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");

  private ArmImages() {}
}
