package dev.osupgrade.rollout;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A rollout state's instances: an immutable {@link SortedMap} from instance id to progress in
 * {@link InstanceIds#ORDER}, held in two arrays. A step changes a few instances of a state and keeps the rest, so a
 * {@link Builder} shares the arrays of the state it starts from and copies the progress array (one reference per
 * instance) on its first change only; the id array is shared until an instance comes or goes (rare: max surge, late
 * joiners). A state that changed no instance shares the table of the state before.
 */
final class InstanceTable extends AbstractMap<String, InstanceProgress>
    implements SortedMap<String, InstanceProgress> {
  static final InstanceTable EMPTY = new InstanceTable(new String[0], new InstanceProgress[0]);

  private final String[] keys;
  private final InstanceProgress[] values;

  private InstanceTable(String[] keys, InstanceProgress[] values) {
    this.keys = keys;
    this.values = values;
  }

  /**
   * The table of a map's entries.
   *
   * @param map any map of instance progress, without null keys or values
   * @return {@code map} itself when it is a table already, otherwise a table of its entries
   */
  static InstanceTable copyOf(Map<String, InstanceProgress> map) {
    if (map instanceof InstanceTable table) {
      return table;
    }
    Require.noNulls("instances", map);
    if (map.isEmpty()) {
      return EMPTY;
    }
    TreeMap<String, InstanceProgress> sorted = new TreeMap<>(InstanceIds.ORDER);
    sorted.putAll(map);
    String[] k = new String[sorted.size()];
    InstanceProgress[] v = new InstanceProgress[sorted.size()];
    int i = 0;
    for (Map.Entry<String, InstanceProgress> e : sorted.entrySet()) {
      k[i] = e.getKey();
      v[i] = e.getValue();
      i++;
    }
    return new InstanceTable(k, v);
  }

  private static int indexOf(String[] keys, int size, @Nullable Object key) {
    if (!(key instanceof String id)) {
      return -1;
    }
    int lo = 0;
    int hi = size - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = compare(keys[mid], id);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -(lo + 1);
  }

  /** {@link InstanceIds#ORDER}, written out: shorter ids first, then the natural order. */
  private static int compare(String a, String b) {
    int byLength = Integer.compare(a.length(), b.length());
    return byLength != 0 ? byLength : a.compareTo(b);
  }

  @Override
  public @Nullable InstanceProgress get(@Nullable Object key) {
    int i = indexOf(keys, keys.length, key);
    return i >= 0 ? values[i] : null;
  }

  @Override
  public boolean containsKey(@Nullable Object key) {
    return indexOf(keys, keys.length, key) >= 0;
  }

  @Override
  public int size() {
    return keys.length;
  }

  @Override
  public boolean isEmpty() {
    return keys.length == 0;
  }

  @Override
  public Comparator<? super String> comparator() {
    return InstanceIds.ORDER;
  }

  @Override
  public String firstKey() {
    if (keys.length == 0) {
      throw new NoSuchElementException();
    }
    return keys[0];
  }

  @Override
  public String lastKey() {
    if (keys.length == 0) {
      throw new NoSuchElementException();
    }
    return keys[keys.length - 1];
  }

  @Override
  public SortedMap<String, InstanceProgress> subMap(String fromKey, String toKey) {
    return Collections.unmodifiableSortedMap(tree().subMap(fromKey, toKey));
  }

  @Override
  public SortedMap<String, InstanceProgress> headMap(String toKey) {
    return Collections.unmodifiableSortedMap(tree().headMap(toKey));
  }

  @Override
  public SortedMap<String, InstanceProgress> tailMap(String fromKey) {
    return Collections.unmodifiableSortedMap(tree().tailMap(fromKey));
  }

  private TreeMap<String, InstanceProgress> tree() {
    TreeMap<String, InstanceProgress> t = new TreeMap<>(InstanceIds.ORDER);
    for (int i = 0; i < keys.length; i++) {
      t.put(keys[i], values[i]);
    }
    return t;
  }

  @Override
  public Set<String> keySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<String> iterator() {
        return new ArrayIterator<>(keys, keys.length);
      }

      @Override
      public int size() {
        return keys.length;
      }

      @Override
      public boolean contains(@Nullable Object o) {
        return containsKey(o);
      }
    };
  }

  @Override
  public Collection<InstanceProgress> values() {
    return new AbstractCollection<>() {
      @Override
      public Iterator<InstanceProgress> iterator() {
        return new ArrayIterator<>(values, values.length);
      }

      @Override
      public int size() {
        return values.length;
      }

      @Override
      public Object[] toArray() {
        return Arrays.copyOf(values, values.length, Object[].class);
      }
    };
  }

  @Override
  public Set<Map.Entry<String, InstanceProgress>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, InstanceProgress>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < keys.length;
          }

          @Override
          public Map.Entry<String, InstanceProgress> next() {
            if (next >= keys.length) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new AbstractMap.SimpleImmutableEntry<>(keys[i], values[i]);
          }
        };
      }

      @Override
      public int size() {
        return keys.length;
      }
    };
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (o == this) {
      return true;
    }
    if (o instanceof InstanceTable t) {
      if (t.keys.length != keys.length) {
        return false;
      }
      for (int i = 0; i < keys.length; i++) {
        if (!keys[i].equals(t.keys[i]) || !(values[i] == t.values[i] || values[i].equals(t.values[i]))) {
          return false;
        }
      }
      return true;
    }
    return super.equals(o);
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (int i = 0; i < keys.length; i++) {
      h += keys[i].hashCode() ^ values[i].hashCode();
    }
    return h;
  }

  /** Iterates the first {@code size} elements of an array; read-only. */
  private static final class ArrayIterator<T> implements Iterator<T> {
    private final T[] array;
    private final int size;
    private int next;

    ArrayIterator(T[] array, int size) {
      this.array = array;
      this.size = size;
    }

    @Override
    public boolean hasNext() {
      return next < size;
    }

    @Override
    public T next() {
      if (next >= size) {
        throw new NoSuchElementException();
      }
      return array[next++];
    }
  }

  /**
   * The instances of a state being changed within one step: starts from a table and shares its arrays until the first
   * change. {@link #values()} reads the progress as it is now, also while the step changes it. An instance that comes
   * (rare: a start, max surge, late joiners) turns the builder into a tree map until {@link #build()}, so that adding
   * many costs {@code n log n}, not a copy of the arrays each.
   */
  static final class Builder {
    private InstanceTable source;
    private String[] keys;
    private InstanceProgress[] values;
    private @Nullable TreeMap<String, InstanceProgress> tree;
    private boolean ownValues;
    private boolean changed;

    Builder(InstanceTable source) {
      this.source = source;
      this.keys = source.keys;
      this.values = source.values;
    }

    @Nullable InstanceProgress get(String id) {
      if (tree != null) {
        return tree.get(id);
      }
      int i = indexOf(keys, keys.length, id);
      return i >= 0 ? values[i] : null;
    }

    void put(String id, InstanceProgress progress) {
      Require.nonNull(id, "instanceId");
      Require.nonNull(progress, "progress");
      if (tree == null) {
        int i = indexOf(keys, keys.length, id);
        if (i >= 0) {
          if (values[i] == progress) {
            return;
          }
          if (!ownValues) {
            values = values.clone();
            ownValues = true;
          }
          values[i] = progress;
          changed = true;
          return;
        }
        tree = new TreeMap<>(InstanceIds.ORDER);
        for (int k = 0; k < keys.length; k++) {
          tree.put(keys[k], values[k]);
        }
      }
      tree.put(id, progress);
      changed = true;
    }

    /** @return the progress of every instance, in id order, as it is now (a read-only view) */
    Collection<InstanceProgress> values() {
      return new AbstractCollection<>() {
        @Override
        public Iterator<InstanceProgress> iterator() {
          if (tree != null) {
            return Collections.unmodifiableCollection(tree.values()).iterator();
          }
          return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
              return next < values.length;
            }

            @Override
            public InstanceProgress next() {
              if (next >= values.length) {
                throw new NoSuchElementException();
              }
              return values[next++];
            }
          };
        }

        @Override
        public int size() {
          return tree != null ? tree.size() : values.length;
        }

        @Override
        public Object[] toArray() {
          return tree != null ? tree.values().toArray() : Arrays.copyOf(values, values.length, Object[].class);
        }
      };
    }

    /**
     * @return the progress of every instance, in id order, as it is now: a list later changes do not show in (the
     *     next change copies the array instead)
     */
    java.util.List<InstanceProgress> snapshot() {
      if (tree != null) {
        return java.util.List.copyOf(tree.values());
      }
      ownValues = false;
      return Collections.unmodifiableList(Arrays.asList(values));
    }

    /** @return the table as it is now; later changes do not show in it */
    InstanceTable build() {
      if (changed) {
        if (tree != null) {
          keys = tree.keySet().toArray(new String[0]);
          values = tree.values().toArray(new InstanceProgress[0]);
          tree = null;
        }
        source = new InstanceTable(keys, values);
        changed = false;
        ownValues = false; // the table shares the array now: the next change copies it
      }
      return Objects.requireNonNull(source);
    }
  }
}
