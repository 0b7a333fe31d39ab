package dev.osupgrade;

import java.io.Serial;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Bad input: a value that breaks a documented rule. The message always reads
 * {@code <parameter> must be <rule>, but was <value>}, and the three parts are available separately so that a
 * caller (or a UI) can point at the offending field.
 *
 * <p>Thrown at construction time by every domain value and builder; nothing is changed when it is thrown.
 */
public final class InvalidValueException extends IllegalArgumentException {
  @Serial private static final long serialVersionUID = 1L;

  private final String parameter;
  private final String rule;
  private final @Nullable String value;

  /**
   * Creates the exception.
   *
   * @param parameter the name of the parameter or field, as the user spells it
   * @param rule what the value must be, e.g. {@code "in [5, 100]"}
   * @param value the rejected value, rendered as text ({@code null} when it was null)
   */
  public InvalidValueException(String parameter, String rule, @Nullable Object value) {
    super(Objects.requireNonNull(parameter, "parameter") + " must be " + Objects.requireNonNull(rule, "rule")
        + ", but was " + render(value));
    this.parameter = parameter;
    this.rule = rule;
    this.value = value == null ? null : String.valueOf(value);
  }

  private static String render(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    return value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
  }

  /** @return the name of the parameter that was rejected */
  public String parameter() {
    return parameter;
  }

  /** @return the rule the value broke, e.g. {@code "in [5, 100]"} */
  public String rule() {
    return rule;
  }

  /** @return the rejected value as text, or {@code null} if it was null */
  public @Nullable String value() {
    return value;
  }
}
