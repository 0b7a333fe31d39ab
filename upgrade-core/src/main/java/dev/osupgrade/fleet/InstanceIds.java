package dev.osupgrade.fleet;

import dev.osupgrade.Require;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Ordering and formatting of instance ids: numeric ids sort as numbers ({@code 2 < 10}), others by text. */
public final class InstanceIds {
  private InstanceIds() {}

  /** Orders ids naturally: shorter numeric ids first, then by text. */
  public static final Comparator<String> ORDER =
      Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder());

  /**
   * Sorts ids naturally.
   *
   * @param ids the ids, none null
   * @return a new sorted, unmodifiable list
   */
  public static List<String> sorted(Collection<String> ids) {
    return Require.noNulls("ids", ids).stream().sorted(ORDER).toList();
  }

  /**
   * Formats ids compactly for log lines: {@code [0, 1, 2, …+7]} beyond eight ids.
   *
   * @param ids the ids, none null
   * @return the text
   */
  public static String format(Collection<String> ids) {
    List<String> sorted = sorted(ids);
    if (sorted.size() <= 8) {
      return sorted.toString();
    }
    return "[" + String.join(", ", sorted.subList(0, 6)) + ", …+" + (sorted.size() - 6) + "]";
  }
}
