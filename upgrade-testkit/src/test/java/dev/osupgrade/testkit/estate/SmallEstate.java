package dev.osupgrade.testkit.estate;

import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.estate.ImageFamily;
import dev.osupgrade.estate.Selector;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetInventory;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A small estate for the governor's focused tests: five scale sets in resource group {@code shop} over three rings
 * (a canary, West Europe, the rest), three instances each on {@code V1}, test environment, windows always open unless
 * a test says otherwise.
 */
final class SmallEstate {
  static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  static final ImageVersion V1 = ImageVersion.parse("22.04.202409010");
  static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");
  static final ImageVersion V3 = ImageVersion.parse("22.04.202411010");

  final SimulatedFleet fleet;
  final List<ScaleSetId> scaleSets = new ArrayList<>();
  final List<GovernorDecision> log = new ArrayList<>();

  SmallEstate(long seed) {
    this(SimulatedFleet.create(seed));
  }

  SmallEstate(SimulatedFleet fleet) {
    this.fleet = fleet;
    scaleSets.add(fleet.add(spec("canary", "westeurope").tag("ring", "canary")));
    scaleSets.add(fleet.add(spec("web-weu", "westeurope")));
    scaleSets.add(fleet.add(spec("api-weu", "westeurope")));
    scaleSets.add(fleet.add(spec("web-neu", "northeurope")));
    scaleSets.add(fleet.add(spec("api-eus", "eastus")));
  }

  static ScaleSetSpec spec(String name, String region) {
    return ScaleSetSpec.named(name).resourceGroup("shop").region(region).instances(3).image(UBUNTU.withVersion(V1));
  }

  static DesiredState.Builder desired() {
    return DesiredState.builder().scope(DiscoveryScope.resourceGroup("shop"))
        .family(ImageFamily.of("ubuntu", UBUNTU))
        .ring("canary", Duration.ofHours(1), Selector.tag("ring", "canary"))
        .ring("early", Duration.ofHours(2), Selector.region("westeurope"))
        .ring("broad", Duration.ofHours(1), Selector.all())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical"));
  }

  EstateGovernor.Builder governor(DesiredState desired, RolloutStore store) {
    return governor(desired, store, fleet, fleet, fleet);
  }

  EstateGovernor.Builder governor(DesiredState desired, RolloutStore store, ScaleSetInventory inventory,
      ScaleSetPort ports, ImageCatalog catalog) {
    return EstateGovernor.builder(desired, inventory, ports, catalog).clock(fleet.clock()).store(store)
        .owner("replica-a").leaseDuration(Duration.ofMinutes(30)).ringPoll(Duration.ofMinutes(15))
        .listener(log::add);
  }

  /** Drives a governor by hand on the fleet's clock until {@code until}. */
  void drive(EstateGovernor governor, Instant until) {
    while (fleet.clock().instant().isBefore(until)) {
      Optional<java.time.Instant> next = governor.advance();
      fleet.clock().advanceTo(next.orElse(until).isAfter(until) ? until : next.orElseThrow());
    }
  }
}
