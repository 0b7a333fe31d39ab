package dev.osupgrade.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.azure.azurite.Azurite;
import dev.osupgrade.azure.azurite.AzuriteExtension;
import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.ImageFamily;
import dev.osupgrade.estate.Selector;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// Two replicas of the estate governor sharing a BlobRolloutStore on Azurite: one acts, the leader dies mid-campaign,
// the other takes over after its lease from the blob and finishes — every instance upgraded exactly once, by the
// simulator's record, and the governor's checkpoint is the blob its reserved key names.
final class EstateGovernorBlobReplicasTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();

  private static final ImageReference.Marketplace UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  private static final ImageVersion V1 = ImageVersion.parse("22.04.202407010");
  private static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");

  @Test
  void twoReplicasOnTheBlobStore_leaderDies_theOtherFinishesWithNothingTwice(Azurite azurite) {
    SimulatedFleet fleet = SimulatedFleet.create(67);
    List<ScaleSetId> ids = new ArrayList<>();
    ids.add(fleet.add(ScaleSetSpec.named("canary").resourceGroup("shop").instances(2).image(UBUNTU.withVersion(V1))
        .tag("ring", "canary")));
    ids.add(fleet.add(ScaleSetSpec.named("web").resourceGroup("shop").instances(2).image(UBUNTU.withVersion(V1))));
    BlobRolloutStore store = BlobRolloutStore.of(azurite.newContainer());
    DesiredState desired = DesiredState.builder().scope(DiscoveryScope.resourceGroup("shop"))
        .family(ImageFamily.of("ubuntu", UBUNTU))
        .ring("canary", Duration.ofHours(1), Selector.tag("ring", "canary"))
        .ring("rest", Duration.ofHours(1), Selector.all())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).build();
    EstateGovernor a = governor(desired, fleet, store, "replica-a");
    EstateGovernor b = governor(desired, fleet, store, "replica-b");
    fleet.publish(UBUNTU.withVersion(V2));
    Instant deadOfA = fleet.clock().instant().plus(Duration.ofMinutes(20)); // mid-canary
    Instant end = fleet.clock().instant().plus(Duration.ofHours(8));

    while (fleet.clock().instant().isBefore(end)) {
      Instant next = end;
      if (fleet.clock().instant().isBefore(deadOfA)) {
        next = a.advance().orElseThrow(); // A leads until its process dies (no release)
      }
      Instant nb = b.advance().orElseThrow();
      next = nb.isBefore(next) ? nb : next;
      fleet.clock().advanceTo(next.isAfter(end) ? end : next);
    }

    assertThat(a.decisions()).as("A acted first").isNotEmpty();
    assertThat(b.decisions()).as("B took over").isNotEmpty();
    assertThat(b.decisions().get(0).at()).as("after A's lease").isAfterOrEqualTo(deadOfA);
    for (ScaleSetId id : ids) {
      for (Instance i : fleet.peek(id).instances()) {
        assertThat(i.imageVersion()).as("%s/%s", id, i.instanceId()).isEqualTo(V2);
        assertThat(fleet.record(id).count(i.instanceId(), InstanceChange.Kind.UPGRADE_STARTED))
            .as("%s/%s upgraded once", id, i.instanceId()).isEqualTo(1);
      }
    }
    assertThat(b.report().families().get(0).campaignStatus()).isEqualTo("COMPLETED");
    assertThat(store.load(EstateGovernor.storeKey("estate"))).as("the governor's checkpoint blob")
        .hasValueSatisfying(c -> assertThat(c.data()).isNotEmpty());
  }

  private static EstateGovernor governor(DesiredState desired, SimulatedFleet fleet, RolloutStore store,
      String owner) {
    return EstateGovernor.builder(desired, fleet).clock(fleet.clock()).store(store).owner(owner)
        .leaseDuration(Duration.ofMinutes(10)).ringPoll(Duration.ofMinutes(15)).build();
  }
}
