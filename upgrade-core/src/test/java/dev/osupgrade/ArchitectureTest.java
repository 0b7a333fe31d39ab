package dev.osupgrade;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
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

  // The decision kernel is not API: users see Rollout, RingRollout, options, events, ports, domain values and typed
  // errors. The engine, its step and rules, the observation and decision it trades with the runner, the checkpoint
  // codecs, the ring state and the statistics stay package-private (issue 9, "a small public surface").
  @ArchTest
  static final ArchRule kernelIsPackagePrivate = classes().that().haveFullyQualifiedName(
          "dev.osupgrade.rollout.RolloutEngine")
      .or().haveFullyQualifiedName("dev.osupgrade.rollout.RolloutStep")
      .or().haveFullyQualifiedName("dev.osupgrade.rollout.Outcome")
      .or().haveFullyQualifiedName("dev.osupgrade.rollout.InstanceTransition")
      .or().haveFullyQualifiedName("dev.osupgrade.rollout.Decision")
      .or().haveFullyQualifiedName("dev.osupgrade.rollout.Observation")
      .or().haveFullyQualifiedName("dev.osupgrade.rollout.CheckpointCodec")
      .or().haveFullyQualifiedName("dev.osupgrade.governance.rings.RingState")
      .or().haveFullyQualifiedName("dev.osupgrade.governance.performance.MannWhitney")
      .or().haveFullyQualifiedName("dev.osupgrade.governance.performance.Normal")
      .should().notBePublic()
      .because("the kernel, its state codecs and the statistics are internal (DESIGN.md, 'Truth, layers and surface')");

  // Only the runner (its own package) drives the kernel: nothing else reaches into the engine's protocol.
  @ArchTest
  static final ArchRule onlyTheRunnerDrivesTheKernel = noClasses().that().resideOutsideOfPackage("dev.osupgrade.rollout")
      .should().dependOnClassesThat().haveSimpleNameEndingWith("Engine")
      .because("the runner, Rollout, is the only caller of the decision kernel");

  @ArchTest
  static final ArchRule noImplClasses = noClasses().that().resideInAPackage("dev.osupgrade..")
      .should().haveSimpleNameEndingWith("Impl");

  // Region lives in the root package and ImageEligibility in plan, so image no longer depends on fleet. Each package
  // is its own slice, sub-packages too: a rollout checks governance before it starts (rollout -> governance), and the
  // rings, a layer above both, drive rollouts under governance (governance.rings -> rollout, governance).
  @ArchTest
  static final ArchRule packagesFreeOfCycles = slices().matching("dev.osupgrade.(**)").should().beFreeOfCycles();
}
