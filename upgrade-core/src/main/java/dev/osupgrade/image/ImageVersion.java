package dev.osupgrade.image;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;

/**
 * A concrete image version, totally ordered: marketplace versions such as {@code 22.04.202407010} and gallery
 * versions such as {@code 1.2.3}. Each part is compared as a number, so {@code 1.10.0 > 1.9.0} and
 * {@code 22.04.1} equals {@code 22.4.1}; {@link #toString()} keeps the text as it was written.
 *
 * <p>{@code latest} is not a version: it is a property of an {@link ImageReference} ({@link ImageReference#isLatest()}).
 */
public final class ImageVersion implements Comparable<ImageVersion> {
  private static final int MAX_PARTS = 4;
  private static final int MAX_DIGITS = 18;

  private final String text;
  private final long[] parts;
  /** {@link #hashCode()}: equal versions (trailing zeros aside) hash alike. */
  private final int hash;

  private ImageVersion(String text, long[] parts) {
    this.text = text;
    this.parts = parts;
    int end = parts.length;
    while (end > 0 && parts[end - 1] == 0) {
      end--;
    }
    int h = 1; // Arrays.hashCode of the parts without trailing zeros
    for (int i = 0; i < end; i++) {
      h = 31 * h + Long.hashCode(parts[i]);
    }
    this.hash = h;
  }

  /**
   * Parses a version.
   *
   * @param text one to four dot-separated non-negative integers
   * @return the version
   * @throws InvalidValueException naming the rule when the text is not a version (including {@code "latest"})
   */
  public static ImageVersion parse(String text) {
    Require.nonNull(text, "version");
    String rule = "1 to 4 dot-separated non-negative integers such as 1.2.3 or 22.04.202407010";
    if (text.equalsIgnoreCase("latest")) {
      throw new InvalidValueException("version", rule
          + " ('latest' is not a version: use ImageReference.withLatest())", text);
    }
    String[] raw = text.split("\\.", -1);
    if (raw.length > MAX_PARTS || text.isEmpty()) {
      throw new InvalidValueException("version", rule, text);
    }
    long[] parts = new long[raw.length];
    for (int i = 0; i < raw.length; i++) {
      String p = raw[i];
      if (p.isEmpty() || p.length() > MAX_DIGITS || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new InvalidValueException("version", rule, text);
      }
      parts[i] = Long.parseLong(p);
    }
    return new ImageVersion(text, parts);
  }

  /**
   * Shorthand for {@link #parse(String)}.
   *
   * @param text the version's text
   * @return the version
   */
  public static ImageVersion of(String text) {
    return parse(text);
  }

  /** @return the number of dot-separated parts */
  public int size() {
    return parts.length;
  }

  /**
   * Returns one part as a number.
   *
   * @param index zero-based
   * @return the part
   */
  public long part(int index) {
    return parts[Require.inRange("index", index, 0, parts.length - 1)];
  }

  /**
   * Compares this version with another.
   *
   * @param other the other version
   * @return true if this version is strictly newer
   */
  public boolean isNewerThan(ImageVersion other) {
    Require.nonNull(other, "other");
    return compareTo(other) > 0;
  }

  @Override
  public int compareTo(ImageVersion other) {
    int n = Math.max(parts.length, other.parts.length);
    for (int i = 0; i < n; i++) {
      long a = i < parts.length ? parts[i] : 0;
      long b = i < other.parts.length ? other.parts[i] : 0;
      if (a != b) {
        return Long.compare(a, b);
      }
    }
    return 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageVersion v && compareTo(v) == 0;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return text;
  }
}
