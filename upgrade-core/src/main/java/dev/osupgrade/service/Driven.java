package dev.osupgrade.service;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.rollout.Rollout;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What the runner drives: a {@link Rollout} or a {@link RingRollout}, seen through one small interface. Every method
 * but {@link #name()} and {@link #kind()} touches the rollout, which is not thread-safe: the runner calls them only
 * from the one task that owns the rollout at that moment (never two at once).
 */
interface Driven {

  /** What a caller asked of a rollout, applied before its next advance. */
  enum Control {
    CANCEL, PAUSE, RESUME;

    String verb() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  String name();

  ManagedRollout.Kind kind();

  Object target();

  /** @return the scale set no other unfinished rollout of the runner may drive, if known up front */
  @Nullable ScaleSetId exclusiveScaleSet();

  Optional<Instant> advance();

  boolean isDone();

  /** @return true when an empty {@link #advance()} means "paused until resumed" */
  boolean isPaused();

  String status();

  String detail();

  List<ScaleSetId> scaleSets();

  boolean supportsControl();

  void apply(Control control);

  void close();

  static Driven of(Rollout rollout) {
    return new OfRollout(rollout);
  }

  static Driven of(RingRollout rings) {
    return new OfRings(rings);
  }

  /** A single scale set's rollout. */
  final class OfRollout implements Driven {
    private final Rollout rollout;
    private final String name;

    OfRollout(Rollout rollout) {
      this.rollout = rollout;
      this.name = rollout.scaleSet() + " -> " + rollout.target();
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ManagedRollout.Kind kind() {
      return ManagedRollout.Kind.ROLLOUT;
    }

    @Override
    public Object target() {
      return rollout;
    }

    @Override
    public ScaleSetId exclusiveScaleSet() {
      return rollout.scaleSet();
    }

    @Override
    public Optional<Instant> advance() {
      return rollout.advance();
    }

    @Override
    public boolean isDone() {
      return rollout.isDone();
    }

    @Override
    public boolean isPaused() {
      return rollout.status() == RolloutStatus.PAUSED;
    }

    @Override
    public String status() {
      return rollout.status().azureName();
    }

    @Override
    public String detail() {
      return rollout.toString();
    }

    @Override
    public List<ScaleSetId> scaleSets() {
      return List.of(rollout.scaleSet());
    }

    @Override
    public boolean supportsControl() {
      return true;
    }

    @Override
    public void apply(Control control) {
      switch (control) {
        case CANCEL -> rollout.cancel();
        case PAUSE -> rollout.pause();
        case RESUME -> rollout.resume();
        default -> throw new IllegalArgumentException("control " + control);
      }
    }

    @Override
    public void close() {
      rollout.close();
    }
  }

  /** A ring rollout: one version spread over several scale sets, ring by ring. */
  final class OfRings implements Driven {
    private final RingRollout rings;
    private final String name;

    OfRings(RingRollout rings) {
      this.rings = rings;
      this.name = "rings -> " + rings.target();
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ManagedRollout.Kind kind() {
      return ManagedRollout.Kind.RING_ROLLOUT;
    }

    @Override
    public Object target() {
      return rings;
    }

    @Override
    public @Nullable ScaleSetId exclusiveScaleSet() {
      return null;
    }

    @Override
    public Optional<Instant> advance() {
      return rings.advance();
    }

    @Override
    public boolean isDone() {
      return rings.status().isTerminal();
    }

    @Override
    public boolean isPaused() {
      return false;
    }

    @Override
    public String status() {
      return rings.status().name();
    }

    @Override
    public String detail() {
      return rings.toString();
    }

    @Override
    public List<ScaleSetId> scaleSets() {
      return rings.currentRing().scaleSets();
    }

    @Override
    public boolean supportsControl() {
      return false;
    }

    @Override
    public void apply(Control control) {
      throw new UnsupportedOperationException("a ring rollout has no " + control.verb() + " of its own");
    }

    @Override
    public void close() {
      rings.close();
    }
  }
}
