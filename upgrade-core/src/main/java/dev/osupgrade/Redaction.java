package dev.osupgrade;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Masks secrets in free text before it reaches a checkpoint, an event, an exception message or a log. The library
 * applies it wherever text it did not write itself (an error message from Azure, a reason from a gate) is kept;
 * it is public so that callers can mask their own log lines the same way.
 *
 * <table>
 *   <caption>What is masked</caption>
 *   <tr><th>secret</th><th>example</th><th>masked as</th></tr>
 *   <tr><td>an {@code Authorization} (or {@code Proxy-Authorization}) value, any scheme</td>
 *       <td>{@code Authorization: Bearer eyJ0…}</td><td>{@code Authorization: Bearer ***}</td></tr>
 *   <tr><td>a bearer token anywhere</td><td>{@code bearer 2YotnFZFEjr1zCsicMWpAA…}</td>
 *       <td>{@code bearer ***}</td></tr>
 *   <tr><td>a JSON Web Token (three base64url parts, the first {@code eyJ…})</td>
 *       <td>{@code eyJhbGci….eyJzdWIi….sig}</td><td>{@code eyJ***}</td></tr>
 *   <tr><td>a SAS signature ({@code sig}); the other SAS parameters ({@code sv}, {@code se}, {@code sp}, …) stay
 *       readable</td><td>{@code ?sv=2022-11-02&se=…&sig=abc%2B}</td>
 *       <td>{@code ?sv=2022-11-02&se=…&sig=***}</td></tr>
 *   <tr><td>connection-string keys and credentials in {@code key=value} or JSON form: {@code AccountKey},
 *       {@code SharedAccessKey}, {@code client_secret}, {@code password}, {@code pwd}, {@code access_token},
 *       {@code refresh_token}, {@code id_token}, {@code api_key}, {@code client_assertion}</td>
 *       <td>{@code AccountKey=abc==;}, {@code "password": "p w"}</td><td>{@code AccountKey=***;},
 *       {@code "password": "***"}</td></tr>
 *   <tr><td>a password in a URL</td><td>{@code https://user:pw@host}</td><td>{@code https://user:***@host}</td></tr>
 *   <tr><td>a key-like base64 string: 40 characters or more, padded with {@code =}</td>
 *       <td>an 88-character storage account key</td><td>{@code ***}</td></tr>
 * </table>
 *
 * <p>Left as they are: ARM resource ids, GUIDs, image versions, ETags, error codes such as
 * {@code AuthorizationFailed}, and prose such as "does not have authorization to perform action". Redaction is
 * idempotent: masking masked text changes nothing.
 */
public final class Redaction {
  /** What a secret is replaced with. */
  public static final String MASK = "***";

  private static final Pattern URL_PASSWORD =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]{1,20}://[^\\s/:@]{1,256}:)([^\\s/@]{1,1024})(@)");
  private static final Pattern AUTHORIZATION =
      Pattern.compile("(?i)(?<![A-Za-z0-9_-])(?:proxy-)?authorization[\"']?[ \\t]*[:=][ \\t]*([\"']?)");
  private static final List<String> SINGLE_TOKEN_SCHEMES = List.of("bearer", "basic", "sharedkey", "sharedkeylite",
      "sharedaccesssignature", "pop", "negotiate", "ntlm", "token", "apikey", "key", "hmac-sha256");
  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9_-]{0,30})[ \\t]+");
  private static final Pattern TOKEN = Pattern.compile("[^\\s\"',;]+");
  private static final Pattern BEARER = Pattern.compile("(?i)(?<![A-Za-z0-9_-])(bearer[ \\t]+)"
      + "(?!\\*\\*\\*)([A-Za-z0-9._~+/-]{16,}=*)");
  private static final Pattern JWT = Pattern.compile(
      "(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");
  private static final Pattern KEY_VALUE = Pattern.compile("(?i)(?<![A-Za-z0-9_-])(sig|accountkey|sharedaccesskey"
      + "|client_secret|clientsecret|client-secret|password|passwd|pwd|access_token|refresh_token|id_token"
      + "|api[_-]?key|client_assertion)(\"?[ \\t]*(?::|=|%3D)[ \\t]*)([\"']?)");
  private static final Pattern VALUE = Pattern.compile("[^\\s\"'&;,}<>]+");
  private static final Pattern BASE64_KEY =
      Pattern.compile("(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{38,}[A-Za-z0-9+/]={1,2}(?![A-Za-z0-9+/=_-])");

  private Redaction() {}

  /**
   * Masks the secrets in a text.
   *
   * @param text any text
   * @return the text with every secret replaced by {@link #MASK} (a hint of what it was is kept, e.g.
   *     {@code sig=***} or {@code Bearer ***}); the same string when there is nothing to mask
   * @throws InvalidValueException if {@code text} is null
   */
  public static String redact(String text) {
    Require.nonNull(text, "text");
    // Each pattern runs only on text that holds what it cannot match without (most text holds no secret at all).
    String out = text.contains("://") ? replaceGroup(text, URL_PASSWORD, 2) : text;
    out = containsIgnoreCase(out, "authorization") ? authorization(out) : out;
    out = containsIgnoreCase(out, "bearer") ? replaceGroup(out, BEARER, 2) : out;
    out = out.contains("eyJ") ? JWT.matcher(out).replaceAll("eyJ" + Matcher.quoteReplacement(MASK)) : out;
    out = mayHoldKeyValue(out) ? keyValues(out) : out;
    out = mayHoldBase64Key(out)
        ? BASE64_KEY.matcher(out).replaceAll(m -> m.group().length() % 4 == 0 ? MASK : m.group()) : out;
    return out;
  }

  /** Whether {@code text} holds {@code word} in any case ({@code word} in lower case, ASCII). */
  private static boolean containsIgnoreCase(String text, String word) {
    int n = word.length();
    char first = word.charAt(0);
    for (int i = 0, last = text.length() - n; i <= last; i++) {
      char c = text.charAt(i);
      if ((c == first || Character.toLowerCase(c) == first) && text.regionMatches(true, i, word, 0, n)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A {@link #KEY_VALUE} needs a separator ({@code :}, {@code =} or {@code %3D}) and one of these words: {@code sig},
   * {@code key}, {@code secret}, {@code pass}, {@code pwd}, {@code token}, {@code assertion} (every name it knows holds
   * one), in any case.
   */
  private static boolean mayHoldKeyValue(String text) {
    if (text.indexOf('=') < 0 && text.indexOf(':') < 0 && text.indexOf('%') < 0) {
      return false;
    }
    for (int i = 0, n = text.length(); i < n; i++) {
      boolean found = switch (Character.toLowerCase(text.charAt(i))) {
        case 's' -> text.regionMatches(true, i, "sig", 0, 3) || text.regionMatches(true, i, "secret", 0, 6);
        case 'k' -> text.regionMatches(true, i, "key", 0, 3);
        case 'p' -> text.regionMatches(true, i, "pass", 0, 4) || text.regionMatches(true, i, "pwd", 0, 3);
        case 't' -> text.regionMatches(true, i, "token", 0, 5);
        case 'a' -> text.regionMatches(true, i, "assertion", 0, 9);
        default -> false;
      };
      if (found) {
        return true;
      }
    }
    return false;
  }

  /** A {@link #BASE64_KEY} needs at least 39 base64 characters in a row, then {@code '='}. */
  private static boolean mayHoldBase64Key(String text) {
    int run = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '=' && run >= 39) {
        return true;
      }
      boolean base64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
          || c == '/';
      run = base64 ? run + 1 : 0;
    }
    return false;
  }

  /**
   * Says whether a text holds something {@link #redact} would mask.
   *
   * @param text any text
   * @return true when redacting it changes it
   */
  public static boolean containsSecret(String text) {
    return !redact(text).equals(text);
  }

  /**
   * The cause to keep in an exception: the same throwable when no text in its chain holds a secret, otherwise a copy
   * of the chain whose messages are masked (each copy names the original class and keeps its stack trace).
   */
  static @Nullable Throwable scrub(@Nullable Throwable cause) {
    if (cause == null || !chainHoldsSecret(cause, 0)) {
      return cause;
    }
    return copy(cause, 0);
  }

  private static boolean chainHoldsSecret(Throwable t, int depth) {
    if (depth > 32) {
      return false;
    }
    if (!(t instanceof OsUpgradeException) && containsSecret(String.valueOf(t))) {
      return true;
    }
    Throwable next = t.getCause();
    return next != null && next != t && chainHoldsSecret(next, depth + 1);
  }

  private static Throwable copy(Throwable t, int depth) {
    if (t instanceof OsUpgradeException) {
      return t; // its message was masked when it was made
    }
    Throwable next = t.getCause();
    Throwable cause = next == null || next == t || depth > 32 ? null : copy(next, depth + 1);
    RedactedThrowable copy = new RedactedThrowable(t.getClass().getName(),
        redact(String.valueOf(t.getMessage())), cause);
    copy.setStackTrace(t.getStackTrace());
    return copy;
  }

  private static String replaceGroup(String text, Pattern pattern, int group) {
    Matcher m = pattern.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int last = 0;
    do {
      out.append(text, last, m.start(group)).append(MASK);
      last = m.end(group);
    } while (m.find());
    return out.append(text, last, text.length()).toString();
  }

  /** {@code Authorization: <scheme> <credential>}: a known scheme stays readable, the rest of the value is masked. */
  private static String authorization(String text) {
    Matcher m = AUTHORIZATION.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int last = 0;
    do {
      int from = m.end();
      if (from < last) {
        continue;
      }
      String quote = m.group(1);
      out.append(text, last, from);
      int valueStart = from;
      Matcher scheme = SCHEME.matcher(text).region(from, text.length());
      boolean singleToken = false;
      if (scheme.lookingAt()) {
        String name = scheme.group(1).toLowerCase(Locale.ROOT);
        if (SINGLE_TOKEN_SCHEMES.contains(name) || name.equals("digest")) {
          out.append(text, from, scheme.end());
          valueStart = scheme.end();
          singleToken = !name.equals("digest");
        }
      }
      int valueEnd;
      if (singleToken) {
        Matcher token = TOKEN.matcher(text).region(valueStart, text.length());
        valueEnd = token.lookingAt() ? token.end() : valueStart;
      } else {
        valueEnd = endOfValue(text, valueStart, quote);
      }
      if (valueEnd > valueStart) {
        out.append(MASK);
      }
      last = valueEnd;
    } while (m.find());
    return out.append(text, last, text.length()).toString();
  }

  /** The end of a header value: its closing quote, or the end of the line. */
  private static int endOfValue(String text, int from, String quote) {
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\r' || (!quote.isEmpty() && c == quote.charAt(0))) {
        return i;
      }
    }
    return text.length();
  }

  /** {@code name=value}, {@code name: value} and {@code "name": "value with spaces"}. */
  private static String keyValues(String text) {
    Matcher m = KEY_VALUE.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int last = 0;
    do {
      int from = m.end();
      if (m.start() < last) {
        continue;
      }
      out.append(text, last, from);
      String quote = m.group(3);
      int end;
      if (!quote.isEmpty()) {
        int close = text.indexOf(quote.charAt(0), from);
        end = close < 0 ? endOfValue(text, from, "") : close;
      } else {
        Matcher value = VALUE.matcher(text).region(from, text.length());
        end = value.lookingAt() ? value.end() : from;
      }
      if (end > from) {
        out.append(MASK);
      }
      last = end;
    } while (m.find());
    return out.append(text, last, text.length()).toString();
  }

  /** A throwable whose text held a secret, copied with its message masked. */
  private static final class RedactedThrowable extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String originalClass;

    RedactedThrowable(String originalClass, String message, @Nullable Throwable cause) {
      super(message, cause);
      this.originalClass = originalClass;
    }

    @Override
    public String toString() {
      return originalClass + " (redacted): " + getMessage();
    }
  }
}
