package dev.osupgrade.governance;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The environment a scale set serves. The caller says which one (the scale set model does not): pass it in, or
 * read it from the scale set's tags with {@link #fromTags(Map)}. Governance is strictest for {@link #PRODUCTION},
 * and a scale set whose environment is not known counts as production.
 */
public enum Environment {
  /** Developers' own scale sets. */
  DEVELOPMENT,
  /** Test and CI scale sets. */
  TEST,
  /** Staging or pre-production: production-like, but not serving customers. */
  STAGING,
  /** Serving customers. */
  PRODUCTION;

  /**
   * The environment a scale set is marked with by its tags ({@link #fromTags(Map)}); unmarked means production.
   *
   * @param scaleSet the scale set
   * @return its environment
   */
  public static Environment of(dev.osupgrade.fleet.ScaleSet scaleSet) {
    return fromTags(Require.nonNull(scaleSet, "scaleSet").tags());
  }

  /** The tag keys {@link #fromTags(Map)} looks at, in order. */
  public static final List<String> TAG_KEYS = List.of("environment", "env", "stage");

  /** @return true for {@link #PRODUCTION} */
  public boolean isProduction() {
    return this == PRODUCTION;
  }

  /**
   * Parses the usual spellings: {@code prod}, {@code production}, {@code prd}, {@code live}; {@code staging},
   * {@code stage}, {@code preprod}, {@code uat}; {@code test}, {@code qa}, {@code ci}; {@code dev},
   * {@code development}, {@code sandbox}. Case does not matter.
   *
   * @param text the text
   * @return the environment
   * @throws InvalidValueException for anything else
   */
  public static Environment parse(String text) {
    Require.nonBlank("environment", text);
    switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "prod":
      case "production":
      case "prd":
      case "live":
        return PRODUCTION;
      case "staging":
      case "stage":
      case "preprod":
      case "pre-production":
      case "uat":
        return STAGING;
      case "test":
      case "testing":
      case "qa":
      case "ci":
        return TEST;
      case "dev":
      case "development":
      case "sandbox":
        return DEVELOPMENT;
      default:
        throw new InvalidValueException("environment",
            "one of prod/production/prd/live, staging/stage/preprod/uat, test/qa/ci, dev/development/sandbox", text);
    }
  }

  /**
   * Reads the environment from a scale set's tags: the first of {@link #TAG_KEYS} present (keys compare without
   * case). No such tag, or a value that is not an environment, means {@link #PRODUCTION}: governance fails safe.
   *
   * @param tags the scale set's tags
   * @return the environment
   */
  public static Environment fromTags(Map<String, String> tags) {
    Require.noNulls("tags", tags);
    for (String key : TAG_KEYS) {
      for (Map.Entry<String, String> e : tags.entrySet()) {
        if (e.getKey().strip().equalsIgnoreCase(key) && e.getValue() != null && !e.getValue().isBlank()) {
          try {
            return parse(e.getValue());
          } catch (IllegalArgumentException unknown) {
            return PRODUCTION;
          }
        }
      }
    }
    return PRODUCTION;
  }
}
