package dev.osupgrade.azure.internal;

import dev.osupgrade.azure.AzureFleet.RetrySettings;
import dev.osupgrade.azure.AzureFleet.Sleeper;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.Fencing;
import dev.osupgrade.port.LeaseLostException;
import dev.osupgrade.port.ThrottledException;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The adapter's only retry layer: one resilience4j {@link Retry} per {@link CallKind}, waiting through an
 * {@link InlineScheduler} so that the {@link Sleeper} decides how time passes. Every attempt's failure is mapped to a
 * {@link CloudException} first; the retry decides on the mapped failure.
 *
 * <p>Every attempt of a call that changes the fleet ({@link CallKind#IDEMPOTENT_WRITE},
 * {@link CallKind#ONCE_ONLY_WRITE}) is fenced: {@link Fencing#check()} runs immediately before the request is sent,
 * and again before a backoff or {@code Retry-After} wait is spent on the next attempt. A failed check ends the call
 * with the fence's own exception ({@link LeaseLostException}), unmapped and not retried, and nothing more is sent.
 */
final class ArmRetry {
  private final RetrySettings settings;
  private final Map<CallKind, Retry> retries = new EnumMap<>(CallKind.class);
  private final ScheduledExecutorService scheduler;

  ArmRetry(RetrySettings settings, Sleeper sleeper) {
    this.settings = settings;
    this.scheduler = new InlineScheduler(sleeper);
    for (CallKind kind : CallKind.values()) {
      RetryConfig config = RetryConfig.custom()
          .maxAttempts(settings.maxAttempts())
          .intervalBiFunction(this.<Object>interval())
          .retryOnException(t -> t instanceof CloudException c && kind.mayRetry(c) && withinCeiling(c))
          .build();
      retries.put(kind, Retry.of("azure-" + kind.name().toLowerCase(java.util.Locale.ROOT), config));
    }
  }

  /**
   * Runs one SDK call with retries.
   *
   * @param kind whether the call may be repeated
   * @param operation what the call does, for messages
   * @param call the call
   * @param <T> its result
   * @return the result
   * @throws CloudException the mapped failure of the last attempt
   */
  <T> T call(CallKind kind, String operation, Supplier<T> call) {
    boolean mutating = kind != CallKind.READ;
    AtomicInteger attempts = new AtomicInteger();
    Supplier<CompletionStage<T>> attempt = () -> {
      int number = attempts.incrementAndGet();
      if (Thread.currentThread().isInterrupted()) {
        return CompletableFuture.failedFuture(new CloudException(0, "Interrupted",
            operation + " was interrupted while waiting to retry", null));
      }
      if (mutating) {
        RuntimeException fenced = fence();
        if (fenced != null) {
          return CompletableFuture.failedFuture(fenced);
        }
      }
      try {
        return CompletableFuture.completedFuture(call.get());
      } catch (LeaseLostException e) {
        return CompletableFuture.failedFuture(e);
      } catch (RuntimeException e) {
        CloudException mapped = ErrorMapper.map(e, operation);
        if (mutating && number < settings.maxAttempts() && kind.mayRetry(mapped) && withinCeiling(mapped)) {
          // a wait follows: prove the right to change the fleet before spending it, not only after
          RuntimeException fenced = fence();
          if (fenced != null) {
            return CompletableFuture.failedFuture(fenced);
          }
        }
        return CompletableFuture.failedFuture(mapped);
      }
    };
    CompletableFuture<T> result = retries.get(kind).executeCompletionStage(scheduler, attempt).toCompletableFuture();
    try {
      return result.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  /**
   * Runs a call that returns nothing.
   *
   * @param kind whether the call may be repeated
   * @param operation what the call does
   * @param call the call
   */
  void run(CallKind kind, String operation, Runnable call) {
    call(kind, operation, () -> {
      call.run();
      return Boolean.TRUE;
    });
  }

  /**
   * Checks the caller's fence ({@link Fencing#check()}); whatever it throws ({@link LeaseLostException}, or a failure
   * of the store behind it) is returned unchanged, to end the call without another request.
   */
  private static @Nullable RuntimeException fence() {
    try {
      Fencing.check();
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  private boolean withinCeiling(CloudException c) {
    return !(c instanceof ThrottledException t) || t.retryAfter().compareTo(settings.maxRetryAfter()) <= 0;
  }

  private <T> IntervalBiFunction<T> interval() {
    return (attempt, outcome) -> waitMillis(attempt, outcome);
  }

  private <T> long waitMillis(int attempt, Either<Throwable, T> outcome) {
    if (outcome.isLeft() && outcome.getLeft() instanceof ThrottledException t && !t.retryAfter().isZero()) {
      return Math.max(1, t.retryAfter().toMillis());
    }
    return Math.max(1, backoff(attempt).toMillis());
  }

  /**
   * The wait before retry number {@code attempt}: {@code initialBackoff * 2^(attempt-1)}, capped, then drawn uniformly
   * from its upper half.
   */
  private Duration backoff(int attempt) {
    long initial = settings.initialBackoff().toMillis();
    long cap = settings.maxBackoff().toMillis();
    long base = initial;
    for (int i = 1; i < attempt && base < cap; i++) {
      base = base * 2;
    }
    base = Math.min(base, cap);
    long half = base / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(base - half + 1));
  }
}
