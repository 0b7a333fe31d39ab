package dev.osupgrade;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * Bad input: a value that breaks a documented rule. The message always reads
 * {@code <parameter> must be <rule>, but was <value>}, and the three parts are available separately so that a
 * caller (or a UI) can point at the offending field.
 *
 * <p>Thrown at construction time by every domain value and builder, and by every public method for a null,
 * out-of-range or absurd argument; nothing is changed when it is thrown. The value is shown {@linkplain Redaction
 * redacted}, with control characters escaped and cut after {@value #SHOWN} characters, so that a hostile value
 * cannot forge a log line or flood it.
 */
public final class InvalidValueException extends IllegalArgumentException {
  @Serial private static final long serialVersionUID = 1L;

  /** How many characters of a rejected value the message shows. */
  public static final int SHOWN = 200;

  private final String parameter;
  private final String rule;
  private final @Nullable String value;

  /**
   * Creates the exception.
   *
   * @param parameter the name of the parameter or field, as the user spells it
   * @param rule what the value must be, e.g. {@code "in [5, 100]"}
   * @param value the rejected value, rendered as text ({@code null} when it was null)
   * @throws InvalidValueException naming {@code parameter} or {@code rule} if either is null
   */
  public InvalidValueException(@Nullable String parameter, @Nullable String rule, @Nullable Object value) {
    super(message(parameter, rule, value));
    this.parameter = parameter;
    this.rule = rule;
    this.value = value == null ? null : Redaction.redact(text(value));
  }

  private static String message(@Nullable String parameter, @Nullable String rule, @Nullable Object value) {
    if (parameter == null) {
      throw new InvalidValueException("parameter", "non-null", null);
    }
    if (rule == null) {
      throw new InvalidValueException("rule", "non-null", null);
    }
    return Redaction.redact(parameter) + " must be " + Redaction.redact(rule) + ", but was " + render(value);
  }

  /** A value as text: a duration in the one style of {@link Durations} (exact), anything else as it prints. */
  private static String text(Object value) {
    return value instanceof java.time.Duration d ? Durations.exact(d) : String.valueOf(value);
  }

  private static String render(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    String text = Redaction.redact(text(value));
    StringBuilder b = new StringBuilder(Math.min(text.length(), SHOWN) + 24);
    for (int i = 0; i < text.length() && i < SHOWN; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (Character.isISOControl(c)) {
            b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    if (text.length() > SHOWN) {
      b.append("…(").append(text.length()).append(" characters)");
    }
    return value instanceof CharSequence ? "'" + b + "'" : b.toString();
  }

  /** @return the name of the parameter that was rejected */
  public String parameter() {
    return parameter;
  }

  /** @return the rule the value broke, e.g. {@code "in [5, 100]"} */
  public String rule() {
    return rule;
  }

  /** @return the rejected value as text ({@linkplain Redaction redacted}), or {@code null} if it was null */
  public @Nullable String value() {
    return value;
  }
}
