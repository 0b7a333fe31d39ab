package dev.osupgrade.testkit;

import java.util.AbstractList;
import java.util.Arrays;

/**
 * The fleet's log: its lines in order, the oldest dropped once more than {@link FleetRetention#logLines()} are held
 * (a ring over one array, so a bounded log costs nothing per line beyond the line).
 */
final class FleetLog extends AbstractList<String> {
  private String[] lines = new String[16];
  private int head;
  private int size;
  private int limit = Integer.MAX_VALUE;
  private long dropped;

  /** Keeps at most {@code limit} lines from now on, dropping the oldest beyond it at once. */
  void limit(int limit) {
    this.limit = limit;
    if (size > limit) {
      dropped += size - limit;
      compact(limit, size - limit);
    }
  }

  /** @return how many lines were dropped to stay within the limit */
  long dropped() {
    return dropped;
  }

  @Override
  public boolean add(String line) {
    if (size == limit) {
      if (lines.length != limit) {
        compact(limit, 0);
      }
      lines[head] = line;
      head = (head + 1) % lines.length;
      dropped++;
      modCount++;
      return true;
    }
    if (size == lines.length) {
      compact((int) Math.min(limit, Math.max(16L, lines.length * 2L)), 0);
    }
    lines[(head + size) % lines.length] = line;
    size++;
    modCount++;
    return true;
  }

  @Override
  public String get(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("index " + index + ", size " + size);
    }
    return lines[(head + index) % lines.length];
  }

  @Override
  public int size() {
    return size;
  }

  /** Copies the lines from {@code skip} on, in order, into a new array of {@code capacity}. */
  private void compact(int capacity, int skip) {
    String[] copy = new String[capacity];
    int kept = size - skip;
    for (int k = 0; k < kept; k++) {
      copy[k] = lines[(head + skip + k) % lines.length];
    }
    Arrays.fill(lines, null);
    lines = copy;
    head = 0;
    size = kept;
    modCount++;
  }
}
