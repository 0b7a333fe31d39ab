package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that echoes secrets in its error text (an {@code Authorization} header, a SAS URL) must not get them into
 * an exception message, the event log, the fleet log or the checkpoint on disk.
 */
final class SecretRedactionTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(31);

  static final String JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUu"
      + "Y29tLyIsImlzcyI6Imh0dHBzOi8vc3RzIn0.Zm9yZ2VkLXNpZ25hdHVyZS1mb3ItdGVzdHMtb25seQ";
  static final String SIG = "hJ8u%2Fq3Zk0XyTestSignature%3D";
  static final String SAS = "https://images.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=r"
      + "&se=2030-01-01T00:00:00Z&sig=" + SIG;
  static final String ECHO = "The request was rejected. Request headers: Authorization: Bearer " + JWT
      + "; source blob " + SAS;

  @Test
  void cloudError_echoingSecrets_exceptionMessageMasked(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(2).image(ubuntu(V1)));
    fleet.faults().cloudError("get", 1, 401, "InvalidAuthenticationToken", ECHO);

    assertThatThrownBy(() -> fleet.get(id)).isInstanceOfSatisfying(ForbiddenException.class, e -> {
      assertThat(e.httpStatus()).isEqualTo(401);
      assertThat(e.code()).isEqualTo("InvalidAuthenticationToken");
      assertThat(e.getMessage()).isEqualTo("The request was rejected. Request headers: Authorization: Bearer ***; "
          + "source blob https://images.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=r"
          + "&se=2030-01-01T00:00:00Z&sig=***");
      assertThat(e.toString()).doesNotContain(JWT).doesNotContain(SIG);
    });
    assertThat(fleet.get(id).instances()).as("the fault struck once and changed nothing").hasSize(2);
  }

  @Test
  void rolloutFaultedByEchoingServer_eventsFleetLogAndCheckpointFileMasked(SimulatedFleet fleet, @TempDir Path dir)
      throws IOException {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.faults().cloudError("upgradeInstances", 1, 400, "InvalidParameter", ECHO);
    Recording port = new Recording(fleet);

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).owner("replica-1")
        .store(RolloutStore.file(dir)).build());

    // The fleet did what the rollout says: the rejected batch changed nothing, no instance left V1.
    assertThat(fleet.peek(id).instances()).extracting(Instance::instanceId).hasSize(10);
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
    assertThat(fleet.faults().rejectedCalls("upgradeInstances")).isEqualTo(1);
    assertThat(r.status()).isEqualTo(RolloutStatus.FAULTED);

    // The exception the runner saw, the error it kept, every event, the fleet log: masked, with the hint kept.
    assertThat(port.thrown).singleElement().isInstanceOfSatisfying(InvalidModelException.class,
        e -> assertThat(e.getMessage()).contains("Authorization: Bearer ***").contains("sig=***"));
    RolloutFaulted faulted = r.events().stream().filter(RolloutFaulted.class::isInstance)
        .map(RolloutFaulted.class::cast).findFirst().orElseThrow();
    assertThat(faulted.error().message()).contains("Authorization: Bearer ***").contains("sig=***");
    assertThat(r.error().orElseThrow().message()).contains("Bearer ***");
    assertNoSecret("event log", r.eventLog());
    assertNoSecret("fleet log", String.join("\n", fleet.log()));

    // The checkpoint as the file store wrote it to disk.
    String onDisk = readAll(dir);
    assertThat(onDisk).as("checkpoint files").contains("Authorization: Bearer ***").contains("sig=***");
    assertNoSecret("checkpoint files", onDisk);
  }

  private static void assertNoSecret(String where, String text) {
    assertThat(text).as(where).doesNotContain(JWT).doesNotContain(SIG).doesNotContain("eyJhbGci");
  }

  private static String readAll(Path dir) throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        all.append(Files.readString(f, StandardCharsets.UTF_8)).append('\n');
      }
    }
    assertThat(all).as("the store wrote files").isNotEmpty();
    return all.toString();
  }

  /** Passes calls to the fleet and keeps every cloud failure it throws, as a runner would see it. */
  private static final class Recording implements ScaleSetPort {
    final ScaleSetPort fleet;
    final List<CloudException> thrown = new ArrayList<>();

    Recording(ScaleSetPort fleet) {
      this.fleet = fleet;
    }

    private <T> T call(java.util.function.Supplier<T> call) {
      try {
        return call.get();
      } catch (CloudException e) {
        thrown.add(e);
        throw e;
      }
    }

    @Override
    public ScaleSet get(ScaleSetId id) {
      return call(() -> fleet.get(id));
    }

    @Override
    public List<Instance> listInstances(ScaleSetId id) {
      return call(() -> fleet.listInstances(id));
    }

    @Override
    public void updateModelImage(ScaleSetId id, ImageReference image) {
      call(() -> {
        fleet.updateModelImage(id, image);
        return null;
      });
    }

    @Override
    public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, String etag) {
      call(() -> {
        fleet.updateUpgradePolicy(id, policy, etag);
        return null;
      });
    }

    @Override
    public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
      call(() -> {
        fleet.upgradeInstances(id, instanceIds);
        return null;
      });
    }

    @Override
    public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference image) {
      call(() -> {
        fleet.rollBackInstances(id, instanceIds, image);
        return null;
      });
    }
  }
}
