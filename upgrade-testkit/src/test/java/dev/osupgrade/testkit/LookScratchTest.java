package dev.osupgrade.testkit;

import java.util.Locale;
import org.junit.jupiter.api.Test;

final class LookScratchTest {
  @Test
  void perBatch() {
    if (System.getProperty("diag") == null) {
      return;
    }
    int n = Integer.parseInt(System.getProperty("diag"));
    int[][] looks = new int[6][];
    double[] late = new double[5];
    double[] worstLate = new double[5];
    int[] lookSum = new int[5];
    int runs = 0;
    for (long seed = 1; seed <= Long.getLong("lk.seeds", 50); seed++) {
      SimulatedFleet world = SimulatedFleet.create(seed);
      dev.osupgrade.fleet.ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(n).image(Images.ubuntu(Images.V1)));
      world.publish(dev.osupgrade.image.ImageRelease.marketplace(Images.ubuntu(Images.V2), world.clock().instant().minus(java.time.Duration.ofDays(1))));
      java.util.List<int[]> marks = new java.util.ArrayList<>();
      java.util.List<java.time.Instant> at = new java.util.ArrayList<>();
      java.util.List<dev.osupgrade.event.BatchStarted> bs = new java.util.ArrayList<>();
      dev.osupgrade.rollout.Rollout rollout = dev.osupgrade.rollout.Rollout.builder(world, web).target(Images.V2).clock(world.clock()).listener(e -> {
        if (e instanceof dev.osupgrade.event.BatchStarted b) {
          marks.add(new int[] {world.calls(PortOperation.LIST_INSTANCES)});
          at.add(e.at());
          bs.add(b);
        } else if (e instanceof dev.osupgrade.event.RolloutCompleted) {
          marks.add(new int[] {world.calls(PortOperation.LIST_INSTANCES)});
          at.add(e.at());
        }
      }).build();
      for (java.util.Optional<java.time.Instant> next = rollout.advance(); next.isPresent(); next = rollout.advance()) {
        world.clock().advanceTo(next.get());
      }
      FleetRecord record = world.record(web);
      for (int b = 0; b < bs.size() && b < 5; b++) {
        java.time.Instant slow = null;
        for (String id : bs.get(b).instanceIds()) {
          java.time.Instant healthy = null;
          boolean started = false;
          for (InstanceChange c : record.history(id)) {
            if (c.kind() == InstanceChange.Kind.UPGRADE_STARTED) {
              started = true;
            } else if (started && healthy == null && c.health() == dev.osupgrade.fleet.HealthState.HEALTHY && c.image().version().orElseThrow().equals(Images.V2)) {
              healthy = c.at();
            }
          }
          slow = slow == null || healthy.isAfter(slow) ? healthy : slow;
        }
        double l = java.time.Duration.between(slow, at.get(b + 1)).toMillis() / 1000.0;
        if (Boolean.getBoolean("lk.debug")) {
          System.out.println("LKDBG " + at.get(b).getEpochSecond() % 100000 + " seed " + seed + " batch " + (b + 1) + " true end " + java.time.Duration.between(at.get(b), slow).toMillis() / 1000.0 + " seen " + java.time.Duration.between(at.get(b), at.get(b + 1)).toMillis() / 1000.0);
        }
        late[b] += l;
        worstLate[b] = Math.max(worstLate[b], l);
        lookSum[b] += marks.get(b + 1)[0] - marks.get(b)[0];
      }
      runs++;
    }
    for (int b = 0; b < 5; b++) {
      System.out.printf(Locale.ROOT, "DIAG n=%d batch %d: looks %.2f late mean %.1f worst %.1f%n", n, b + 1,
          (double) lookSum[b] / runs, late[b] / runs, worstLate[b]);
    }
  }

  @Test
  void scratch() {
    if (System.getProperty("sets") == null) {
      return;
    }
    String sets = System.getProperty("sets", "1-50");
    String sizes = System.getProperty("sizes", "100,300,1000");
    for (String size : sizes.split(",")) {
      int n = Integer.parseInt(size);
      for (String set : sets.split(",")) {
        String[] r = set.split("-");
        long a = Long.parseLong(r[0]);
        long b = Long.parseLong(r[1]);
        double sum = 0;
        double worst = 0;
        int over = 0;
        int minL = Integer.MAX_VALUE;
        int maxL = 0;
        long looks = 0;
        for (long s = a; s <= b; s++) {
          LookEconomyTest.Run run = LookEconomyTest.run(n, s);
          sum += run.ratio();
          worst = Math.max(worst, run.ratio());
          over += run.ratio() > 1.02 ? 1 : 0;
          minL = Math.min(minL, run.looks());
          maxL = Math.max(maxL, run.looks());
          looks += run.looks();
        }
        System.out.printf(Locale.ROOT, "SCRATCH n=%d seeds %s: mean %.4f worst %.4f over %d/%d looks %d-%d (mean %.1f)%n",
            n, set, sum / (b - a + 1), worst, over, b - a + 1, minL, maxL, (double) looks / (b - a + 1));
      }
    }
  }
}
