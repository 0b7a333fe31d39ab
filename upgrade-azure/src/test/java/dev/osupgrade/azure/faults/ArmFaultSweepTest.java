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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
 * calls). Later pages of the instance listing are swept with five instances per page. Each cell's fault persists: it
 * fires from the middle occurrence of its operation in the fault-free run on, on {@value #PERSIST} matching requests
 * (more than the adapter's four attempts, so it reaches the runner), and is then lifted.
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
 *   <li>{@code -} the fault cannot be expressed on the operation (a body fault on a bodiless answer).</li>
 * </ul>
 * With {@code -Darmsweep.strict=true} (the default) the test fails on any {@code F!} or {@code ?} cell;
 * {@code -Darmsweep.strict=false} only prints the matrix. {@code -Darmsweep.only=REGEX} sweeps the fault classes whose
 * names match; {@code -Darmsweep.lanes=1} runs one rollout at a time (by default two run at once, each on its own
 * server).
 */
final class ArmFaultSweepTest {
  /** How many matching requests each cell's fault spoils before it is lifted. */
  static final int PERSIST = 5;
  /** The listing's page size for the column of later pages. */
  static final int SMALL_PAGE = 5;

  /** How many rollouts run at once, each lane with its own server, emulator and fault layer (default: 2). */
  static final int LANES = Integer.getInteger("armsweep.lanes", 2);

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

  /** One column: an operation, swept in a scenario at a page size, with its count in the fault-free run. */
  private record Column(ArmOp op, Scenario scenario, int pageSize, int occurrences, RunFacts reference) {
    int nth() {
      return (occurrences + 1) / 2;
    }
  }

  /** One cell's result. */
  private record Cell(String code, String detail, long millis) {}

  /**
   * The whole matrix in one test, so that it prints as one table. Its own timeout: the project's default of 30 s is
   * per test, and the sweep is some 150 rollouts (about a minute; the bound only catches a hang).
   */
  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void sweep_everyFaultOnEveryOperation_endsLikeFaultFreeOrStallsResumably() throws Exception {
    boolean strict = Boolean.parseBoolean(System.getProperty("armsweep.strict", "true"));
    String only = System.getProperty("armsweep.only");

    long started = System.nanoTime();
    long cpuStarted = processCpuNanos();
    try (StoreDirectories stores = new StoreDirectories(temp)) {
      List<Column> columns = columns(stores);
      Map<ArmFault, Map<ArmOp, Future<Cell>>> futures = new EnumMap<>(ArmFault.class);
      BlockingQueue<Lane> lanes = new LinkedBlockingQueue<>(LANES > 1 ? List.of(FIRST, SECOND) : List.of(FIRST));
      ExecutorService pool = Executors.newFixedThreadPool(lanes.size());
      int runs = 0;
      try {
        for (ArmFault fault : ArmFault.values()) {
          if (only != null && !fault.name().matches(only)) {
            continue;
          }
          Map<ArmOp, Future<Cell>> row = new LinkedHashMap<>();
          for (Column c : columns) {
            if (!fault.appliesTo(c.op())) {
              row.put(c.op(), CompletableFuture.completedFuture(new Cell("-", "", 0)));
              continue;
            }
            Path store = stores.next();
            row.put(c.op(), pool.submit(() -> {
              Lane lane = lanes.take();
              try {
                return run(lane, c, fault, store);
              } finally {
                lanes.add(lane);
              }
            }));
            runs++;
          }
          futures.put(fault, row);
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
        String report = report(columns, matrix, runs, seconds, cpuSeconds, lanes.size());
        System.out.println(report);

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

  /** The fault-free runs, asserted against their own scenario, and the columns their requests give. */
  private List<Column> columns(StoreDirectories stores) {
    List<Column> out = new ArrayList<>();
    RunFacts rollback = baseline(Scenario.ROLLBACK, ArmEmulator.DEFAULT_VM_PAGE_SIZE, stores);
    Map<ArmOp, Integer> counts = FIRST.faults.requestCounts();
    assertThat(rollback.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(rollback.progress()).isEqualTo(new UpgradeProgress(9, 1, 0, 0));
    assertThat(rollback.images().get("7")).isEqualTo(Scenario.V1);
    assertThat(counts).containsKeys(ArmOp.PATCH_ROLLBACK_MODEL, ArmOp.POST_ROLLBACK_UPGRADE,
        ArmOp.PATCH_RESTORE_MODEL);
    counts.forEach((op, n) -> {
      if (op != ArmOp.OTHER) {
        out.add(new Column(op, Scenario.ROLLBACK, ArmEmulator.DEFAULT_VM_PAGE_SIZE, n, rollback));
      }
    });

    RunFacts paged = baseline(Scenario.ROLLBACK, SMALL_PAGE, stores);
    assertThat(paged.differencesFrom(rollback, true)).as("paging changes nothing").isEmpty();
    out.add(new Column(ArmOp.LIST_VMS_NEXT, Scenario.ROLLBACK, SMALL_PAGE,
        FIRST.faults.requestCounts().getOrDefault(ArmOp.LIST_VMS_NEXT, 0), paged));

    RunFacts surge = baseline(Scenario.SURGE, ArmEmulator.DEFAULT_VM_PAGE_SIZE, stores);
    Map<ArmOp, Integer> surgeCounts = FIRST.faults.requestCounts();
    assertThat(surge.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(surge.progress()).isEqualTo(new UpgradeProgress(10, 0, 0, 0));
    assertThat(surge.images()).hasSize(Scenario.INSTANCES).doesNotContainKeys("0", "9")
        .allSatisfy((id, v) -> assertThat(v).isEqualTo(Scenario.V2));
    assertThat(surgeCounts).containsKeys(ArmOp.PATCH_CAPACITY, ArmOp.POST_DELETE, ArmOp.GET_USAGES);
    surgeCounts.forEach((op, n) -> {
      if (op != ArmOp.OTHER && out.stream().noneMatch(c -> c.op() == op)) {
        out.add(new Column(op, Scenario.SURGE, ArmEmulator.DEFAULT_VM_PAGE_SIZE, n, surge));
      }
    });
    return out;
  }

  /** A fault-free run, on the first lane. */
  private RunFacts baseline(Scenario scenario, int pageSize, StoreDirectories stores) {
    Lane lane = FIRST;
    lane.emulator.vmPageSize(pageSize);
    Scenario.World world = scenario.create();
    lane.faults.serve(lane.server, world.fleet());
    RunFacts facts = new FaultedRollout(lane.server, lane.faults, world, scenario, stores.next()).drive();
    assertThat(facts.stalled()).as("the fault-free run of %s does not stop: %s", scenario, facts.summary()).isFalse();
    assertThat(facts.truthProblems()).as("the fault-free run of %s", scenario).isEmpty();
    return facts;
  }

  /** One cell: the column's scenario with the fault from the column's middle occurrence on, graded. */
  private static Cell run(Lane lane, Column c, ArmFault fault, Path store) {
    long t0 = System.nanoTime();
    lane.emulator.vmPageSize(c.pageSize());
    Scenario.World world = c.scenario().create();
    lane.faults.serve(lane.server, world.fleet());
    lane.faults.on(c.op()).nth(c.nth()).times(PERSIST).inject(fault);
    RunFacts facts;
    try {
      facts = new FaultedRollout(lane.server, lane.faults, world, c.scenario(), store).drive();
    } catch (RuntimeException e) {
      return new Cell("F!", "the driver failed: " + e, (System.nanoTime() - t0) / 1_000_000);
    }
    long millis = (System.nanoTime() - t0) / 1_000_000;
    int fired = lane.faults.fired();
    if (fired == 0) {
      return new Cell("?", "never fired (" + facts.summary() + ")", millis);
    }
    List<String> wrong = new ArrayList<>(facts.differencesFrom(c.reference(), c.scenario() != Scenario.SURGE));
    wrong.addAll(facts.truthProblems());
    facts.untyped().forEach(u -> wrong.add("untyped " + u));
    if (facts.hung()) {
      wrong.add("hung after " + facts.steps() + " advances");
    }
    if (!wrong.isEmpty()) {
      return new Cell("F!", String.join("; ", wrong) + " [" + facts.summary() + "; fired " + fired + "]", millis);
    }
    return new Cell(facts.stalled() ? "S->=" : "=", facts.summary(), millis);
  }

  /** CPU time of the whole process (the server's threads answer the requests), or 0 where the JVM does not say. */
  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
  }

  private static String report(List<Column> columns, Map<ArmFault, Map<ArmOp, Cell>> matrix, int runs,
      long seconds, long cpuSeconds, int lanes) {
    StringBuilder out = new StringBuilder();
    long failed = matrix.values().stream().flatMap(r -> r.values().stream()).filter(c -> c.code().equals("F!"))
        .count();
    long silent = matrix.values().stream().flatMap(r -> r.values().stream()).filter(c -> c.code().equals("?"))
        .count();
    out.append(String.format(Locale.ROOT, "ARM fault sweep: %d fault classes x %d operations, %d runs, %d F!, %d ?, "
        + "%d s on %d lanes (%d s of CPU)%n", matrix.size(), columns.size(), runs, failed, silent, seconds, lanes,
        cpuSeconds));
    out.append(String.format(Locale.ROOT, "%-12s", ""));
    for (Column c : columns) {
      out.append(String.format(Locale.ROOT, " %-9s", c.op().label()));
    }
    out.append('\n');
    matrix.forEach((fault, row) -> {
      out.append(String.format(Locale.ROOT, "%-12s", fault.label()));
      for (Column c : columns) {
        out.append(String.format(Locale.ROOT, " %-9s", row.get(c.op()).code()));
      }
      out.append('\n');
    });
    out.append("columns: ");
    for (Column c : columns) {
      out.append(c.op().label()).append(" = ").append(c.op()).append(" (").append(c.scenario().name())
          .append(c.pageSize() == ArmEmulator.DEFAULT_VM_PAGE_SIZE ? "" : ", " + c.pageSize() + " per page")
          .append(", ").append(c.occurrences()).append(" in the fault-free run, faulted from #").append(c.nth())
          .append("); ");
    }
    out.append('\n');
    out.append("cells: = same as fault-free; S->= stalled, then the same; F! wrong; ? never fired; - not "
        + "applicable\n");
    matrix.forEach((fault, row) -> row.forEach((op, cell) -> {
      if (cell.code().equals("F!") || cell.code().equals("?")) {
        out.append(cell.code()).append(' ').append(fault.label()).append(" x ").append(op.label()).append(": ")
            .append(cell.detail()).append('\n');
      }
    }));
    return out.toString();
  }
}
