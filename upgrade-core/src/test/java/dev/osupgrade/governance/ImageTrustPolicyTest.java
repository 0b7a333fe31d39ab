package dev.osupgrade.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Fleets;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.Eligibility;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.policy.UpgradePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class ImageTrustPolicyTest {
  private static final Instant NOW = Fleets.T0;
  private static final String GOLDEN_ID =
      "/subscriptions/s/resourceGroups/images/providers/Microsoft.Compute/galleries/golden";
  private static final ImageReference.Gallery WEB = ImageReference.gallery(GOLDEN_ID + "/images/web", "latest");
  private static final ImageReference.Gallery OTHER_GALLERY = ImageReference.gallery(
      "/subscriptions/s/resourceGroups/images/providers/Microsoft.Compute/galleries/scratch/images/web", "latest");
  private static final Region WEST = Region.of("westeurope");

  private static ImageRelease ubuntu(ImageReference image, Duration age) {
    return ImageRelease.marketplace(image, NOW.minus(age));
  }

  private static ImageRelease web(String version, Duration age) {
    return ImageRelease.gallery(WEB.withVersion(ImageVersion.of(version)), NOW.minus(age),
        Map.of(WEST, ReplicationState.COMPLETED));
  }

  private static final ImageRelease NEW_UBUNTU = ubuntu(Fleets.NEW_IMAGE, Duration.ofDays(30));

  @Test
  void evaluate_trustedPublisher_trusted() {
    TrustDecision d = ImageTrustPolicy.trustingPublishers("canonical").evaluate(NEW_UBUNTU, Environment.PRODUCTION,
        NOW);

    assertThat(d.isTrusted()).isTrue();
    assertThat(d.refusals()).isEmpty();
    assertThat(d).hasToString("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202407010 for "
        + "PRODUCTION is trusted");
  }

  @Test
  void evaluate_untrustedPublisher_refusedByTrustedPublisher() {
    TrustDecision d = ImageTrustPolicy.trustingPublishers("MicrosoftWindowsServer").evaluate(NEW_UBUNTU,
        Environment.TEST, NOW);

    assertThat(d.rules()).containsExactly(TrustRule.TRUSTED_PUBLISHER);
    assertThat(d.refusals().get(0).detail())
        .isEqualTo("publisher Canonical is not trusted (trusted: [MicrosoftWindowsServer])");
  }

  @Test
  void evaluate_emptyPolicy_failsClosedForBothSources() {
    ImageTrustPolicy nothing = ImageTrustPolicy.builder().build();

    assertThat(nothing.evaluate(NEW_UBUNTU, Environment.DEVELOPMENT, NOW).rules())
        .containsExactly(TrustRule.TRUSTED_PUBLISHER);
    assertThat(nothing.evaluate(web("1.0.0", Duration.ofDays(9)), Environment.DEVELOPMENT, NOW).refusals())
        .extracting(TrustDecision.Refusal::detail)
        .containsExactly("no gallery is trusted by this policy; golden is not");
    assertThat(nothing).hasToString("ImageTrustPolicy[trusts nothing]");
  }

  @Test
  void evaluate_publisherNarrowedToOtherOffer_refusedWithScope() {
    ImageTrustPolicy focalOnly = ImageTrustPolicy.builder()
        .trustOffer("Canonical", "0001-com-ubuntu-server-focal").build();

    TrustDecision d = focalOnly.evaluate(NEW_UBUNTU, Environment.PRODUCTION, NOW);

    assertThat(d.rules()).containsExactly(TrustRule.TRUSTED_PUBLISHER);
    assertThat(d.refusals().get(0).detail()).isEqualTo("Canonical is trusted only for "
        + "[0001-com-ubuntu-server-focal/*]; this is 0001-com-ubuntu-server-jammy/22_04-lts-gen2");
  }

  @Test
  void evaluate_narrowedToSku_trustsThatSkuOnly() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder()
        .trustSku("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2").build();
    ImageRelease arm = ubuntu(new ImageReference.Marketplace("Canonical", "0001-com-ubuntu-server-jammy",
        "22_04-lts-arm64", Fleets.NEW), Duration.ofDays(30));

    assertThat(policy.evaluate(NEW_UBUNTU, Environment.PRODUCTION, NOW).isTrusted()).isTrue();
    assertThat(policy.evaluate(arm, Environment.PRODUCTION, NOW).rules()).containsExactly(TrustRule.TRUSTED_PUBLISHER);
  }

  @Test
  void evaluate_trustedGalleryByIdOrName_trusted() {
    ImageRelease release = web("1.2.0", Duration.ofDays(9));

    assertThat(ImageTrustPolicy.builder().trustGallery(GOLDEN_ID).build()
        .evaluate(release, Environment.PRODUCTION, NOW).isTrusted()).isTrue();
    assertThat(ImageTrustPolicy.builder().trustGallery(GOLDEN_ID.toUpperCase(java.util.Locale.ROOT) + "/").build()
        .evaluate(release, Environment.PRODUCTION, NOW).isTrusted()).isTrue();
    assertThat(ImageTrustPolicy.builder().trustGallery("Golden").build()
        .evaluate(release, Environment.PRODUCTION, NOW).isTrusted()).isTrue();
  }

  @Test
  void evaluate_otherGallery_refusedByTrustedGallery() {
    ImageRelease scratch = ImageRelease.gallery(OTHER_GALLERY.withVersion(ImageVersion.of("1.0.0")),
        NOW.minus(Duration.ofDays(9)), Map.of(WEST, ReplicationState.COMPLETED));

    TrustDecision d = ImageTrustPolicy.builder().trustGallery(GOLDEN_ID).build()
        .evaluate(scratch, Environment.PRODUCTION, NOW);

    assertThat(d.rules()).containsExactly(TrustRule.TRUSTED_GALLERY);
    assertThat(d.refusals().get(0).detail()).isEqualTo("gallery scratch is not trusted (trusted: ["
        + GOLDEN_ID.toLowerCase(java.util.Locale.ROOT) + "])");
  }

  @Test
  void trustGallery_malformedId_rejected() {
    assertThatThrownBy(() -> ImageTrustPolicy.builder().trustGallery("/subscriptions/s/galleries/x"))
        .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("gallery must be a gallery resource id");
    assertThatThrownBy(() -> ImageTrustPolicy.builder().trustGallery("a/b"))
        .isInstanceOf(InvalidValueException.class);
  }

  @Test
  void evaluate_unpinnedVersionOfPinnedImage_refusedByPinnedVersion() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustGallery("golden")
        .pin(WEB.withVersion(ImageVersion.of("1.1.0"))).pin(WEB.withVersion(ImageVersion.of("1.2.0"))).build();

    assertThat(policy.evaluate(web("1.2.0", Duration.ofDays(9)), Environment.PRODUCTION, NOW).isTrusted()).isTrue();
    TrustDecision d = policy.evaluate(web("1.3.0", Duration.ofDays(9)), Environment.PRODUCTION, NOW);
    assertThat(d.rules()).containsExactly(TrustRule.PINNED_VERSION);
    assertThat(d.refusals().get(0).detail()).isEqualTo("1.3.0 is not pinned; " + WEB.imageKey()
        + " is pinned to [1.1.0, 1.2.0]");
    // Pins of one image say nothing about another.
    assertThat(ImageTrustPolicy.builder().trustPublisher("Canonical").pin(WEB.withVersion(ImageVersion.of("1.1.0")))
        .build().evaluate(NEW_UBUNTU, Environment.PRODUCTION, NOW).isTrusted()).isTrue();
  }

  @Test
  void evaluate_denyListedVersion_refusedWithReason() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustPublisher("Canonical")
        .deny(Fleets.UBUNTU.withVersion(ImageVersion.of("22.4.202407010")), "kernel 6.5 regression, INC-4711")
        .build();

    TrustDecision d = policy.evaluate(NEW_UBUNTU, Environment.TEST, NOW);

    assertThat(d.rules()).containsExactly(TrustRule.DENY_LIST);
    assertThat(d.refusals().get(0).detail())
        .isEqualTo("22.04.202407010 is deny-listed: kernel 6.5 regression, INC-4711");
    assertThat(policy.evaluate(ubuntu(Fleets.OLD_IMAGE, Duration.ofDays(90)), Environment.TEST, NOW).isTrusted())
        .isTrue();
  }

  @Test
  void evaluate_youngVersion_refusedInProductionOnly() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustPublisher("Canonical").minimumAge(Duration.ofDays(7))
        .build();
    ImageRelease young = ubuntu(Fleets.NEW_IMAGE, Duration.ofDays(2));

    TrustDecision prod = policy.evaluate(young, Environment.PRODUCTION, NOW);

    assertThat(prod.rules()).containsExactly(TrustRule.MINIMUM_AGE);
    assertThat(prod.refusals().get(0).detail()).isEqualTo("published 2026-01-03T00:00:00Z, 2d old; PRODUCTION "
        + "needs 7d, so not before 2026-01-10T00:00:00Z");
    assertThat(policy.evaluate(young, Environment.STAGING, NOW).isTrusted()).isTrue();
  }

  @Test
  void evaluate_exactlyMinimumAge_trusted() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustPublisher("Canonical").minimumAge(Duration.ofDays(7))
        .build();

    assertThat(policy.evaluate(ubuntu(Fleets.NEW_IMAGE, Duration.ofDays(7)), Environment.PRODUCTION, NOW)
        .isTrusted()).isTrue();
    assertThat(policy.evaluate(ubuntu(Fleets.NEW_IMAGE, Duration.ofDays(7).minusSeconds(1)), Environment.PRODUCTION,
        NOW).isTrusted()).isFalse();
  }

  @Test
  void evaluate_minimumAgePerEnvironment_applied() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustPublisher("Canonical")
        .minimumAge(Environment.STAGING, Duration.ofDays(1)).minimumAge(Duration.ofDays(7)).build();

    assertThat(policy.evaluate(ubuntu(Fleets.NEW_IMAGE, Duration.ofHours(12)), Environment.STAGING, NOW).rules())
        .containsExactly(TrustRule.MINIMUM_AGE);
    assertThat(policy.evaluate(ubuntu(Fleets.NEW_IMAGE, Duration.ofDays(2)), Environment.STAGING, NOW).isTrusted())
        .isTrue();
    assertThat(policy.minimumAge(Environment.TEST)).isZero();
  }

  @Test
  void evaluate_failingValidator_refusedByCustomValidationWithReason() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustGallery("golden")
        .validator("signature", r -> ValidationResult.pass("signed by release-key-2026"))
        .validator("scan", r -> r.version().equals(ImageVersion.of("1.3.0"))
            ? ValidationResult.fail("CVE-2026-1234 (critical) in openssl") : ValidationResult.pass("clean"))
        .build();

    assertThat(policy.evaluate(web("1.2.0", Duration.ofDays(9)), Environment.PRODUCTION, NOW).isTrusted()).isTrue();
    TrustDecision d = policy.evaluate(web("1.3.0", Duration.ofDays(9)), Environment.PRODUCTION, NOW);
    assertThat(d.rules()).containsExactly(TrustRule.CUSTOM_VALIDATION);
    assertThat(d.refusals().get(0).detail()).isEqualTo("validator scan failed: CVE-2026-1234 (critical) in openssl");
  }

  @Test
  void evaluate_throwingValidator_failsClosed() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustGallery("golden")
        .validator("scan", r -> {
          throw new IllegalStateException("scanner unreachable");
        }).build();

    TrustDecision d = policy.evaluate(web("1.2.0", Duration.ofDays(9)), Environment.PRODUCTION, NOW);

    assertThat(d.rules()).containsExactly(TrustRule.CUSTOM_VALIDATION);
    assertThat(d.refusals().get(0).detail()).contains("validator scan failed to run").contains("scanner unreachable");
  }

  @Test
  void evaluate_marketplaceImage_validatorsNotAsked() {
    AtomicInteger calls = new AtomicInteger();
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustPublisher("Canonical")
        .validator("scan", r -> {
          calls.incrementAndGet();
          return ValidationResult.fail("never");
        }).build();

    assertThat(policy.evaluate(NEW_UBUNTU, Environment.PRODUCTION, NOW).isTrusted()).isTrue();
    assertThat(calls).hasValue(0);
  }

  @Test
  void validator_duplicateName_rejected() {
    assertThatThrownBy(() -> ImageTrustPolicy.builder().validator("scan", r -> ValidationResult.pass("ok"))
        .validator("scan", r -> ValidationResult.pass("ok")))
        .isInstanceOf(InvalidValueException.class).hasMessage("name must be unique among validators, but was 'scan'");
  }

  @Test
  void evaluate_quarantinedVersion_refusedEverywhere() {
    Quarantine shared = Quarantine.create();
    ImageTrustPolicy weu = ImageTrustPolicy.builder().trustPublisher("Canonical").quarantine(shared).build();
    ImageTrustPolicy neu = ImageTrustPolicy.builder().trustPublisher("Canonical").quarantine(shared).build();
    shared.add(Fleets.NEW_IMAGE, "ring canary (performance gate)", NOW.minus(Duration.ofHours(1)),
        "readiness-time +25%");

    for (ImageTrustPolicy policy : List.of(weu, neu)) {
      for (Environment env : Environment.values()) {
        TrustDecision d = policy.evaluate(NEW_UBUNTU, env, NOW);
        assertThat(d.rules()).containsExactly(TrustRule.QUARANTINE);
        assertThat(d.refusals().get(0).detail()).isEqualTo("quarantined at 2026-01-04T23:00:00Z by ring canary "
            + "(performance gate): readiness-time +25%");
      }
    }
    assertThat(weu.quarantine()).isSameAs(shared);
  }

  @Test
  void evaluate_severalRules_listsEveryRefusalInRuleOrder() {
    Quarantine q = Quarantine.create();
    q.add(WEB.withVersion(ImageVersion.of("1.3.0")), "ops", NOW, "boot loop");
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustGallery("scratch")
        .pin(WEB.withVersion(ImageVersion.of("1.2.0"))).deny(WEB.withVersion(ImageVersion.of("1.3.0")), "bad")
        .minimumAge(Duration.ofDays(7)).validator("scan", r -> ValidationResult.fail("critical CVE"))
        .quarantine(q).build();

    TrustDecision d = policy.evaluate(web("1.3.0", Duration.ofDays(1)), Environment.PRODUCTION, NOW);

    assertThat(d.rules()).containsExactly(TrustRule.TRUSTED_GALLERY, TrustRule.PINNED_VERSION, TrustRule.DENY_LIST,
        TrustRule.MINIMUM_AGE, TrustRule.CUSTOM_VALIDATION, TrustRule.QUARANTINE);
    assertThat(d.rules()).extracting(TrustRule::ruleName).containsExactly("trusted-gallery", "pinned-version",
        "deny-list", "minimum-age", "custom-validation", "quarantine");
    assertThat(d.refusedBy(TrustRule.DENY_LIST)).isTrue();
    assertThat(d.refusedBy(TrustRule.TRUSTED_PUBLISHER)).isFalse();
  }

  @Test
  void requireTrusted_untrusted_throwsNamingTheRules() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustPublisher("Canonical").minimumAge(Duration.ofDays(7))
        .deny(Fleets.NEW_IMAGE, "INC-1").build();
    ImageRelease young = ubuntu(Fleets.NEW_IMAGE, Duration.ofDays(1));

    assertThatThrownBy(() -> policy.requireTrusted(young, Environment.PRODUCTION, NOW))
        .isInstanceOfSatisfying(ImageNotTrustedException.class, e -> {
          assertThat(e.code()).isEqualTo("ImageNotTrusted");
          assertThat(e.rules()).containsExactly(TrustRule.DENY_LIST, TrustRule.MINIMUM_AGE);
          assertThat(e.decision().release()).isEqualTo(young);
          assertThat(e.getMessage()).startsWith("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:"
              + "22.04.202407010 for PRODUCTION is not trusted: deny-list (22.04.202407010 is deny-listed: INC-1); "
              + "minimum-age (published").endsWith(". Nothing was changed.");
        });
  }

  @Test
  void requireTrusted_trusted_returnsDecision() {
    assertThat(ImageTrustPolicy.trustingPublishers("Canonical").requireTrusted(NEW_UBUNTU, Environment.PRODUCTION,
        NOW).isTrusted()).isTrue();
  }

  // A westeurope scale set whose model and instances run 1.0.0 of the gallery image.
  private static ScaleSet galleryFleet() {
    return new ScaleSet(Fleets.ID, WEST, List.of(), OrchestrationMode.UNIFORM, UpgradePolicy.manual(),
        WEB.withVersion(ImageVersion.of("1.0.0")), HealthMonitoring.extension(), null,
        List.of(Instance.of("0", Zone.REGIONAL, 0, WEB.withVersion(ImageVersion.of("1.0.0")))));
  }

  @Test
  void eligible_combinesAzureRulesAndTrustAsNotTrusted() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustGallery("golden").minimumAge(Duration.ofDays(7))
        .build();
    ImageRelease young = web("1.1.0", Duration.ofDays(1)).withReplication(WEST, ReplicationState.REPLICATING);

    Eligibility e = policy.eligible(young, galleryFleet(), Environment.PRODUCTION, NOW);

    assertThat(e.isEligible()).isFalse();
    assertThat(e.reasons()).extracting(Eligibility.Reason::code)
        .containsExactly(Eligibility.Code.NOT_REPLICATED_TO_REGION, Eligibility.Code.NOT_TRUSTED);
    assertThat(e.reasons().get(1).detail()).startsWith("minimum-age: published 2026-01-04T00:00:00Z, 1d old;");
    assertThat(policy.eligible(web("1.1.0", Duration.ofDays(8)), galleryFleet(), Environment.PRODUCTION, NOW)
        .isEligible()).isTrue();
  }

  @Test
  void eligible_withoutEnvironment_treatedAsProduction() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustGallery("golden").minimumAge(Duration.ofDays(7))
        .build();

    assertThat(policy.eligible(web("1.1.0", Duration.ofDays(1)), galleryFleet(), NOW).refusedBy(
        Eligibility.Code.NOT_TRUSTED)).isTrue();
  }

  @Test
  void newestEligible_skipsNewestWhenUntrusted() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustGallery("golden")
        .deny(WEB.withVersion(ImageVersion.of("1.3.0")), "INC-2").build();
    List<ImageRelease> releases = List.of(web("1.1.0", Duration.ofDays(30)), web("1.2.0", Duration.ofDays(20)),
        web("1.3.0", Duration.ofDays(10)));

    assertThat(policy.newestEligible(releases, galleryFleet(), Environment.PRODUCTION, NOW))
        .map(ImageRelease::version).contains(ImageVersion.of("1.2.0"));
  }

  @Test
  void toString_listsOnlyWhatWasSet() {
    ImageTrustPolicy policy = ImageTrustPolicy.builder().trustPublisher("Canonical")
        .trustOffer("MicrosoftWindowsServer", "WindowsServer").trustGallery("golden")
        .minimumAge(Duration.ofDays(7)).validator("scan", r -> ValidationResult.pass("ok")).build();

    assertThat(policy).hasToString("ImageTrustPolicy[publishers [Canonical, MicrosoftWindowsServer:WindowsServer:*],"
        + " galleries [golden], minimumAge PRODUCTION 7d, validators [scan]]");
  }

  @Test
  void toBuilder_keepsRulesAndSharesQuarantine() {
    ImageTrustPolicy base = ImageTrustPolicy.builder().trustPublisher("Canonical").minimumAge(Duration.ofDays(7))
        .build();
    ImageTrustPolicy derived = base.toBuilder().deny(Fleets.NEW_IMAGE, "INC-3").build();

    assertThat(derived.quarantine()).isSameAs(base.quarantine());
    assertThat(derived.evaluate(NEW_UBUNTU, Environment.PRODUCTION, NOW).rules())
        .containsExactly(TrustRule.DENY_LIST);
    assertThat(base.evaluate(NEW_UBUNTU, Environment.PRODUCTION, NOW).isTrusted()).isTrue();
  }

  @Test
  void pinAndDeny_latest_rejected() {
    assertThatThrownBy(() -> ImageTrustPolicy.builder().pin(Fleets.UBUNTU))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("pinned to a concrete version");
    assertThatThrownBy(() -> ImageTrustPolicy.builder().deny(Fleets.UBUNTU, "x"))
        .isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> ImageTrustPolicy.builder().minimumAge(Duration.ofDays(-1)))
        .isInstanceOf(InvalidValueException.class).hasMessage("minimumAge must be zero or positive, but was -1d");
  }
}
