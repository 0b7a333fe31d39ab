package dev.osupgrade.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// The model PATCH against the ARM emulator, checked against the simulator's model and WireMock's journal: the adapter
// polls the PATCH's operation and does not GET the scale set after it; an operation that ends Failed throws ARM's
// error code and leaves the model where it was.
final class AzureFleetModelPatchOverEmulatorTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  private static final ImageReference.Marketplace UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  private static final ImageReference V1 = UBUNTU.withVersion(ImageVersion.parse("22.04.202407010"));
  private static final ImageReference V2 = UBUNTU.withVersion(ImageVersion.parse("22.04.202410010"));

  private final SimulatedFleet world = SimulatedFleet.create(23);
  private ScaleSetId web;
  private AzureFleet azure;

  @BeforeEach
  void fleet() {
    EMULATOR.patchAnswer(ArmEmulator.LroAnswer.ACCEPTED);
    web = world.add(ScaleSetSpec.named("web").instances(4).image(V1));
    world.publish(ImageRelease.marketplace(V2, world.clock().instant().minus(Duration.ofDays(1))));
    azure = EMULATOR.connect(ARM, world);
  }

  /** The requests the adapter sent, oldest first, as {@code "METHOD what"}. */
  private static List<String> sent() {
    List<ServeEvent> events = new ArrayList<>(ARM.getAllServeEvents());
    Collections.reverse(events);
    return events.stream().map(e -> {
      String path = e.getRequest().getUrl().toLowerCase(Locale.ROOT).replaceAll("\\?.*", "");
      String what = path.contains("/operations/") ? "operation" : path.endsWith("/virtualmachinescalesets/web")
          ? "scale set" : path;
      return e.getRequest().getMethod() + " " + what;
    }).toList();
  }

  @Test
  void updateModelImage_operationSucceeds_pollsItAndSendsNoGetOfTheScaleSet() {
    azure.updateModelImage(web, V2);

    assertThat(world.peek(web).modelImage()).isEqualTo(V2);
    assertThat(sent()).containsExactly("PATCH scale set", "GET operation");
  }

  @Test
  void updateModelImage_operationEndsFailed_throwsItsCodeOnceAndTheModelStays() {
    EMULATOR.failModelPatches(1, "ImageNotFound", "The platform image 'Canonical:x:y:1.0' is not available.");

    CloudException e = catchThrowableOfType(CloudException.class, () -> azure.updateModelImage(web, V2));

    assertThat(e).as("what the SDK's synchronous update threw: ARM's code, the poll's status")
        .isExactlyInstanceOf(CloudException.class);
    assertThat(e.code()).isEqualTo("ImageNotFound");
    assertThat(e.httpStatus()).isEqualTo(200);
    assertThat(e.isRejection()).as("a failed operation stalls a rollout, it does not end it").isFalse();
    assertThat(e).hasMessageContaining("is not available").hasMessageContaining("PATCH model image of");
    assertThat(world.peek(web).modelImage()).isEqualTo(V1);
    assertThat(sent()).as("not retried: the operation's failure is not transient")
        .containsExactly("PATCH scale set", "GET operation");
  }

  @Test
  void updateModelImage_failedOnceThenAgain_theSecondCallMovesTheModel() {
    EMULATOR.failModelPatches(1, "InternalExecutionError", "An internal execution error occurred.");

    CloudException e = catchThrowableOfType(CloudException.class, () -> azure.updateModelImage(web, V2));
    azure.updateModelImage(web, V2);

    assertThat(e.code()).isEqualTo("InternalExecutionError");
    assertThat(world.peek(web).modelImage()).isEqualTo(V2);
    assertThat(sent()).containsExactly("PATCH scale set", "GET operation", "PATCH scale set", "GET operation");
  }
}
