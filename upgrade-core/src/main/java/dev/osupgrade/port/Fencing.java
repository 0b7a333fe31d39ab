package dev.osupgrade.port;

import dev.osupgrade.Require;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The fencing check that guards every mutating call to a fleet: a runner that drives a scale set under a lease runs
 * each mutating port call {@linkplain #under under} a {@link Fence} (typically: renew the lease in the shared
 * {@link RolloutStore}), and a port implementation calls {@link #check()} immediately before it sends anything that
 * changes the fleet — before every attempt, retries included. A replica that stalled past its lease (a long GC pause,
 * a long {@code Retry-After}) therefore sends nothing once another replica has taken over: the check throws
 * {@link LeaseLostException} and the call fails without a request.
 *
 * <p>The fence is bound to the calling thread for the duration of the call, the way a tracing context is: ports keep
 * their signatures, and a call made outside any fence (a script, a test) is not checked. Ports that hand work to other
 * threads must check on the calling thread before they do.
 *
 * <pre>{@code
 * Fencing.under(() -> lease = store.renew(lease, clock.instant(), ttl),
 *     () -> fleet.upgradeInstances(id, batch));
 * }</pre>
 */
public final class Fencing {
  private static final ThreadLocal<@Nullable Fence> CURRENT = new ThreadLocal<>();

  private Fencing() {}

  /** Proves that the caller may still change the fleet. */
  @FunctionalInterface
  public interface Fence {
    /**
     * Checks (and typically renews) the right to change the fleet.
     *
     * @throws LeaseLostException when the right is lost
     */
    void check();
  }

  /**
   * Runs a call with a fence bound to this thread; the fence is checked once before the call starts, and again by
   * every {@link #check()} the port makes while it runs.
   *
   * @param fence the fence
   * @param call the call
   * @param <T> what the call returns
   * @return what the call returned
   * @throws LeaseLostException when the fence fails; nothing was sent after it failed
   */
  public static <T> T under(Fence fence, Supplier<T> call) {
    Require.nonNull(fence, "fence");
    Require.nonNull(call, "call");
    Fence outer = CURRENT.get();
    CURRENT.set(fence);
    try {
      fence.check();
      return call.get();
    } finally {
      if (outer == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(outer);
      }
    }
  }

  /**
   * Runs a call with a fence bound to this thread (see {@link #under(Fence, Supplier)}).
   *
   * @param fence the fence
   * @param call the call
   * @throws LeaseLostException when the fence fails; nothing was sent after it failed
   */
  public static void run(Fence fence, Runnable call) {
    Require.nonNull(call, "call");
    under(fence, () -> {
      call.run();
      return Boolean.TRUE;
    });
  }

  /**
   * Checks the fence bound to this thread, if any. Port implementations call it immediately before sending a request
   * that changes the fleet (each attempt of it).
   *
   * @throws LeaseLostException when the caller's fence fails
   */
  public static void check() {
    Fence fence = CURRENT.get();
    if (fence != null) {
      fence.check();
    }
  }

  /** @return true when a fence is bound to this thread */
  public static boolean isFenced() {
    return CURRENT.get() != null;
  }
}
