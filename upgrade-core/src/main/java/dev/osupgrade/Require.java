package dev.osupgrade;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Validation helpers shared by the domain types, so that every rejection reads the same way
 * ({@code <parameter> must be <rule>, but was <value>}) and is an {@link InvalidValueException}, null included.
 * Public so that adapters and user extensions can report bad input in the same words.
 */
public final class Require {
  /**
   * The earliest instant the library accepts: {@code 0001-01-01T00:00:00Z}, the start of the range of .NET's
   * {@code DateTime} that ARM's dates come from. Times before it (and {@link Instant#MIN}) are rejected rather than
   * carried into arithmetic that overflows.
   */
  public static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  /**
   * The latest instant the library accepts: {@code 9999-12-31T23:59:59.999999999Z}, the end of the range of .NET's
   * {@code DateTime}; far enough from {@link Instant#MAX} that adding any bounded duration of the library cannot
   * overflow.
   */
  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");
  /**
   * The longest time between two instants the library accepts ({@link #EARLIEST} to {@link #LATEST}): the bound of
   * durations measured between them (how long something took).
   */
  public static final Duration MAX_SPAN = Duration.between(EARLIEST, LATEST);
  /** The longest text the library accepts for a name, an id or a free-text field: 4,096 characters. */
  public static final int MAX_TEXT = 4096;

  private Require() {}

  /**
   * Rejects null.
   *
   * @param value the value
   * @param parameter its name
   * @param <T> its type
   * @return the value
   * @throws InvalidValueException if the value is null (rule {@code "non-null"})
   */
  public static <T> T nonNull(@Nullable T value, String parameter) {
    if (value == null) {
      throw new InvalidValueException(parameter, "non-null", null);
    }
    return value;
  }

  /**
   * Requires a non-null collection without null elements.
   *
   * @param parameter the parameter's name
   * @param value the collection
   * @param <C> its type
   * @return the collection
   */
  public static <C extends Collection<?>> C noNulls(String parameter, @Nullable C value) {
    nonNull(value, parameter);
    for (Object element : value) {
      if (element == null) {
        throw new InvalidValueException(parameter, "free of null elements", value);
      }
    }
    return value;
  }

  /**
   * Requires a non-null array without null elements.
   *
   * @param parameter the parameter's name
   * @param value the array
   * @param <T> its element type
   * @return the array
   */
  public static <T> T[] noNulls(String parameter, T @Nullable [] value) {
    nonNull(value, parameter);
    for (T element : value) {
      if (element == null) {
        throw new InvalidValueException(parameter, "free of null elements", java.util.Arrays.toString(value));
      }
    }
    return value;
  }

