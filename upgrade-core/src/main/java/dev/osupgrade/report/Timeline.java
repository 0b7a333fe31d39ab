package dev.osupgrade.report;

import dev.osupgrade.Require;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.rollout.Rollout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A rollout as one self-contained HTML page: a lane per instance, grouped by zone and update domain, with its states
 * over time (pending, upgrading, initializing, healthy, unhealthy, rolling back, rolled back, surge and replaced);
 * batches, pauses, stalls, gate verdicts with their numbers on hover, failed instances and the stop reason; a summary
 * of plan against actual (batches, makespan against the plan's estimate, lowest healthy capacity, counts); the event
 * log. For a {@link RingRollout}, a strip of its rings (start, soak, promotion, gates, quarantine) above a section
 * per scale set. The page fetches nothing (inline SVG, CSS and a few lines of script); every text from an event is
 * escaped.
 *
 * <pre>{@code
 * Path page = Timeline.of(rollout)
 *     .observed(fleet.observations())      // the simulator's truth per instance; leave out against Azure
 *     .writeTo(Path.of("target/timeline.html"));
 * }</pre>
 *
 * <p>Built from the rollout's events, taken when {@code of} is called; with {@link #observed} each instance's lane
 * shows what the fleet says it did (against Azure there is no such record, and the lanes follow the events: an
 * instance is then known only at the looks the rollout made). Immutable: {@link #observed} and {@link #whatIf}
 * return new timelines.
 */
public final class Timeline {
  private final String title;
  private final List<Section> sections;
  private final @Nullable Rings rings;
  private final @Nullable InstanceObservations observations;
  private final @Nullable Comparison comparison;

  private Timeline(String title, List<Section> sections, @Nullable Rings rings,
      @Nullable InstanceObservations observations, @Nullable Comparison comparison) {
    this.title = title;
    this.sections = List.copyOf(sections);
    this.rings = rings;
    this.observations = observations;
    this.comparison = comparison;
  }

  /**
   * The timeline of one rollout, as its events stand now.
   *
   * @param rollout the rollout (it may still be running: the page shows it so far)
   * @return the timeline
   */
  public static Timeline of(Rollout rollout) {
    Require.nonNull(rollout, "rollout");
    Section s = Section.of(rollout, null, false);
    return new Timeline(rollout.scaleSet() + " \u2192 " + rollout.target(), List.of(s), null, null, null);
  }

  /**
   * The timeline of a ring rollout: its rings, then a section per orchestrated rollout (and per rollback) it ran.
   *
   * @param rings the ring rollout
   * @return the timeline
   */
  public static Timeline of(RingRollout rings) {
    Require.nonNull(rings, "rings");
    List<Section> sections = new ArrayList<>();
    for (Ring ring : rings.plan().rings()) {
      for (ScaleSetId id : ring.scaleSets()) {
        Rollout r = rings.rollouts().get(id);
        if (r != null) {
          sections.add(Section.of(r, ring.name(), false));
        }
      }
    }
    for (Map.Entry<ScaleSetId, Rollout> e : rings.rollbacks().entrySet()) {
      String ring = rings.plan().ringOf(e.getKey()).map(Ring::name).orElse(null);
      sections.add(Section.of(e.getValue(), ring, true));
    }
    Rings r = new Rings(rings.plan().rings(), List.copyOf(rings.events()), rings.status(), rings.mode(),
        rings.target(), rings.error().orElse(null), rings.promotedRings());
    return new Timeline("rings \u2192 " + rings.target(), sections, r, null, null);
  }

  /**
   * Draws each instance from what the fleet says it did, not only from the events.
   *
   * @param value where the truth comes from (with the simulator: {@code fleet.observations()})
   * @return a new timeline
   */
  public Timeline observed(InstanceObservations value) {
    return new Timeline(title, sections, rings, Require.nonNull(value, "observations"), comparison);
  }

  /**
   * Adds a what-if table (the testkit's {@code WhatIf.compare()}) to the page.
   *
   * @param value the comparison
   * @return a new timeline
   */
  public Timeline whatIf(Comparison value) {
    return new Timeline(title, sections, rings, observations, Require.nonNull(value, "comparison"));
  }

  /** @return the page: one HTML document that needs nothing else */
  public String toHtml() {
    return new TimelinePage(title, sections, rings, observations, comparison).render();
  }

  /**
   * Writes the page (UTF-8), creating missing parent directories.
   *
   * @param file where
   * @return the file's absolute path
   * @throws dev.osupgrade.InvalidValueException if {@code file} is a directory
   * @throws UncheckedIOException if it cannot be written
   */
  public Path writeTo(Path file) {
    Require.nonNull(file, "file");
    Path target = file.toAbsolutePath();
    Require.that(!Files.isDirectory(target), "file", "a file, not a directory", target);
    try {
      if (target.getParent() != null) {
        Files.createDirectories(target.getParent());
      }
      Files.writeString(target, toHtml(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the timeline to " + target, e);
    }
    return target;
  }

  @Override
  public String toString() {
    return "Timeline[" + title + ", " + sections.size() + " rollout(s)" + (rings == null ? "" : ", rings")
        + (observations == null ? ", from events" : ", observed") + (comparison == null ? "" : ", what-if") + "]";
  }

  /** One rollout's data, taken when the timeline was made. */
  record Section(ScaleSetId scaleSet, ImageVersion target, @Nullable String ring, boolean rollback,
      List<RolloutEvent> events, @Nullable RolloutPlan plan, RolloutStatus status, @Nullable UpgradeError error,
      UpgradeProgress progress) {

    static Section of(Rollout r, @Nullable String ring, boolean rollback) {
      return new Section(r.scaleSet(), r.target(), ring, rollback, List.copyOf(r.events()), r.plan().orElse(null),
          r.status(), r.error().orElse(null), r.progress());
    }
  }

  /** A ring rollout's own data. */
  record Rings(List<Ring> rings, List<RingEvent> events, RingRollout.Status status, RingRollout.Mode mode,
      ImageVersion target, @Nullable UpgradeError failure, int promoted) {}
}
