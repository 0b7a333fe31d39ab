package dev.osupgrade.azure.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.azure.emulator.ArmFault;
import dev.osupgrade.azure.emulator.ArmFaults;
import dev.osupgrade.azure.emulator.ArmOp;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.UpgradeProgress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ARM fault sweep: every fault class ({@link ArmFault}) on every ARM operation a rollout uses ({@link ArmOp}),
 * each run a {@code Rollout} driven to its end through {@code AzureFleet} over the ARM emulator, crashed and resumed
 * from {@code RolloutStore.file} whenever an advance throws ({@link FaultedRollout}).
 *
 * <p>The operations are those the fault-free runs of two scenarios send: the issue's (ten instances, instance 7 fails
 * health, automatic rollback on: the forward path and the adapter's rollback sequence), and max surge (the capacity
 * calls). Later pages of the instance listing are swept with five instances per page. The read of one instance
 * ({@link ArmOp#GET_VM}), which a rollout makes only for an instance missing from its listings, is swept in the
 * issue's scenario with a lost page underneath: the later page answered {@code {"value": []}} as in the
 * {@code emptyValue x listVms+} cell (that run, fault-free otherwise, must end like the fault-free run; it is the
 * column's reference). Each cell's fault persists: it fires from the middle occurrence of its operation in the
 * column's reference run on, on {@value #PERSIST} matching requests (more than the adapter's four attempts, so it
 * reaches the runner), and is then lifted.
 *
 * <p>Resume from the durable store after a crash mid-fault: besides the crash and resume the driver makes whenever
 * an advance throws, a seeded third of the cells ({@code -Darmsweep.seed}, default {@value #DEFAULT_SEED}) also
 * restart the process on purpose 0 to 2 advances after the first fault fired, while it is at work (the rollout
 * object and its adapter dropped without releasing the lease, a new process resumed from {@code RolloutStore.file});
 * those cells are marked {@code r}.
 *
 * <p>A cell is right when the run ends like the fault-free run (the same final world: the model, every instance's
 * image, health and reimages; the same status and counts), with or without stalling on the way, and nothing in it
 * contradicts the world (never {@code Completed} with an instance off target, the checkpoint decodes and agrees with
 * the world, only typed exceptions). Cells:
 * <ul>
 *   <li>{@code =} the same as fault-free, without a stop;</li>
 *   <li>{@code S->=} stalled (a crash and resume, a resumable stop, or an error reported while running), then the same
 *       as fault-free;</li>
 *   <li>{@code F!} wrong: ended otherwise, contradicted by the world, an untyped exception, or hung;</li>
 *   <li>{@code ?} the fault never fired (the cell tested nothing);</li>
 *   <li>{@code -} the fault cannot be expressed on the operation (a body fault on a bodiless answer);</li>
 *   <li>a trailing {@code r}: the cell also restarted the process mid-fault (see above).</li>
 * </ul>
 * The matrix prints the same for the same code and seed (the runs are deterministic; the time it took is on a line
 * of its own, after it).
 * With {@code -Darmsweep.strict=true} (the default) the test fails on any {@code F!} or {@code ?} cell;
 * {@code -Darmsweep.strict=false} only prints the matrix; {@code -Darmsweep.details=true} also prints each cell's run
 * in one line. {@code -Darmsweep.only=REGEX} sweeps the fault classes whose
 * names match; {@code -Darmsweep.lanes=1} runs one rollout at a time (by default two run at once, each on its own
 * server).
 *
 * <p>A second matrix sweeps a Flexible scale set ({@link Scenario#FLEXIBLE_ROLLBACK}, {@link Scenario#FLEXIBLE_SURGE})
 * on the operations whose requests differ from Uniform's: the VM listing and the read of one VM (the VM API), the
 * resource group's locks, and the calls that name VMs ({@code manualupgrade} forward and in the rollback,
 * {@code delete}). The others (the scale set's GET and PATCHes, the operation polls, usages, SKUs) are the same
 * requests in both modes and are swept once, in the Uniform matrix; the Flexible matrix draws its restarts from a
 * stream of its own, so that the Uniform matrix prints as before.
 */
final class ArmFaultSweepTest {
  /** How many matching requests each cell's fault spoils before it is lifted. */
  static final int PERSIST = 5;
  /** The listing's page size for the column of later pages. */
  static final int SMALL_PAGE = 5;

  /** How many rollouts run at once, each lane with its own server, emulator and fault layer (default: 2). */
  static final int LANES = Integer.getInteger("armsweep.lanes", 2);
  /** The seed that picks the cells that restart mid-fault, and when. */
  static final long DEFAULT_SEED = 8;
  static final long SEED = Long.getLong("armsweep.seed", DEFAULT_SEED);

  private static final Lane FIRST = new Lane();
  private static final Lane SECOND = new Lane();
  @RegisterExtension static final WireMockExtension ARM = FIRST.server;
  @RegisterExtension static final WireMockExtension ARM2 = SECOND.server;

  @TempDir Path temp;

  /**
   * A server that runs one rollout at a time: its ARM emulator (a poll of a running operation stands for a minute, so
   * the adapter's waits in a rollback take fewer requests) and its fault layer.
   */
  private static final class Lane {
    final ArmEmulator emulator = ArmEmulator.create().pollAdvance(java.time.Duration.ofMinutes(1));
    final ArmFaults faults = ArmFaults.over(emulator);
    final WireMockExtension server = faults.extension();
  }

  /**
   * A fault laid under a whole column, the same in its reference run and in each of its cells.
   *
   * @param op the operation
   * @param nth from which request of it
   * @param times on how many
   * @param fault the fault
   */
  private record Background(ArmOp op, int nth, int times, ArmFault fault) {
    void arm(ArmFaults faults) {
      faults.on(op).nth(nth).times(times).inject(fault);
    }

    @Override
    public String toString() {
      return fault.label() + " on " + op.label() + " from #" + nth + ", " + times + " times";
    }
  }

  /**
   * One column: an operation, swept in a scenario at a page size (with a fault underneath, or none), with its count in
   * the column's reference run.
   */
  private record Column(ArmOp op, Scenario scenario, int pageSize, @Nullable Background background, int occurrences,
      RunFacts reference) {
    int nth() {
      return (occurrences + 1) / 2;
    }
  }

  /** One cell's result: its code, and how many times its fault fired. */
  private record Cell(String code, String detail, int fired, boolean restarted) {
    String printed() {
      return code + (restarted ? "r" : "");
    }
  }

  /** Whether a cell restarts mid-fault, and when (advances after the first firing); drawn for every cell in order. */
  private record Restart(boolean on, int after) {}

  /**
   * The whole matrix in one test, so that it prints as one table. Its own timeout: the project's default of 30 s is
   * per test, and the sweep is some 150 rollouts (about a minute; the bound only catches a hang).
   */
  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void sweep_everyFaultOnEveryOperation_endsLikeFaultFreeOrStallsResumably() throws Exception {
    sweep("ARM fault sweep", SEED, stores -> columns(stores, Scenario.ROLLBACK, Scenario.SURGE, null));
  }

  /** The operations a Flexible scale set sends differently: its reads through the VM API and locks, its VM names. */
  private static final java.util.Set<ArmOp> FLEXIBLE_OPS = java.util.EnumSet.of(ArmOp.LIST_VMS, ArmOp.LIST_VMS_NEXT,
      ArmOp.GET_VM, ArmOp.GET_LOCKS, ArmOp.POST_MANUAL_UPGRADE, ArmOp.POST_ROLLBACK_UPGRADE, ArmOp.POST_DELETE);

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void sweep_flexibleScaleSet_everyFaultOnItsOwnOperations_endsLikeFaultFreeOrStallsResumably() throws Exception {
    sweep("ARM fault sweep, Flexible", SEED ^ 0xF1E7L, stores -> columns(stores, Scenario.FLEXIBLE_ROLLBACK,
        Scenario.FLEXIBLE_SURGE, FLEXIBLE_OPS));
  }

  private void sweep(String label, long restartSeed,
      java.util.function.Function<StoreDirectories, List<Column>> columnsOf) throws Exception {
    boolean strict = Boolean.parseBoolean(System.getProperty("armsweep.strict", "true"));
    String only = System.getProperty("armsweep.only");

    long started = System.nanoTime();
    long cpuStarted = processCpuNanos();
    SplittableRandom restarts = new SplittableRandom(restartSeed);
    try (StoreDirectories stores = new StoreDirectories(temp)) {
      List<Column> columns = columnsOf.apply(stores);
      Map<ArmFault, Map<ArmOp, Future<Cell>>> futures = new EnumMap<>(ArmFault.class);
      BlockingQueue<Lane> lanes = new LinkedBlockingQueue<>(LANES > 1 ? List.of(FIRST, SECOND) : List.of(FIRST));
      ExecutorService pool = Executors.newFixedThreadPool(lanes.size());
      int runs = 0;
      try {
        for (ArmFault fault : ArmFault.values()) {
          Map<ArmOp, Future<Cell>> row = new LinkedHashMap<>();
          for (Column c : columns) {
            // drawn for every cell, swept or not, so that a cell's draw does not depend on -Darmsweep.only
            Restart restart = new Restart(restarts.nextInt(3) == 0, restarts.nextInt(3));
            if (only != null && !fault.name().matches(only)) {
              continue;
            }
            if (!fault.appliesTo(c.op())) {
              row.put(c.op(), CompletableFuture.completedFuture(new Cell("-", "", 0, false)));
              continue;
            }
            Path store = stores.next();
            row.put(c.op(), pool.submit(() -> {
              Lane lane = lanes.take();
              try {
                return run(lane, c, fault, restart, store);
              } finally {
                lanes.add(lane);
              }
            }));
            runs++;
          }
          if (!row.isEmpty()) {
            futures.put(fault, row);
          }
        }
        Map<ArmFault, Map<ArmOp, Cell>> matrix = new EnumMap<>(ArmFault.class);
        for (Map.Entry<ArmFault, Map<ArmOp, Future<Cell>>> row : futures.entrySet()) {
          Map<ArmOp, Cell> cells = new LinkedHashMap<>();
          for (Map.Entry<ArmOp, Future<Cell>> cell : row.getValue().entrySet()) {
            cells.put(cell.getKey(), cell.getValue().get());
          }
          matrix.put(row.getKey(), cells);
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        long cpuSeconds = (processCpuNanos() - cpuStarted) / 1_000_000_000L;
        String report = report(label, columns, matrix, runs, restartSeed);
        System.out.println(report);
        System.out.printf(Locale.ROOT, "%s took %d s on %d lanes (%d s of CPU)%n", label, seconds, lanes.size(),
            cpuSeconds);

        List<String> wrong = new ArrayList<>();
        matrix.forEach((fault, row) -> row.forEach((op, cell) -> {
          if (cell.code().equals("F!") || cell.code().equals("?")) {
            wrong.add(cell.code() + " " + fault.label() + " x " + op.label() + ": " + cell.detail());
          }
        }));
        if (strict) {
          assertThat(wrong).as("cells that are wrong (F!) or tested nothing (?); the matrix:%n%s", report)
              .isEmpty();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /**
   * The fault-free runs, asserted against their own scenario, and the columns their requests give (all of them, or
   * those of {@code only}).
   */
  private List<Column> columns(StoreDirectories stores, Scenario rollbackScenario, Scenario surgeScenario,
      java.util.@Nullable Set<ArmOp> only) {
    List<Column> out = new ArrayList<>();
    boolean flexible = rollbackScenario.mode() == dev.osupgrade.fleet.OrchestrationMode.FLEXIBLE;
    RunFacts rollback = baseline(rollbackScenario, ArmEmulator.DEFAULT_VM_PAGE_SIZE, null, stores);
    Map<ArmOp, Integer> counts = FIRST.faults.requestCounts();
    Scenario.World made = rollbackScenario.create();
    List<String> created = made.fleet().createdInstanceIds(made.web());
    assertThat(rollback.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(rollback.images().get(created.get(7))).isEqualTo(Scenario.V1);
    if (flexible) {
      assertThat(rollback.progress()).as("the locked VM is left out").isEqualTo(new UpgradeProgress(8, 1, 0, 0));
      assertThat(rollback.images().get(created.get(3))).as("the locked VM").isEqualTo(Scenario.V1);
      assertThat(counts).containsKeys(ArmOp.GET_LOCKS);
    } else {
      assertThat(rollback.progress()).isEqualTo(new UpgradeProgress(9, 1, 0, 0));
    }
    assertThat(counts).containsKeys(ArmOp.PATCH_ROLLBACK_MODEL, ArmOp.POST_ROLLBACK_UPGRADE,
        ArmOp.PATCH_RESTORE_MODEL).doesNotContainKey(ArmOp.GET_VM);
    counts.forEach((op, n) -> {
      if (op != ArmOp.OTHER && (only == null || only.contains(op))) {
        out.add(new Column(op, rollbackScenario, ArmEmulator.DEFAULT_VM_PAGE_SIZE, null, n, rollback));
      }
    });

    RunFacts paged = baseline(rollbackScenario, SMALL_PAGE, null, stores);
    assertThat(paged.differencesFrom(rollback, true)).as("paging changes nothing").isEmpty();
    Column laterPages = new Column(ArmOp.LIST_VMS_NEXT, rollbackScenario, SMALL_PAGE, null,
        FIRST.faults.requestCounts().getOrDefault(ArmOp.LIST_VMS_NEXT, 0), paged);
    out.add(laterPages);

    // The read of one instance happens only for an instance missing from the listings: under a lost page. The page
    // lost is the middle one; when its instances are of no concern to the rollout at that moment (they are the
    // Flexible VMs' names that decide which page holds which VM), the next pages are tried, then the earlier ones.
    Background lostPage = null;
    RunFacts underLostPage = null;
    int reads = 0;
    List<Integer> tried = new ArrayList<>();
    for (int d = 0; reads == 0 && d < laterPages.occurrences(); d++) {
      int nth = laterPages.nth() + (d % 2 == 0 ? d / 2 : -(d + 1) / 2);
      if (nth < 1 || nth > laterPages.occurrences()) {
        continue;
      }
      tried.add(nth);
      lostPage = new Background(ArmOp.LIST_VMS_NEXT, nth, PERSIST, ArmFault.EMPTY_VALUE);
      underLostPage = baseline(rollbackScenario, SMALL_PAGE, lostPage, stores);
      assertThat(underLostPage.differencesFrom(rollback, true)).as("a lost page changes nothing (%s)",
          underLostPage.summary()).isEmpty();
      reads = FIRST.faults.requestCounts().getOrDefault(ArmOp.GET_VM, 0);
    }
    assertThat(reads).as("instances missing from the listing are read on their own (lost page at %s)", tried)
        .isPositive();
    out.add(new Column(ArmOp.GET_VM, rollbackScenario, SMALL_PAGE, lostPage, reads, underLostPage));

    RunFacts surge = baseline(surgeScenario, ArmEmulator.DEFAULT_VM_PAGE_SIZE, null, stores);
    Map<ArmOp, Integer> surgeCounts = FIRST.faults.requestCounts();
    Scenario.World surged = surgeScenario.create();
    List<String> originals = surged.fleet().createdInstanceIds(surged.web());
    assertThat(surge.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(surge.progress()).isEqualTo(new UpgradeProgress(10, 0, 0, 0));
    assertThat(surge.images()).hasSize(Scenario.INSTANCES).doesNotContainKeys(originals.get(0), originals.get(9))
        .allSatisfy((id, v) -> assertThat(v).isEqualTo(Scenario.V2));
    assertThat(surgeCounts).containsKeys(ArmOp.PATCH_CAPACITY, ArmOp.POST_DELETE, ArmOp.GET_USAGES)
        .doesNotContainKey(ArmOp.GET_VM);
    surgeCounts.forEach((op, n) -> {
      if (op != ArmOp.OTHER && out.stream().noneMatch(c -> c.op() == op) && (only == null || only.contains(op))) {
        out.add(new Column(op, surgeScenario, ArmEmulator.DEFAULT_VM_PAGE_SIZE, null, n, surge));
      }
    });
    return out;
  }

  /**
   * A run without faults (or with the column's fault underneath only), on the first lane, that must not stop and
   * must agree with the world.
   */
  private RunFacts baseline(Scenario scenario, int pageSize, @Nullable Background background,
      StoreDirectories stores) {
    Lane lane = FIRST;
    lane.emulator.vmPageSize(pageSize);
    Scenario.World world = scenario.create();
    lane.faults.serve(lane.server, world.fleet());
    if (background != null) {
      background.arm(lane.faults);
    }
    RunFacts facts = new FaultedRollout(lane.server, lane.faults, world, scenario, stores.next()).drive();
    if (background == null) {
      assertThat(facts.stalled()).as("the fault-free run of %s does not stop: %s", scenario, facts.summary())
          .isFalse();
    } else {
      assertThat(lane.faults.fired()).as("%s fired", background).isEqualTo(background.times());
    }
    assertThat(facts.truthProblems()).as("the reference run of %s", scenario).isEmpty();
    return facts;
  }

  /**
   * One cell: the column's scenario (and background) with the fault from the column's middle occurrence on, and a
   * restart mid-fault when drawn, graded.
   */
  private static Cell run(Lane lane, Column c, ArmFault fault, Restart restart, Path store) {
    lane.emulator.vmPageSize(c.pageSize());
    Scenario.World world = c.scenario().create();
    lane.faults.serve(lane.server, world.fleet());
    if (c.background() != null) {
      c.background().arm(lane.faults);
    }
    ArmFaults.Rule rule = lane.faults.on(c.op()).nth(c.nth()).times(PERSIST).inject(fault);
    FaultedRollout driver = new FaultedRollout(lane.server, lane.faults, world, c.scenario(), store);
    if (restart.on()) {
      driver.restartAfterFirstFault(restart.after());
    }
    RunFacts facts;
    try {
      facts = driver.drive();
    } catch (RuntimeException e) {
      return new Cell("F!", "the driver failed: " + e, rule.fired(), restart.on());
    }
    int fired = rule.fired();
    boolean restarted = !facts.restarts().isEmpty();
    if (fired == 0) {
      return new Cell("?", "never fired (" + facts.summary() + ")", 0, restarted);
    }
    List<String> wrong = new ArrayList<>(facts.differencesFrom(c.reference(), !c.scenario().surge()));
    wrong.addAll(facts.truthProblems());
    facts.untyped().forEach(u -> wrong.add("untyped " + u));
    if (facts.hung()) {
      wrong.add("hung after " + facts.steps() + " advances");
    }
    if (!wrong.isEmpty()) {
      return new Cell("F!", String.join("; ", wrong) + " [" + facts.summary() + "; fired " + fired + "]", fired,
          restarted);
    }
    return new Cell(facts.stalled() ? "S->=" : "=", facts.summary(), fired, restarted);
  }

  /** CPU time of the whole process (the server's threads answer the requests), or 0 where the JVM does not say. */
  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
  }

  /** The matrix and its counts: the same text for the same code and seed (no times in it). */
  private static String report(String label, List<Column> columns, Map<ArmFault, Map<ArmOp, Cell>> matrix, int runs,
      long seed) {
    StringBuilder out = new StringBuilder();
    List<Cell> cells = matrix.values().stream().flatMap(r -> r.values().stream()).toList();
    long failed = cells.stream().filter(c -> c.code().equals("F!")).count();
    long silent = cells.stream().filter(c -> c.code().equals("?")).count();
    long same = cells.stream().filter(c -> c.code().equals("=")).count();
    long stalled = cells.stream().filter(c -> c.code().equals("S->=")).count();
    long restarted = cells.stream().filter(Cell::restarted).count();
    int fired = cells.stream().mapToInt(Cell::fired).sum();
    out.append(String.format(Locale.ROOT, "%s: %d fault classes x %d operations = %d cells, %d runs "
        + "(%d restarted mid-fault, seed %d), %d faults fired: %d =, %d S->=, %d F!, %d ?%n", label, matrix.size(),
        columns.size(), matrix.size() * columns.size(), runs, restarted, seed, fired, same, stalled, failed, silent));
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-12s", ""));
    for (Column c : columns) {
      header.append(String.format(Locale.ROOT, " %-9s", c.op().label()));
    }
    out.append(header.toString().stripTrailing()).append('\n');
    matrix.forEach((fault, row) -> {
      out.append(String.format(Locale.ROOT, "%-12s", fault.label()));
      StringBuilder line = new StringBuilder();
      for (Column c : columns) {
        Cell cell = row.get(c.op());
        line.append(String.format(Locale.ROOT, " %-9s", cell == null ? "" : cell.printed()));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    });
    out.append("columns:\n");
    for (Column c : columns) {
      out.append("  ").append(c.op().label()).append(" = ").append(c.op()).append(" (").append(c.scenario().name())
          .append(c.pageSize() == ArmEmulator.DEFAULT_VM_PAGE_SIZE ? "" : ", " + c.pageSize() + " per page")
          .append(c.background() == null ? "" : ", under " + c.background())
          .append(", ").append(c.occurrences()).append(" in the reference run, faulted from #").append(c.nth())
          .append(")\n");
    }
    out.append("cells: = same as fault-free; S->= stalled, then the same; F! wrong; ? never fired; - not "
        + "applicable; r restarted mid-fault\n");
    boolean details = Boolean.getBoolean("armsweep.details");
    matrix.forEach((fault, row) -> row.forEach((op, cell) -> {
      if (cell.code().equals("F!") || cell.code().equals("?") || (details && !cell.code().equals("-"))) {
        out.append(cell.printed()).append(' ').append(fault.label()).append(" x ").append(op.label()).append(": ")
            .append(cell.detail()).append('\n');
      }
    }));
    return out.toString();
  }
}