  /**
   * Requires a non-null map without null keys or values.
   *
   * @param parameter the parameter's name
   * @param value the map
   * @param <M> its type
   * @return the map
   */
  public static <M extends Map<?, ?>> M noNulls(String parameter, @Nullable M value) {
    nonNull(value, parameter);
    for (Map.Entry<?, ?> e : value.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new InvalidValueException(parameter, "free of null keys and values", value);
      }
    }
    return value;
  }

  /**
   * Requires a duration within bounds, both inclusive.
   *
   * @param parameter the parameter's name
   * @param value the value
   * @param min the shortest allowed
   * @param max the longest allowed
   * @return the value
   */
  public static Duration duration(String parameter, @Nullable Duration value, Duration min, Duration max) {
    nonNull(min, "min");
    nonNull(max, "max");
    nonNull(value, parameter);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidValueException(parameter, "between " + words(min) + " and " + words(max), value);
    }
    return value;
  }

  /**
   * Requires a positive duration no longer than {@code max}.
   *
   * @param parameter the parameter's name
   * @param value the value
   * @param max the longest allowed
   * @return the value
   */
  public static Duration positive(String parameter, @Nullable Duration value, Duration max) {
    nonNull(max, "max");
    positive(parameter, value);
    if (value.compareTo(max) > 0) {
      throw new InvalidValueException(parameter, "at most " + words(max), value);
    }
    return value;
  }

  /**
   * Requires a duration that is zero or positive and no longer than {@code max}.
   *
   * @param parameter the parameter's name
   * @param value the value
   * @param max the longest allowed
   * @return the value
   */
  public static Duration nonNegative(String parameter, @Nullable Duration value, Duration max) {
    nonNull(max, "max");
    nonNegative(parameter, value);
    if (value.compareTo(max) > 0) {
      throw new InvalidValueException(parameter, "at most " + words(max), value);
    }
    return value;
  }

  /**
   * Requires an instant the library can compute with: between {@link #EARLIEST} and {@link #LATEST}.
   *
   * @param parameter the parameter's name
   * @param value the value
   * @return the value
   */
  public static Instant instant(String parameter, @Nullable Instant value) {
    nonNull(value, parameter);
    if (value.isBefore(EARLIEST) || value.isAfter(LATEST)) {
      throw new InvalidValueException(parameter, "between " + EARLIEST + " and " + LATEST, value);
    }
    return value;
  }

  /**
   * Requires a finite number ({@code NaN} and the infinities are rejected).
   *
   * @param parameter the parameter's name
   * @param value the value
   * @return the value
   */
  public static double finite(String parameter, double value) {
    if (!Double.isFinite(value)) {
      throw new InvalidValueException(parameter, "a finite number", value);
    }
    return value;
  }

  /**
   * Requires a non-blank, single-line name of at most {@code maxLength} characters, without surrounding white space
   * or control characters: the shape of every identifier the library writes into a header, a file name or a log
   * line.
   *
   * @param parameter the parameter's name
   * @param value the value
   * @param maxLength the longest allowed
   * @return the value
   */
  public static String name(String parameter, @Nullable String value, int maxLength) {
    nonBlank(parameter, value);
    if (value.length() > maxLength) {
      throw new InvalidValueException(parameter, "at most " + maxLength + " characters", value);
    }
    if (!value.equals(value.strip())) {
      throw new InvalidValueException(parameter, "free of surrounding white space", value);
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new InvalidValueException(parameter, "free of control characters (line breaks, tabs)", value);
      }
    }
    return value;
  }

  /**
   * Requires a text of at most {@link #MAX_TEXT} characters (free text: a reason, a message, a description).
   *
   * @param parameter the parameter's name
   * @param value the value
   * @return the value
   */
  public static String text(String parameter, @Nullable String value) {
    nonNull(value, parameter);
    if (value.length() > MAX_TEXT) {
      throw new InvalidValueException(parameter, "at most " + MAX_TEXT + " characters", value);
    }
    return value;
  }

  private static String words(Duration d) {
    return Durations.words(d);
  }

  /**
   * Requires {@code min <= value <= max}.
   *
   * @param parameter the parameter's name
   * @param value the value
   * @param min the lowest allowed value
   * @param max the highest allowed value
   * @return the value
   */
  public static int inRange(String parameter, int value, int min, int max) {
    if (value < min || value > max) {
      throw new InvalidValueException(parameter, "in [" + min + ", " + max + "]", value);
    }
    return value;
  }

  /**
   * Requires {@code value >= min}.
   *
   * @param parameter the parameter's name
   * @param value the value
   * @param min the lowest allowed value
   * @return the value
   */
  public static int atLeast(String parameter, int value, int min) {
    if (value < min) {
      throw new InvalidValueException(parameter, ">= " + min, value);
    }
    return value;
  }

  /**
   * Requires a non-blank string.
   *
   * @param parameter the parameter's name
   * @param value the value
   * @return the value
   */
  public static String nonBlank(String parameter, @Nullable String value) {
    nonNull(value, parameter);
    if (value.isBlank()) {
      throw new InvalidValueException(parameter, "non-blank", value);
    }
    return value;
  }

  /**
   * Requires a duration that is zero or positive.
   *
   * @param parameter the parameter's name
   * @param value the value
   * @return the value
   */
  public static Duration nonNegative(String parameter, @Nullable Duration value) {
    nonNull(value, parameter);
    if (value.isNegative()) {
      throw new InvalidValueException(parameter, "zero or positive", value);
    }
    return value;
  }

  /**
   * Requires a strictly positive duration.
   *
   * @param parameter the parameter's name
   * @param value the value
   * @return the value
   */
  public static Duration positive(String parameter, @Nullable Duration value) {
    nonNull(value, parameter);
    if (value.isNegative() || value.isZero()) {
      throw new InvalidValueException(parameter, "positive", value);
    }
    return value;
  }

  /**
   * Requires a non-empty collection without null elements.
   *
   * @param parameter the parameter's name
   * @param value the collection
   * @param <C> its type
   * @return the collection
   */
  public static <C extends Collection<?>> C nonEmpty(String parameter, @Nullable C value) {
    noNulls(parameter, value);
    if (value.isEmpty()) {
      throw new InvalidValueException(parameter, "non-empty", value);
    }
    return value;
  }

  /**
   * Requires a condition, naming the rule when it does not hold.
   *
   * @param condition the condition
   * @param parameter the parameter's name
   * @param rule the rule, phrased to follow "must be"
   * @param value the value being checked
   */
  public static void that(boolean condition, String parameter, String rule, @Nullable Object value) {
    if (!condition) {
      throw new InvalidValueException(parameter, rule, value);
    }
  }
}
