package dev.osupgrade.service;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RunnerTask} seen as the runner sees a rollout: cancel, pause and resume are the task's own when it
 * {@linkplain RunnerTask#supportsControl() supports them}.
 */
final class DrivenTask implements Driven {
  private final RunnerTask task;
  private final String name;

  DrivenTask(RunnerTask task) {
    this.task = task;
    this.name = task.name();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ManagedRollout.Kind kind() {
    return ManagedRollout.Kind.TASK;
  }

  @Override
  public Object target() {
    return task;
  }

  @Override
  public @Nullable ScaleSetId exclusiveScaleSet() {
    return null;
  }

  @Override
  public Optional<Instant> advance() {
    return task.advance();
  }

  @Override
  public boolean isDone() {
    return task.isDone();
  }

  @Override
  public boolean isPaused() {
    return false;
  }

  @Override
  public String status() {
    return task.status();
  }

  @Override
  public String detail() {
    return task.detail();
  }

  @Override
  public List<ScaleSetId> scaleSets() {
    return task.scaleSets();
  }

  @Override
  public boolean supportsControl() {
    return task.supportsControl();
  }

  @Override
  public void apply(Control control) {
    switch (control) {
      case CANCEL -> task.cancel();
      case PAUSE -> task.pause();
      case RESUME -> task.resume();
      default -> throw new IllegalArgumentException("control " + control);
    }
  }

  @Override
  public void close() {
    task.close();
  }
}
