package dev.osupgrade.azure.replicas;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A replica JVM started by the test ({@link ReplicaMain} on the test's class path, with the JDK that runs the test),
 * its standard output kept line by line and the tail of its standard error for diagnostics. {@link #close()} kills it
 * if it still runs.
 */
final class ReplicaProcess implements AutoCloseable {
  private static final int ERROR_TAIL = 200;

  private final String name;
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Deque<String> errors = new ArrayDeque<>();
  private volatile long killedAt;

  private ReplicaProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    reader(process.getInputStream(), line -> {
      synchronized (lines) {
        lines.add(line);
        lines.notifyAll();
      }
    }, "out");
    reader(process.getErrorStream(), line -> {
      synchronized (errors) {
        errors.addLast(line);
        if (errors.size() > ERROR_TAIL) {
          errors.removeFirst();
        }
      }
    }, "err");
  }

  /**
   * Starts a replica.
   *
   * @param name its name (also its lease owner and request tag)
   * @param arguments {@link ReplicaMain}'s arguments
   * @param environment variables to add to the environment
   * @return the running replica
   */
  static ReplicaProcess start(String name, List<String> arguments, Map<String, String> environment) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    for (String property : new String[] {"user.timezone", "user.language", "user.country"}) {
      String value = System.getProperty(property);
      if (value != null && !value.isEmpty()) {
        command.add("-D" + property + "=" + value); // the same odd defaults the tests run with
      }
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ReplicaMain.class.getName());
    command.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    try {
      return new ReplicaProcess(name, builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start replica " + name, e);
    }
  }

  private void reader(InputStream stream, java.util.function.Consumer<String> sink, String which) {
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          sink.accept(line);
        }
      } catch (IOException ended) {
        // the process is gone
      }
      synchronized (lines) {
        lines.notifyAll();
      }
    }, name + "-" + which);
    t.setDaemon(true);
    t.start();
  }

  /** @return the replica's name */
  String name() {
    return name;
  }

  /**
   * Waits for a line of standard output.
   *
   * @param test what the line must pass
   * @param timeout how long to wait at most
   * @return the first line that passes, or empty if none came in time or the process ended first
   * @throws InterruptedException if interrupted
   */
  Optional<String> awaitLine(Predicate<String> test, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      int seen = 0;
      while (true) {
        for (; seen < lines.size(); seen++) {
          if (test.test(lines.get(seen))) {
            return Optional.of(lines.get(seen));
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || !process.isAlive()) {
          return Optional.empty();
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
    }
  }

  /** Tells the replica to start (a line on its standard input). */
  void go() {
    try {
      OutputStream in = process.getOutputStream();
      in.write("go\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot tell replica " + name + " to go", e);
    }
  }

  /**
   * Kills the replica as {@code kill -9} does ({@link Process#destroyForcibly()}), and waits until it is gone.
   *
   * @return when it was gone (the process had exited), epoch milliseconds: a request its other threads had in flight
   *     when the signal was sent may still arrive in the milliseconds before; none can after
   */
  long kill() {
    killedAt = System.currentTimeMillis(); // marks it killed at once; the time is set again once it is gone
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("replica " + name + " did not die within 10 s of SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    killedAt = System.currentTimeMillis();
    return killedAt;
  }

  /** @return true once {@link #kill()} was called */
  boolean wasKilled() {
    return killedAt != 0;
  }

  /**
   * Waits for the replica to exit.
   *
   * @param timeout how long at most
   * @return its exit code, or empty if it still runs
   * @throws InterruptedException if interrupted
   */
  Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return Optional.empty();
    }
    return Optional.of(process.exitValue());
  }

  /** @return every line of standard output so far */
  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** @return its lease lines so far */
  List<LeaseLine> leases() {
    return lines().stream().map(LeaseLine::parse).flatMap(Optional::stream).toList();
  }

  /** @return the last lines of standard error */
  String errorTail() {
    synchronized (errors) {
      return String.join("\n", errors);
    }
  }

  /** Kills the replica if it still runs. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "replica " + name + " (pid " + process.pid() + (process.isAlive() ? ", running" : ", exited "
        + process.exitValue()) + (wasKilled() ? ", killed" : "") + ")";
  }
}
