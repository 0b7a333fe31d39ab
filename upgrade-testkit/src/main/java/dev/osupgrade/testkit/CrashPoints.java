package dev.osupgrade.testkit;

import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetInventory;
import dev.osupgrade.port.ScaleSetPort;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Crashes the runner between two steps: wraps a {@link ScaleSetPort} and a {@link RolloutStore} so that every call
 * is two numbered crash points (just before it, just after it), and throws {@link SimulatedCrash} at the chosen one.
 * A test then drops the crashed {@code Rollout}, builds a new one on the same store, and checks that it ends where an
 * uncrashed run ends.
 *
 * <pre>{@code
 * CrashPoints counting = CrashPoints.never();           // first run: count the points
 * ...
 * for (int n = 1; n <= counting.points(); n++) {
 *   CrashPoints crash = CrashPoints.at(n);
 *   Rollout r = Rollout.builder(crash.wrap(fleet), id).store(crash.wrap(store))...build();
 *   try { fleet.run(r); } catch (SimulatedCrash expected) { }
 *   fleet.run(Rollout.builder(fleet, id).store(store)...build());   // the restarted replica
 * }
 * }</pre>
 */
public final class CrashPoints {
  private final long crashAt;
  private long points;
  private @Nullable String crashedAt;

  private CrashPoints(long crashAt) {
    this.crashAt = crashAt;
  }

  /** @return wrappers that never crash, only count */
  public static CrashPoints never() {
    return new CrashPoints(Long.MAX_VALUE);
  }

  /**
   * Crashes at one point.
   *
   * @param point from 1: odd points are just before a call, even points just after it
   * @return the crash schedule
   */
  public static CrashPoints at(long point) {
    Require.that(point >= 1, "point", ">= 1", point);
    return new CrashPoints(point);
  }

  /** @return how many crash points the wrapped calls have passed so far */
  public long points() {
    return points;
  }

  /** @return where the crash happened, if it did */
  public Optional<String> crashedAt() {
    return Optional.ofNullable(crashedAt);
  }

  /**
   * Wraps a scale set port.
   *
   * @param port the port
   * @return a port that crashes on schedule
   */
  public ScaleSetPort wrap(ScaleSetPort port) {
    Require.nonNull(port, "port");
    return new ScaleSetPort() {
      @Override
      public ScaleSet get(ScaleSetId id) {
        return call("get", () -> port.get(id));
      }

      @Override
      public ScaleSet model(ScaleSetId id) {
        return call("model", () -> port.model(id));
      }

      @Override
      public List<Instance> listInstances(ScaleSetId id) {
        return call("listInstances", () -> port.listInstances(id));
      }

      @Override
      public Optional<Instance> instance(ScaleSetId id, String instanceId) {
        return call("instance", () -> port.instance(id, instanceId));
      }

      @Override
      public void updateModelImage(ScaleSetId id, ImageReference image) {
        run("updateModelImage", () -> port.updateModelImage(id, image));
      }

      @Override
      public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
        run("updateUpgradePolicy", () -> port.updateUpgradePolicy(id, policy, ifMatchEtag));
      }

      @Override
      public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
        run("upgradeInstances", () -> port.upgradeInstances(id, instanceIds));
      }

      @Override
      public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
        run("rollBackInstances", () -> port.rollBackInstances(id, instanceIds, previousImage));
      }
    };
  }

  /**
   * Wraps a capacity port (for max-surge rollouts; pass it to {@code Rollout.Builder.capacity}).
   *
   * @param port the port
   * @return a port that crashes on schedule
   */
  public CapacityPort wrapCapacity(CapacityPort port) {
    Require.nonNull(port, "port");
    return new CapacityPort() {
      @Override
      public int headroom(ScaleSetId id) {
        return call("headroom", () -> port.headroom(id));
      }

      @Override
      public List<String> scaleOut(ScaleSetId id, int count) {
        return call("scaleOut", () -> port.scaleOut(id, count));
      }

      @Override
      public void deleteInstances(ScaleSetId id, List<String> instanceIds) {
        run("deleteInstances", () -> port.deleteInstances(id, instanceIds));
      }
    };
  }

  /**
   * Wraps a scale set inventory (discovery, for an estate governor).
   *
   * @param inventory the inventory
   * @return an inventory that crashes on schedule
   */
  public ScaleSetInventory wrapInventory(ScaleSetInventory inventory) {
    Require.nonNull(inventory, "inventory");
    return scope -> call("listScaleSets", () -> inventory.listScaleSets(scope));
  }

  /**
   * Wraps an image catalog (every listing and find is a call).
   *
   * @param catalog the catalog
   * @return a catalog that crashes on schedule
   */
  public ImageCatalog wrapCatalog(ImageCatalog catalog) {
    Require.nonNull(catalog, "catalog");
    return new ImageCatalog() {
      @Override
      public List<ImageRelease> listReleases(ImageReference image) {
        return call("listReleases", () -> catalog.listReleases(image));
      }

      @Override
      public List<ImageRelease> listReleases(ImageReference image, Region region) {
        return call("listReleases", () -> catalog.listReleases(image, region));
      }

      @Override
      public Optional<ImageRelease> find(ImageReference image, Region region) {
        return call("find", () -> catalog.find(image, region));
      }
    };
  }

  /**
   * Wraps a rollout store.
   *
   * @param store the store
   * @return a store that crashes on schedule
   */
  public RolloutStore wrap(RolloutStore store) {
    Require.nonNull(store, "store");
    return new RolloutStore() {
      @Override
      public Optional<Checkpoint> load(ScaleSetId scaleSet) {
        return call("store.load", () -> store.load(scaleSet));
      }

      @Override
      public Optional<Lease> tryAcquire(ScaleSetId scaleSet, String owner, Instant now, Duration ttl) {
        return call("store.tryAcquire", () -> store.tryAcquire(scaleSet, owner, now, ttl));
      }

      @Override
      public Lease renew(Lease lease, Instant now, Duration ttl) {
        return call("store.renew", () -> store.renew(lease, now, ttl));
      }

      @Override
      public Checkpoint save(Lease lease, long expectedVersion, String data, Instant now) {
        return call("store.save", () -> store.save(lease, expectedVersion, data, now));
      }

      @Override
      public void release(Lease lease) {
        run("store.release", () -> store.release(lease));
      }
    };
  }

  private void run(String what, Runnable call) {
    call(what, () -> {
      call.run();
      return Boolean.TRUE;
    });
  }

  private <T> T call(String what, Supplier<T> call) {
    point("before " + what);
    T result = call.get();
    point("after " + what);
    return result;
  }

  private void point(String where) {
    points++;
    if (points == crashAt) {
      crashedAt = "point " + points + ", " + where;
      throw new SimulatedCrash("simulated crash at " + crashedAt);
    }
  }

  @Override
  public String toString() {
    return "CrashPoints[" + (crashAt == Long.MAX_VALUE ? "never" : "at " + crashAt) + ", passed " + points + "]";
  }
}
