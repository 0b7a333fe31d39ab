package dev.osupgrade.testkit;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;
import java.util.AbstractList;
import java.util.Arrays;

/**
 * The fleet's log: its lines in order, the oldest dropped once more than {@link FleetRetention#logLines()} are held
 * (a ring over one array, so a bounded log costs nothing per line beyond the line). A line about a scale set is
 * written out when it is first read: a bounded log drops most lines of a large simulation unread, and their text
 * would cost more than everything else the line stands for.
 */
final class FleetLog extends AbstractList<String> {
  /** Each line: its text, or a {@link Pending} line not read yet. */
  private Object[] lines = new Object[16];
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

  /** A line about one scale set, its text not written yet: {@code <at> <scale set> <what>}. */
  private record Pending(Instant at, ScaleSetId id, String what) {
    String text() {
      return at + " " + id + " " + what;
    }
  }

  /**
   * Adds {@code "<at> <id> <what>"}, written out when first read.
   *
   * @param at when
   * @param id the scale set
   * @param what the rest of the line, masked already
   */
  void add(Instant at, ScaleSetId id, String what) {
    append(new Pending(at, id, what));
  }

  /** A line about one scale set whose text is not even put together yet: {@code <at> <scale set> <what>}, masked. */
  private record Deferred(Instant at, ScaleSetId id, java.util.function.Supplier<String> what) {
    String text() {
      return at + " " + id + " " + dev.osupgrade.Redaction.redact(what.get());
    }
  }

  /**
   * Adds {@code "<at> <id> <what>"}, {@code what} put together and masked when the line is first read (most lines of
   * a bounded log are dropped unread). The supplier must give the same text whenever it is asked.
   *
   * @param at when
   * @param id the scale set
   * @param what the rest of the line, not masked yet
   */
  void addLater(Instant at, ScaleSetId id, java.util.function.Supplier<String> what) {
    append(new Deferred(at, id, what));
  }

  @Override
  public boolean add(String line) {
    return append(line);
  }

  private boolean append(Object line) {
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
    int at = (head + index) % lines.length;
    Object line = lines[at];
    if (line instanceof Pending p) {
      String text = p.text();
      lines[at] = text; // written once
      return text;
    }
    if (line instanceof Deferred p) {
      String text = p.text();
      lines[at] = text;
      return text;
    }
    return (String) line;
  }

  @Override
  public int size() {
    return size;
  }

  /** Copies the lines from {@code skip} on, in order, into a new array of {@code capacity}. */
  private void compact(int capacity, int skip) {
    Object[] copy = new Object[capacity];
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
