package dev.osupgrade.azure;

import dev.osupgrade.fleet.ScaleSetId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Names and texts as {@link BlobRolloutStore} writes them: one blob name per scale set, and metadata values (which
 * travel as HTTP headers, so ASCII only). Both escape every byte outside a small safe set, including the escape
 * character itself, so that different inputs never give the same output.
 */
final class BlobNames {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private BlobNames() {}

  /**
   * The blob of a scale set: {@code prefix + subscription/resourceGroup/name.checkpoint}, all lower case (ARM
   * compares all three case-insensitively), each part escaped ({@code ~XX} per UTF-8 byte: URL-safe, so the name
   * is the same in a URL and in a listing) so that it never contains a {@code /} and never ends with a dot (URLs
   * drop trailing dots of a path's segments).
   *
   * @param prefix the store's prefix
   * @param id the scale set
   * @return the blob name
   */
  static String blobOf(String prefix, ScaleSetId id) {
    return prefix + segment(id.subscriptionId()) + "/" + segment(id.resourceGroup()) + "/" + segment(id.name())
        + ".checkpoint";
  }

  /**
   * The scale set's id as the blob's metadata records it: its ARM id, lower case, encoded.
   *
   * @param id the scale set
   * @return the metadata value
   */
  static String idOf(ScaleSetId id) {
    return value(id.armId().toLowerCase(Locale.ROOT));
  }

  private static String segment(String part) {
    String lower = part.toLowerCase(Locale.ROOT);
    StringBuilder b = new StringBuilder();
    byte[] bytes = lower.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int x = bytes[i] & 0xff;
      boolean last = i == bytes.length - 1;
      if (isAlphaNum(x) || x == '-' || x == '_' || (x == '.' && !last)) {
        b.append((char) x);
      } else {
        b.append('~').append(HEX[x >> 4]).append(HEX[x & 0xf]);
      }
    }
    return b.toString();
  }

  /**
   * Encodes a text for a metadata value: letters, digits and {@code . _ ~ -} stay, every other UTF-8 byte becomes
   * {@code %XX}.
   *
   * @param text any text
   * @return printable ASCII without spaces
   */
  static String value(String text) {
    StringBuilder b = new StringBuilder();
    for (byte y : text.getBytes(StandardCharsets.UTF_8)) {
      int x = y & 0xff;
      if (isAlphaNum(x) || x == '.' || x == '_' || x == '~' || x == '-') {
        b.append((char) x);
      } else {
        b.append('%').append(HEX[x >> 4]).append(HEX[x & 0xf]);
      }
    }
    return b.toString();
  }

  /**
   * Decodes {@link #value}.
   *
   * @param encoded a metadata value
   * @return the text
   * @throws IllegalArgumentException if it is not an encoded text
   */
  static String text(String encoded) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%') {
        if (i + 2 >= encoded.length()) {
          throw new IllegalArgumentException("truncated escape in '" + encoded + "'");
        }
        out.write(Integer.parseInt(encoded.substring(i + 1, i + 3), 16));
        i += 2;
      } else if (c < 0x80) {
        out.write(c);
      } else {
        throw new IllegalArgumentException("non-ASCII character in '" + encoded + "'");
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean isAlphaNum(int x) {
    return (x >= 'a' && x <= 'z') || (x >= 'A' && x <= 'Z') || (x >= '0' && x <= '9');
  }
}
