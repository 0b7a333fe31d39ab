package dev.osupgrade;

import java.time.Duration;
import java.util.Collection;
import java.util.Objects;

/**
 * Validation helpers shared by the domain types, so that every rejection reads the same way
 * ({@code <parameter> must be <rule>, but was <value>}). Public so that adapters and user extensions can report
 * bad input in the same words.
 */
public final class Require {
  private Require() {}

  /**
   * Rejects null.
   *
   * @param value the value
   * @param parameter its name
   * @param <T> its type
   * @return the value
   */
  public static <T> T nonNull(T value, String parameter) {
    return Objects.requireNonNull(value, () -> parameter + " must not be null");
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
  public static String nonBlank(String parameter, String value) {
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
  public static Duration nonNegative(String parameter, Duration value) {
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
  public static Duration positive(String parameter, Duration value) {
    nonNull(value, parameter);
    if (value.isNegative() || value.isZero()) {
      throw new InvalidValueException(parameter, "positive", value);
    }
    return value;
  }

  /**
   * Requires a non-empty collection.
   *
   * @param parameter the parameter's name
   * @param value the collection
   * @param <C> its type
   * @return the collection
   */
  public static <C extends Collection<?>> C nonEmpty(String parameter, C value) {
    nonNull(value, parameter);
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
  public static void that(boolean condition, String parameter, String rule, Object value) {
    if (!condition) {
      throw new InvalidValueException(parameter, rule, value);
    }
  }
}
