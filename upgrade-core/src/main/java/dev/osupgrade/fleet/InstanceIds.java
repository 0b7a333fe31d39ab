package dev.osupgrade.fleet;

import dev.osupgrade.Require;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Ordering and formatting of instance ids: numeric ids sort as numbers ({@code 2 < 10}), others by text. */
public final class InstanceIds {
  private InstanceIds() {}

  /** Orders ids naturally: shorter numeric ids first, then by text. */
  public static final Comparator<String> ORDER = InstanceIds::compare;

  /** {@link #ORDER}: by length, then by text (written out: it is asked for every lookup of an instance). */
  private static int compare(String a, String b) {
    int byLength = Integer.compare(a.length(), b.length());
    return byLength != 0 ? byLength : a.compareTo(b);
  }

  /**
   * Sorts ids naturally.
   *
   * @param ids the ids, none null
   * @return a new sorted, unmodifiable list
   */
  public static List<String> sorted(Collection<String> ids) {
    return Require.noNulls("ids", ids).stream().sorted(ORDER).toList();
  }

  /** The longest instance id {@link #require} accepts: Azure's longest VM name. */
  public static final int MAX_LENGTH = 64;

  /**
   * Requires an instance id that can name one instance in a request: in Uniform orchestration Azure's ids are
   * decimal numbers, in Flexible orchestration VM names. It is sent as one segment of a resource path
   * ({@code …/virtualMachines/{instanceId}}), so it must be a name of at most {@value #MAX_LENGTH} characters without
   * surrounding white space or control characters (see {@link Require#name}), free of {@code '/'}, {@code '\'},
   * {@code '?'}, {@code '#'}, {@code '%'} and white space, and must not end in {@code '.'} (so {@code "."} and
   * {@code ".."} are refused).
   *
   * @param parameter the parameter's name, for the error
   * @param value the id
   * @return the id
   * @throws dev.osupgrade.InvalidValueException naming the rule it breaks
   */
  public static String require(String parameter, @Nullable String value) {
    Require.name(parameter, value, MAX_LENGTH);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '/' || c == '\\' || c == '?' || c == '#' || c == '%' || Character.isWhitespace(c)) {
        throw new dev.osupgrade.InvalidValueException(parameter,
            "one path segment: free of '/', '\\', '?', '#', '%' and white space", value);
      }
    }
    Require.that(!value.endsWith("."), parameter, "an id that does not end in '.' (so not '.' or '..')", value);
    return value;
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
