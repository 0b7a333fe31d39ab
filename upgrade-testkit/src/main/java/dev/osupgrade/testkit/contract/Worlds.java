package dev.osupgrade.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.ResourceNotFoundException;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Images, versions and clock moves shared by the contracts. */
final class Worlds {
  private Worlds() {}

  /** The seed of every contract world. */
  static final long SEED = 20_260_105L;
  static final ImageReference.Marketplace UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  static final ImageVersion V1 = ImageVersion.parse("22.04.202407010");
  static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");
  static final ImageVersion V3 = ImageVersion.parse("22.04.202501010");
  /** A scale set no contract world has. */
  static final ScaleSetId MISSING = ScaleSetId.of("rg", "no-such-scale-set");

  static ImageReference ubuntu(ImageVersion version) {
    return UBUNTU.withVersion(version);
  }

  /** Moves the world's clock, holding its monitor (an emulator answering from other threads holds it too). */
  static void advance(SimulatedFleet world, Duration duration) {
    synchronized (world) {
      world.clock().advance(duration);
    }
  }

  /** Runs the world's clock until nothing is scheduled, holding its monitor. */
  static void settle(SimulatedFleet world) {
    synchronized (world) {
      world.clock().runUntilIdle();
    }
  }

  /** Asserts that a call on an unknown scale set fails as ARM does: 404, code {@code ResourceNotFound}. */
  static void assertNotFound(ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
      assertThat(e.httpStatus()).isEqualTo(404);
      assertThat(e.code()).isEqualTo("ResourceNotFound");
    });
  }
}
