package dev.osupgrade.estate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.DiscoveryScope;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class DesiredStateTest {
  static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202409010");
  static final ImageReference GOLDEN = ImageReference.gallery("/subscriptions/s/resourceGroups/images/providers/"
      + "Microsoft.Compute/galleries/corp/images/golden", "1.0.0");

  static ScaleSetSummary summary(String rg, String name, String region, ImageReference image,
      Map<String, String> tags) {
    return new ScaleSetSummary(ScaleSetId.of(rg, name), Region.of(region), List.of(), OrchestrationMode.UNIFORM,
        UpgradePolicy.manual(), image, 3, tags);
  }

  static DesiredState.Builder minimal() {
    return DesiredState.builder().scope(DiscoveryScope.resourceGroup("shop"))
        .family(ImageFamily.of("ubuntu", UBUNTU)).ring("canary", Duration.ofHours(1), Selector.all())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical"));
  }

  @Test
  void build_somethingRequiredMissing_illegalStateNamingIt() {
    assertThatThrownBy(() -> DesiredState.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("scope");
    assertThatThrownBy(() -> DesiredState.builder().scope(DiscoveryScope.resourceGroup("shop")).build())
        .hasMessageContaining("family");
    assertThatThrownBy(() -> DesiredState.builder().scope(DiscoveryScope.resourceGroup("shop"))
        .family(ImageFamily.of("ubuntu", UBUNTU)).build()).hasMessageContaining("ring");
    assertThatThrownBy(() -> DesiredState.builder().scope(DiscoveryScope.resourceGroup("shop"))
        .family(ImageFamily.of("ubuntu", UBUNTU)).ring("canary", Duration.ZERO, Selector.all()).build())
        .hasMessageContaining("trust");
  }

  @Test
  void builder_duplicates_rejectedAndNothingAdded() {
    DesiredState.Builder b = minimal();
    assertThatThrownBy(() -> b.ring("canary", Duration.ZERO, Selector.all()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("uniquely named");
    assertThatThrownBy(() -> b.family(ImageFamily.of("ubuntu-again", UBUNTU.withLatest())))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("an image no other family follows");
    assertThatThrownBy(() -> b.scope(DiscoveryScope.resourceGroup("shop"))).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> b.minimumWindowLeft(Duration.ofDays(2))).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> b.maximumDeferral(Duration.ZERO)).isInstanceOf(InvalidValueException.class);
    DesiredState d = b.build();
    assertThat(d.maximumDeferral()).isEqualTo(Duration.ofDays(7));
    assertThat(d.rings()).hasSize(1);
    assertThat(d.families()).hasSize(1);
    assertThat(d.scopes()).hasSize(1);
  }

  @Test
  void lookups_firstRuleThatSelects_wins() {
    ReadinessRecord teamA = ReadinessRecord.builder().owner("team-a", "a@example.com").build();
    ReadinessRecord everyone = ReadinessRecord.builder().owner("platform", "p@example.com").build();
    MaintenanceSchedule nights = MaintenanceSchedule.of(MaintenanceWindow.parse("DAILY 20:00-06:00 UTC"));
    MaintenanceSchedule eastus = MaintenanceSchedule.of(MaintenanceWindow.parse("DAILY 02:00-10:00 UTC"));
    DesiredState d = DesiredState.builder().scope(DiscoveryScope.subscription(ScaleSetId.LOCAL_SUBSCRIPTION))
        .family(ImageFamily.of("ubuntu", UBUNTU)).family(ImageFamily.of("golden", GOLDEN))
        .ring("canary", Duration.ofHours(2), Selector.tag("Ring", "canary"))
        .ring("europe", Duration.ofHours(4), Selector.region("westeurope", "northeurope"))
        .ring("broad", Duration.ofHours(1), Selector.all())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical"))
        .readiness(Selector.resourceGroup("team-a"), teamA).readiness(everyone)
        .schedule(Selector.region("eastus"), eastus).schedule(nights)
        .mode(Selector.tag("upgrades", "platform"), GovernanceMode.GOVERNED_PLATFORM)
        .build();
    ScaleSetSummary canaryInEurope = summary("team-a", "web", "westeurope", UBUNTU, Map.of("ring", "canary"));
    ScaleSetSummary europe = summary("team-b", "api", "northeurope", GOLDEN, Map.of("environment", "staging"));
    ScaleSetSummary eastusPlatform = summary("team-b", "batch", "eastus", UBUNTU.withLatest(),
        Map.of("upgrades", "platform"));
    ScaleSetSummary other = summary("team-b", "legacy", "eastus",
        ImageReference.marketplace("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter", "latest"), Map.of());

    assertThat(d.ringOf(canaryInEurope)).hasValue(0);
    assertThat(d.ringOf(europe)).hasValue(1);
    assertThat(d.ringOf(eastusPlatform)).hasValue(2);
    assertThat(d.familyOf(canaryInEurope)).map(ImageFamily::name).hasValue("ubuntu");
    assertThat(d.familyOf(europe)).map(ImageFamily::name).hasValue("golden");
    assertThat(d.familyOf(eastusPlatform)).map(ImageFamily::name).hasValue("ubuntu");
    assertThat(d.familyOf(other)).isEmpty();
    assertThat(d.readinessOf(canaryInEurope)).hasValue(teamA);
    assertThat(d.readinessOf(europe)).hasValue(everyone);
    assertThat(d.scheduleOf(eastusPlatform)).isSameAs(eastus);
    assertThat(d.scheduleOf(europe)).isSameAs(nights);
    assertThat(d.modeOf(eastusPlatform)).isEqualTo(GovernanceMode.GOVERNED_PLATFORM);
    assertThat(d.modeOf(europe)).isEqualTo(GovernanceMode.ORCHESTRATED);
    assertThat(d.environmentOf(europe)).isEqualTo(Environment.STAGING);
    assertThat(d.environmentOf(canaryInEurope)).as("untagged is production").isEqualTo(Environment.PRODUCTION);
  }

  @Test
  void describe_everyRuleOnItsOwnLine() {
    DesiredState d = minimal().schedule(MaintenanceSchedule.of(MaintenanceWindow.parse("DAILY 20:00-06:00 UTC")))
        .budget(RehearsalBudget.of(Duration.ofHours(4), 50)).build();

    assertThat(d.toString()).isEqualTo("DesiredState[[ubuntu] over rings [canary], 1 scope(s)]");
    assertThat(d.describe()).contains(
        "  discover resource group shop of subscription " + ScaleSetId.LOCAL_SUBSCRIPTION,
        "  family ubuntu (Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2)",
        "  ring 0: canary [every scale set, soak 1h]",
        "a batch or ring starts only with at least 30m left",
        "  mode otherwise: ORCHESTRATED",
        "  rehearsal budget[makespan <= 4h, healthy >= 50%]");
  }

  @Test
  void imageFamily_dropsTheVersion_andFollowsEveryVersionOfItsImage() {
    ImageFamily f = ImageFamily.of("ubuntu", UBUNTU);

    assertThat(f.image().isLatest()).isTrue();
    assertThat(f.follows(UBUNTU.withLatest())).isTrue();
    assertThat(f.follows(GOLDEN)).isFalse();
    assertThat(ImageFamily.gallery("golden", GOLDEN.withLatest().imageKey()).follows(GOLDEN)).isTrue();
    assertThatThrownBy(() -> ImageFamily.of("a\nb", UBUNTU)).isInstanceOf(InvalidValueException.class);
  }
}
