package dev.osupgrade.azure.internal;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import com.azure.json.ReadValueCallback;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads ARM's JSON as Azure sent it: a tree of maps for the fields the SDK's models drop (an enum value they do not
 * know, a field they do not declare), and the SDK's own models from the same text.
 */
final class Json {
  private Json() {}

  /**
   * Parses a JSON object.
   *
   * @param text the text
   * @return its fields
   * @throws IllegalArgumentException when the text is not one JSON object
   */
  static Map<String, Object> object(String text) {
    Object tree;
    try (JsonReader reader = JsonProviders.createReader(text)) {
      tree = reader.readUntyped();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
    if (!(tree instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("not a JSON object but " + (tree == null ? "null" : describe(tree)));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = (Map<String, Object>) map;
    return fields;
  }

  /**
   * Reads an SDK model from JSON text with the model's own {@code fromJson}.
   *
   * @param text the text
   * @param fromJson e.g. {@code VirtualMachineScaleSetInner::fromJson}
   * @param <T> the model
   * @return the model
   * @throws IllegalArgumentException when the SDK cannot read it
   */
  static <T> T model(String text, ReadValueCallback<JsonReader, T> fromJson) {
    try (JsonReader reader = JsonProviders.createReader(text)) {
      T model = fromJson.read(reader);
      if (model == null) {
        throw new IllegalArgumentException("the SDK read nothing from " + abbreviate(text));
      }
      return model;
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    } catch (RuntimeException e) {
      throw e instanceof IllegalArgumentException i ? i : new IllegalArgumentException(String.valueOf(e), e);
    }
  }

  /**
   * Follows a path of field names.
   *
   * @param node where to start
   * @param path field names
   * @return the value there, or null when any step is missing or not an object
   */
  static @Nullable Object at(@Nullable Object node, String... path) {
    Object current = node;
    for (String field : path) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(field);
    }
    return current;
  }

  /**
   * Follows a path to a string.
   *
   * @param node where to start
   * @param path field names
   * @return the string there, or null when missing or not a string
   */
  static @Nullable String string(@Nullable Object node, String... path) {
    return at(node, path) instanceof String s ? s : null;
  }

  /** @return what kind of JSON value this is, for messages */
  static String describe(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Map) {
      return "an object";
    }
    if (value instanceof java.util.List) {
      return "an array";
    }
    return value instanceof String ? "a string" : "a " + value.getClass().getSimpleName().toLowerCase(
        java.util.Locale.ROOT);
  }

  /** @return the text cut to 200 characters, for messages */
  static String abbreviate(String text) {
    String t = text.strip();
    return t.length() <= 200 ? t : t.substring(0, 200) + "…";
  }
}
