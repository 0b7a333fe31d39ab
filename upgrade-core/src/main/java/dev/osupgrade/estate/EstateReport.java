package dev.osupgrade.estate;

import dev.osupgrade.Redaction;
import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.QuarantineEntry;
import dev.osupgrade.image.ImageVersion;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The estate as a governor knows it at one moment ({@link EstateGovernor#report()}): a version matrix (each scale set
 * against the family it follows: current version, target, state, ring, last change, next window), the families'
 * campaigns, drift, overdue deferrals, quarantined versions with why, the last rehearsals, and what the governor will
 * do next and when. Data for dashboards and timelines; {@link #describe()} is the text for logs and JShell,
 * {@link #toString()} one line.
 *
 * @param governor the governor's name
 * @param at when the report was made, by the governor's clock
 * @param families one line per image family
 * @param rows one row per scale set discovered, managed or not, in id order
 * @param quarantined the quarantined versions, oldest first
 * @param drift the scale sets with instances off their model, at the last read
 * @param overdueDeferrals instances that waited for a deferral approval past the maximum (newest last)
 * @param rehearsals the last rehearsal of each family and ring
 * @param next what the governor will do next, soonest first (an unknown time last)
 */
public record EstateReport(String governor, Instant at, List<FamilyLine> families, List<Row> rows,
    List<QuarantineEntry> quarantined, List<Drift> drift, List<String> overdueDeferrals,
    List<RehearsalResult> rehearsals, List<Next> next) {

  /** Copies the lists. */
  public EstateReport {
    Require.nonBlank("governor", governor);
    Require.nonNull(at, "at");
    families = List.copyOf(Require.noNulls("families", families));
    rows = List.copyOf(Require.noNulls("rows", rows));
    quarantined = List.copyOf(Require.noNulls("quarantined", quarantined));
    drift = List.copyOf(Require.noNulls("drift", drift));
    overdueDeferrals = List.copyOf(Require.noNulls("overdueDeferrals", overdueDeferrals));
    rehearsals = List.copyOf(Require.noNulls("rehearsals", rehearsals));
    next = List.copyOf(Require.noNulls("next", next));
  }

  /** Where a scale set stands against its family. */
  public enum State {
    /** On the family's version, every instance on the model. */
    CURRENT,
    /** A ring of the running campaign is upgrading or soaking it now. */
    UPGRADING,
    /** A catch-up brings it to the version its ring took. */
    CATCHING_UP,
    /** Its ring has not taken the campaign's version yet. */
    PENDING_RING,
    /** Its ring may start, but its window is closed. */
    WAITING_WINDOW,
    /** Behind the version its ring took (joined late, drifted, replication pending): caught up in a window. */
    BEHIND,
    /** Left out of the campaign, with why (replication failed, readiness, mode). */
    EXCLUDED,
    /** Its catch-up failed; tried again later, with why. */
    BLOCKED,
    /** It runs a quarantined version; it moves on with the next trusted release. */
    ON_QUARANTINED,
    /** Not read yet. */
    UNKNOWN,
    /** In no ring, or following no declared family: the governor leaves it alone. */
    UNMANAGED
  }

  /**
   * One scale set against the family it follows.
   *
   * @param scaleSet the scale set
   * @param region its region
   * @param family the family it follows, or null (unmanaged)
   * @param ring its ring, or null (unmanaged)
   * @param mode how it is upgraded
   * @param current the version it runs (its model's when pinned, else its oldest instance's), or null if unknown
   * @param target the version the governor wants it on now or next, or null when there is none
   * @param state where it stands
   * @param why the reason behind the state (exclusion, block, wait), or empty
   * @param instances its instances at the last read
   * @param drifting its instances off the model at the last read
   * @param lastChangeAt when the governor last changed it, or null
   * @param lastChange what that was, or empty
   * @param nextWindow when its window opens next, or null when it is open now (or never opens)
   * @param windowOpen true when its window is open now
   */
  public record Row(ScaleSetId scaleSet, Region region, @Nullable String family, @Nullable String ring,
      GovernanceMode mode, @Nullable ImageVersion current, @Nullable ImageVersion target, State state, String why,
      int instances, int drifting, @Nullable Instant lastChangeAt, String lastChange, @Nullable Instant nextWindow,
      boolean windowOpen) {
    /** Validates and masks secrets in the free text. */
    public Row {
      Require.nonNull(scaleSet, "scaleSet");
      Require.nonNull(region, "region");
      Require.nonNull(mode, "mode");
      Require.nonNull(state, "state");
      why = Redaction.redact(Require.nonNull(why, "why"));
      Require.atLeast("instances", instances, 0);
      Require.atLeast("drifting", drifting, 0);
      lastChange = Redaction.redact(Require.nonNull(lastChange, "lastChange"));
    }
  }

  /**
   * One image family's campaigns.
   *
   * @param name the family's name
   * @param image the image it follows (without version)
   * @param completed the last version every ring took, or null
   * @param campaign the current or last campaign's version, or null
   * @param campaignStatus {@code RUNNING}, {@code COMPLETED}, {@code FAILED}, {@code SUPERSEDED}, or empty
   * @param ring the ring the running campaign is at, or null
   * @param newestKnown the newest release the catalog lists for the family's regions, or null
   * @param scaleSets how many managed scale sets follow it
   * @param current how many of them are current
   * @param failed versions whose campaign failed, each with why
   */
  public record FamilyLine(String name, String image, @Nullable ImageVersion completed,
      @Nullable ImageVersion campaign, String campaignStatus, @Nullable String ring, @Nullable ImageVersion newestKnown,
      int scaleSets, int current, Map<ImageVersion, String> failed) {
    /** Copies. */
    public FamilyLine {
      Require.nonBlank("name", name);
      Require.nonBlank("image", image);
      Require.nonNull(campaignStatus, "campaignStatus");
      Require.atLeast("scaleSets", scaleSets, 0);
      Require.atLeast("current", current, 0);
      failed = Collections.unmodifiableMap(new java.util.TreeMap<>(Require.noNulls("failed", failed)));
    }
  }

  /**
   * A scale set with instances off its model.
   *
   * @param scaleSet the scale set
   * @param drifting how many instances
   * @param instances of how many
   * @param readAt when it was read
   */
  public record Drift(ScaleSetId scaleSet, int drifting, int instances, @Nullable Instant readAt) {
    /** Validates. */
    public Drift {
      Require.nonNull(scaleSet, "scaleSet");
      Require.atLeast("drifting", drifting, 0);
      Require.atLeast("instances", instances, 0);
    }
  }

  /**
   * Something the governor will do.
   *
   * @param at when, or null when it waits for something without a known time
   * @param family the family, or {@code "*"}
   * @param what what, in words
   */
  public record Next(@Nullable Instant at, String family, String what) {
    /** Validates. */
    public Next {
      Require.nonBlank("family", family);
      what = Redaction.redact(Require.nonNull(what, "what"));
    }

    @Override
    public String toString() {
      return (at == null ? "(when ready)" : at.toString()) + " [" + family + "] " + what;
    }
  }

  /** @return how many scale sets are in each state */
  public Map<State, Integer> counts() {
    Map<State, Integer> out = new EnumMap<>(State.class);
    rows.forEach(r -> out.merge(r.state(), 1, Integer::sum));
    return Collections.unmodifiableMap(out);
  }

  /**
   * Finds a scale set's row.
   *
   * @param id the scale set
   * @return its row, if it was discovered
   */
  public Optional<Row> row(ScaleSetId id) {
    Require.nonNull(id, "id");
    return rows.stream().filter(r -> r.scaleSet().equals(id)).findFirst();
  }

  /** @return e.g. {@code EstateReport[estate at 2026-02-04T00:00:00Z: 300 scale sets {CURRENT=290, BEHIND=10}, ...]} */
  @Override
  public String toString() {
    return "EstateReport[" + governor + " at " + at + ": " + rows.size() + " scale sets " + counts() + ", "
        + quarantined.size() + " quarantined, " + drift.size() + " drifting, " + overdueDeferrals.size()
        + " overdue deferrals]";
  }

  /** @return the whole report as text: families, the version matrix, drift, deferrals, quarantine, rehearsals, next */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append("Estate report of governor ").append(governor).append(" at ").append(at).append(": ")
        .append(rows.size()).append(" scale sets ").append(counts().toString().toLowerCase(Locale.ROOT)).append('\n');
    b.append("\nFamilies\n");
    for (FamilyLine f : families) {
      b.append("  ").append(f.name()).append(" (").append(f.image()).append("): ").append(f.current()).append(" of ")
          .append(f.scaleSets()).append(" current on ").append(f.completed() == null ? "-" : f.completed());
      if (f.campaign() != null) {
        b.append("; campaign ").append(f.campaign()).append(' ').append(f.campaignStatus())
            .append(f.ring() == null ? "" : " at ring " + f.ring());
      }
      b.append("; newest known ").append(f.newestKnown() == null ? "-" : f.newestKnown()).append('\n');
      f.failed().forEach((v, why) -> b.append("    failed ").append(v).append(": ").append(why).append('\n'));
    }
    b.append("\nVersion matrix (scale set x family)\n");
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"scale set", "region", "ring", "family", "current", "target", "state", "last change",
        "next window"});
    for (Row r : rows) {
      table.add(new String[] {r.scaleSet().toString(), r.region().name(), orDash(r.ring()), orDash(r.family()),
          orDash(r.current()), orDash(r.target()), r.state().name().toLowerCase(Locale.ROOT).replace('_', ' ')
              + (r.why().isEmpty() ? "" : ": " + abbreviate(r.why(), 60)),
          r.lastChangeAt() == null ? "-" : r.lastChangeAt() + " " + abbreviate(r.lastChange(), 40),
          r.windowOpen() ? "open now" : r.nextWindow() == null ? "-" : r.nextWindow().toString()});
    }
    int[] width = new int[table.get(0).length];
    table.forEach(row -> {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    });
    for (String[] row : table) {
      StringBuilder line = new StringBuilder("  ");
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) {
          line.append(" ".repeat(width[i] - row[i].length() + 2));
        }
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    section(b, "Drift", drift.stream().map(d -> d.scaleSet() + ": " + d.drifting() + " of " + d.instances()
        + " instances off the model (read " + d.readAt() + ")").toList());
    section(b, "Overdue deferrals", overdueDeferrals);
    section(b, "Quarantined versions", quarantined.stream().map(QuarantineEntry::toString).toList());
    section(b, "Rehearsals", rehearsals.stream().map(r -> r + (r.plan().isEmpty() ? "" : "\n      plan: "
        + String.join("\n            ", r.plan().stream().limit(5).toList()) + (r.plan().size() > 5 ? "\n            ("
            + (r.plan().size() - 5) + " more)" : ""))).toList());
    section(b, "Next", next.stream().map(Next::toString).toList());
    return b.toString();
  }

  private static void section(StringBuilder b, String title, List<String> lines) {
    b.append('\n').append(title).append('\n');
    if (lines.isEmpty()) {
      b.append("  none\n");
    }
    lines.forEach(l -> b.append("  ").append(l).append('\n'));
  }

  private static String orDash(@Nullable Object o) {
    return o == null ? "-" : o.toString();
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
