package dev.osupgrade.health;

import dev.osupgrade.Require;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An immutable set of strings in their natural order, held in one sorted array: what a {@link GateContext} keeps of
 * the instances upgraded and failed. A context made from another ({@link GateContext#withWaits}) keeps the same set
 * instead of sorting it again.
 */
final class SortedStrings extends AbstractSet<String> {
  private final String[] sorted;

  private SortedStrings(String[] sorted) {
    this.sorted = sorted;
  }

  /**
   * The set of a set's strings.
   *
   * @param parameter the parameter's name, for the error
   * @param strings the strings, none null
   * @return {@code strings} itself when it is one already, otherwise a sorted copy
   */
  static Set<String> copyOf(String parameter, Set<String> strings) {
    if (strings instanceof SortedStrings already) {
      return already;
    }
    // Sorted as an Object[], the array type the JDK's own sorts of collections pass (a String[] here made C2 give up
    // its compiled sort and compile it again, over and over, as the two kinds of array alternated), then typed.
    Object[] a = Require.noNulls(parameter, strings).toArray();
    Arrays.sort(a);
    return new SortedStrings(Arrays.copyOf(a, a.length, String[].class));
  }

  @Override
  public boolean contains(@Nullable Object o) {
    return o instanceof String s && Arrays.binarySearch(sorted, s) >= 0;
  }

  @Override
  public int size() {
    return sorted.length;
  }

  @Override
  public Iterator<String> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < sorted.length;
      }

      @Override
      public String next() {
        if (next >= sorted.length) {
          throw new NoSuchElementException();
        }
        return sorted[next++];
      }
    };
  }

  @Override
  public Object[] toArray() {
    return Arrays.copyOf(sorted, sorted.length, Object[].class);
  }
}
