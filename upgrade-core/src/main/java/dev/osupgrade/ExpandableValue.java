package dev.osupgrade;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A value of one of Azure's open enumerations: a set of documented values that a newer API version may extend (the
 * Azure SDK's {@code ExpandableStringEnum} idea). A value Azure sends that the library does not know is kept with
 * Azure's exact spelling instead of being guessed into a known one: {@link #isKnown()} says which is which, and
 * {@link #azureName()} gives the raw text either way. Code that decides something from such a value must treat an
 * unknown one as unknown (refuse, or look again), never as the nearest known value.
 *
 * <p>Known values are singletons (the subclass's constants), so {@code ==} works for them; {@link #equals} compares
 * the class and Azure's spelling ignoring case, as ARM does, and is the comparison to use.
 */
public abstract class ExpandableValue {
  /** The longest text accepted as an Azure value. */
  public static final int MAX_LENGTH = 128;

  private final String azureName;
  private final boolean known;

  /**
   * Creates a value.
   *
   * @param azureName Azure's spelling, already checked with {@link #azureText}
   * @param known whether it is one of the documented values
   */
  protected ExpandableValue(String azureName, boolean known) {
    this.azureName = Require.nonNull(azureName, "azureName");
    this.known = known;
  }

  /** @return Azure's spelling: the documented one for a known value, the text Azure sent for an unknown one */
  public final String azureName() {
    return azureName;
  }

  /** @return true for a value the library documents and acts on; false for one a newer API version added */
  public final boolean isKnown() {
    return known;
  }

  /**
   * Checks text that should hold one of Azure's enumeration values: the rule every {@code fromAzure} applies before
   * it looks the value up.
   *
   * @param parameter the parameter's name, for the message
   * @param text the text
   * @return the text without surrounding white space
   * @throws InvalidValueException when the text is null, blank, longer than {@value #MAX_LENGTH} characters or holds
   *     control characters
   */
  public static String azureText(String parameter, @Nullable String text) {
    String rule = "an Azure value: 1 to " + MAX_LENGTH + " characters, no control characters";
    if (text == null) {
      throw new InvalidValueException(parameter, rule, null);
    }
    String t = text.strip();
    if (t.isEmpty() || t.length() > MAX_LENGTH || t.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidValueException(parameter, rule, text.length() > MAX_LENGTH
          ? text.substring(0, MAX_LENGTH) + "…" : text);
    }
    return t;
  }

  /**
   * Looks text up among known values, keeping unknown text as a new value.
   *
   * @param parameter the parameter's name, for the message
   * @param text the text
   * @param known the documented values
   * @param unknown makes an unknown value from the checked text
   * @param <T> the value type
   * @return the known value spelled that way (ignoring case), else a new unknown value
   * @throws InvalidValueException as {@link #azureText}
   */
  protected static <T extends ExpandableValue> T parse(String parameter, @Nullable String text, List<T> known,
      Function<String, T> unknown) {
    String t = azureText(parameter, text);
    for (T value : known) {
      if (value.azureName().equalsIgnoreCase(t)) {
        return value;
      }
    }
    return unknown.apply(t);
  }

  @Override
  public final boolean equals(@Nullable Object o) {
    return o != null && o.getClass() == getClass() && ((ExpandableValue) o).azureName.equalsIgnoreCase(azureName);
  }

  @Override
  public final int hashCode() {
    return getClass().hashCode() * 31 + azureName.toLowerCase(Locale.ROOT).hashCode();
  }

  /** @return Azure's spelling, with {@code (unknown)} after a value the library does not know */
  @Override
  public String toString() {
    return known ? azureName : azureName + " (unknown)";
  }
}
