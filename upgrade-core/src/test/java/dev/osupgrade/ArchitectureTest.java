package dev.osupgrade;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

@AnalyzeClasses(packages = "dev.osupgrade", importOptions = ImportOption.DoNotIncludeTests.class)
final class ArchitectureTest {

  // Time comes from an injected Clock and waiting from the caller's scheduler: no wall clock, no sleeping.
  @ArchTest
  static final ArchRule noWallClockOrSleep = noClasses().that().resideInAPackage("dev.osupgrade..")
      .should().callMethod(Instant.class, "now")
      .orShould().callMethod(System.class, "currentTimeMillis")
      .orShould().callMethod(System.class, "nanoTime")
      .orShould().callMethod(Thread.class, "sleep", long.class)
      .orShould().callMethod(Thread.class, "sleep", long.class, int.class)
      .orShould().callMethod(LocalDateTime.class, "now")
      .orShould().callMethod(LocalDateTime.class, "now", ZoneId.class)
      .orShould().callMethod(LocalDate.class, "now")
      .orShould().callMethod(ZonedDateTime.class, "now")
      .orShould().callMethod(OffsetDateTime.class, "now")
      .orShould().callMethod(Clock.class, "systemUTC")
      .orShould().callMethod(Clock.class, "systemDefaultZone")
      .orShould().callMethod(Clock.class, "system", ZoneId.class)
      .because("time comes from the injected java.time.Clock (STYLE.md, 'Time and randomness')");

  // Randomness comes in seeded.
  @ArchTest
  static final ArchRule noUnseededRandomness = noClasses().that().resideInAPackage("dev.osupgrade..")
      .should().callConstructor(Random.class)
      .orShould().callMethod(Math.class, "random")
      .orShould().callMethod(ThreadLocalRandom.class, "current")
      .because("randomness comes in as a seeded RandomGenerator (STYLE.md, 'Time and randomness')");

  @ArchTest
  static final ArchRule noCloudSdkReactorOrJackson = noClasses().that().resideInAPackage("dev.osupgrade..")
      .should().dependOnClassesThat().resideInAnyPackage("com.azure..", "reactor..", "com.fasterxml..")
      .because("core is the pure domain: SDK, Reactor and JSON binding belong in upgrade-azure");

  @ArchTest
  static final ArchRule portsAndEventsIndependentOfTheEngine = noClasses()
      .that().resideInAnyPackage("dev.osupgrade.port..", "dev.osupgrade.event..")
      .should().dependOnClassesThat().resideInAPackage("dev.osupgrade.rollout..")
      .because("adapters implement the ports and listeners read the events without seeing the engine");

  @ArchTest
  static final ArchRule noImplClasses = noClasses().that().resideInAPackage("dev.osupgrade..")
      .should().haveSimpleNameEndingWith("Impl");

  // Region lives in the root package and ImageEligibility in plan, so image no longer depends on fleet. Each package
  // is its own slice, sub-packages too: a rollout checks governance before it starts (rollout -> governance), and the
  // rings, a layer above both, drive rollouts under governance (governance.rings -> rollout, governance).
  @ArchTest
  static final ArchRule packagesFreeOfCycles = slices().matching("dev.osupgrade.(**)").should().beFreeOfCycles();
}
