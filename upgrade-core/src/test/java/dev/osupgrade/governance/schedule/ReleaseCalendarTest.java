package dev.osupgrade.governance.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Fleets;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Region;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ReleaseCalendarTest {
  private static final Region WEST = Region.of("westeurope");
  private static final Region EAST = Region.of("eastus");
  private static final ImageReference.Gallery WEB = ImageReference.gallery(
      "/subscriptions/s/resourceGroups/images/providers/Microsoft.Compute/galleries/golden/images/web", "latest");
  private static final Instant FIRST_BUILD = Instant.parse("2026-01-01T06:00:00Z");

  private static final ReleaseCalendar CALENDAR = ReleaseCalendar.builder()
      .publisher("Canonical", Cadence.monthly(10, 3))
      .offer("Canonical", "0001-com-ubuntu-server-focal", Cadence.monthly(20, 2))
      .gallery("golden", Cadence.every(Duration.ofDays(7), FIRST_BUILD, Duration.ofHours(6)))
      .replication(WEST, Duration.ofHours(2))
      .replication(EAST, Duration.ofHours(6))
      .build();

  @Test
  void nextExpected_canonicalMonthly_windowAroundTheTenth() {
    ExpectedRelease e = CALENDAR.nextExpected(Fleets.UBUNTU, Instant.parse("2026-01-05T00:00:00Z")).orElseThrow();

    assertThat(e.expected()).isEqualTo(Instant.parse("2026-01-10T00:00:00Z"));
    assertThat(e.earliest()).isEqualTo(Instant.parse("2026-01-07T00:00:00Z"));
    assertThat(e.latest()).isEqualTo(Instant.parse("2026-01-14T00:00:00Z"));
    assertThat(e.availableIn()).isEmpty();
    assertThat(e.describe()).isEqualTo("""
        Canonical publishes monthly around day 10 (±3 days).
        No release known yet, so the next expected window is the first not yet over.
        Next window: 2026-01-07T00:00:00Z to 2026-01-14T00:00:00Z, most likely 2026-01-10T00:00:00Z.
        Platform images roll out across Azure in phases over days to weeks; Azure upgrades a scale set only once \
        the version is available in its region.""");
  }

  @Test
  void nextExpected_thisMonthsReleaseSeen_nextMonth() {
    ImageRelease january = ImageRelease.marketplace(Fleets.NEW_IMAGE, Instant.parse("2026-01-09T00:00:00Z"));

    ExpectedRelease e = CALENDAR.nextExpected(Fleets.UBUNTU, january, Instant.parse("2026-01-12T00:00:00Z"))
        .orElseThrow();

    assertThat(e.expected()).isEqualTo(Instant.parse("2026-02-10T00:00:00Z"));
    assertThat(e.reasoning().get(1)).isEqualTo("Latest known release 22.04.202407010 was published "
        + "2026-01-09T00:00:00Z; the next one is expected in the first later window.");
  }

  @Test
  void nextExpected_insideTheWindowNothingSeen_dueNow() {
    ExpectedRelease e = CALENDAR.nextExpected(Fleets.UBUNTU, Instant.parse("2026-01-12T00:00:00Z")).orElseThrow();

    assertThat(e.expected()).isEqualTo(Instant.parse("2026-01-10T00:00:00Z"));
    assertThat(e.isDue(Instant.parse("2026-01-12T00:00:00Z"))).isTrue();
    assertThat(e.reasoning().get(2)).endsWith("(due now: the most likely time has passed).");
  }

  @Test
  void nextExpected_shortMonth_usesItsLastDay() {
    ReleaseCalendar late = ReleaseCalendar.builder().publisher("Canonical", Cadence.monthly(31, 0)).build();

    assertThat(late.nextExpected(Fleets.UBUNTU, Instant.parse("2026-02-02T00:00:00Z")).orElseThrow().expected())
        .isEqualTo(Instant.parse("2026-02-28T00:00:00Z"));
  }

  @Test
  void nextExpected_offerMoreSpecificThanPublisher() {
    ImageReference focal = ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-focal", "20_04-lts",
        "latest");

    assertThat(CALENDAR.nextExpected(focal, Instant.parse("2026-01-05T00:00:00Z")).orElseThrow().expected())
        .isEqualTo(Instant.parse("2026-01-20T00:00:00Z"));
    assertThat(CALENDAR.cadenceOf(focal)).contains(Cadence.monthly(20, 2));
  }

  @Test
  void nextExpected_galleryWeekly_withReplicationPerRegion() {
    ExpectedRelease e = CALENDAR.nextExpected(WEB, Instant.parse("2026-01-09T00:00:00Z")).orElseThrow();

    assertThat(e.expected()).isEqualTo(Instant.parse("2026-01-15T06:00:00Z"));
    assertThat(e.availableIn(WEST)).contains(Instant.parse("2026-01-15T08:00:00Z"));
    assertThat(e.availableIn(EAST)).contains(Instant.parse("2026-01-15T12:00:00Z"));
    assertThat(e.availableIn(Region.of("japaneast"))).isEmpty();
    assertThat(e.reasoning().get(0)).isEqualTo("gallery golden publishes every 7d from 2026-01-01T06:00:00Z (±6h).");
    assertThat(e.reasoning().get(3)).isEqualTo("Gallery replication: eastus +6h (2026-01-15T12:00:00Z), westeurope "
        + "+2h (2026-01-15T08:00:00Z).");
  }

  @Test
  void nextExpected_unknownSource_empty() {
    ImageReference windows = ImageReference.marketplace("MicrosoftWindowsServer", "WindowsServer",
        "2022-datacenter", "latest");

    assertThat(CALENDAR.nextExpected(windows, Instant.parse("2026-01-05T00:00:00Z"))).isEmpty();
  }

  @Test
  void expectedAvailability_publishedGalleryRelease_publishPlusReplication() {
    ImageRelease release = ImageRelease.gallery(WEB.withVersion(ImageVersion.of("1.4.0")),
        Instant.parse("2026-01-08T06:00:00Z"), Map.of());

    assertThat(CALENDAR.expectedAvailability(release, EAST)).contains(Instant.parse("2026-01-08T12:00:00Z"));
    assertThat(CALENDAR.expectedAvailability(ImageRelease.marketplace(Fleets.NEW_IMAGE, Fleets.T0), EAST)).isEmpty();
  }

  @Test
  void builder_sameSourceTwiceOrBadCadence_rejected() {
    assertThatThrownBy(() -> ReleaseCalendar.builder().publisher("Canonical", Cadence.monthly(10, 3))
        .publisher("canonical", Cadence.monthly(11, 3))).isInstanceOf(InvalidValueException.class)
        .hasMessage("cadence must be set once per source, but was 'canonical'");
    assertThatThrownBy(() -> Cadence.monthly(32, 1)).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> Cadence.every(Duration.ofDays(1), Fleets.T0, Duration.ofHours(12)))
        .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("spread must be less than half the period");
  }

  @Test
  void toString_listsSources() {
    assertThat(CALENDAR.toString()).startsWith("ReleaseCalendar[").contains("Canonical monthly around day 10 (±3 "
        + "days)", "replication {eastus=PT6H, westeurope=PT2H}");
  }
}
