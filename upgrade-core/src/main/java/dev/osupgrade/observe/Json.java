package dev.osupgrade.observe;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One JSON object, written field by field: a name is written once (a repeated name is skipped, so the object stays
 * valid for strict parsers), a null value leaves its field out, a number that is not finite is written as
 * {@code null}, and strings are escaped by {@link #quote}.
 */
final class Json {
  private final StringBuilder b = new StringBuilder(256).append('{');
  private final Set<String> names = new HashSet<>();

  Json text(String name, @Nullable Object value) {
    if (value != null && names.add(name)) {
      name(name);
      quote(b, value.toString());
    }
    return this;
  }

  Json number(String name, long value) {
    if (names.add(name)) {
      name(name).append(value);
    }
    return this;
  }

  Json number(String name, double value) {
    if (names.add(name)) {
      name(name).append(number(value));
    }
    return this;
  }

  Json bool(String name, boolean value) {
    if (names.add(name)) {
      name(name).append(value);
    }
    return this;
  }

  Json texts(String name, List<String> values) {
    if (names.add(name)) {
      name(name).append('[');
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        quote(b, values.get(i));
      }
      b.append(']');
    }
    return this;
  }

  Json object(String name, @Nullable Json value) {
    if (value != null && names.add(name)) {
      name(name).append(value);
    }
    return this;
  }

  private StringBuilder name(String name) {
    if (b.length() > 1) {
      b.append(',');
    }
    quote(b, name);
    return b.append(':');
  }

  @Override
  public String toString() {
    return b + "}";
  }

  /** A finite number as JSON writes it (a whole number without a fraction), anything else as {@code null}. */
  static String number(double value) {
    if (!Double.isFinite(value)) {
      return "null";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }

  /**
   * Appends a string as a JSON string: quotes and backslashes escaped, every control character (U+0000 to U+001F,
   * and U+007F) as an escape, the line and paragraph separators U+2028 and U+2029 too (JavaScript reads them as line
   * ends), and a surrogate that is not half of a pair as its {@code \\uXXXX} escape, so that the output is valid
   * UTF-16 and survives any encoding into UTF-8. Everything else is written as it is.
   */
  static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
            escape(b, c);
          } else if (Character.isHighSurrogate(c)) {
            if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
              b.append(c).append(s.charAt(++i));
            } else {
              escape(b, c);
            }
          } else if (Character.isLowSurrogate(c)) {
            escape(b, c);
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static void escape(StringBuilder b, char c) {
    b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
  }
}
