package dev.osupgrade.azure.internal;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.management.exception.ManagementError;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import com.azure.json.JsonToken;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.TransientCloudException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The adapter's reads of scale sets, their instances and their upgrades, sent through the adapter's HTTP pipeline
 * (the caller's credential and policies) and read from the text Azure sent, not only from the SDK's models. The SDK's
 * models turn an enum value they do not know into null, drop fields they do not declare (an OS upgrade's
 * {@code runningStatus.completedTime}), read a listing without {@code value} as an empty list and fail a whole page
 * for one unreadable item; reading the text keeps all of that visible. The SDK's models are still used, from the same
 * text, for everything they read well.
 *
 * <p>A 2xx answer that is not what a read needs (no body, not JSON, a listing without a {@code value} array) is an
 * unreadable answer: a {@link TransientCloudException} with code {@link ErrorMapper#UNEXPECTED_RESPONSE}, which the
 * retry layer retries like a 5xx. Any other status becomes the same {@link ManagementException} the SDK would throw,
 * for {@link ErrorMapper} to map.
 */
final class ArmReads {
  /** The Compute API version the SDK (2.55.1) sends for these operations. */
  static final String COMPUTE_API = "2025-04-01";
  /** The Compute Gallery API version the SDK (2.55.1) sends. */
  static final String GALLERY_API = "2024-03-03";
  /** The management locks API version ({@code Microsoft.Authorization/locks}, Microsoft's examples' version). */
  static final String LOCKS_API = "2016-09-01";

  private final HttpPipeline pipeline;
  private final String endpoint;

  ArmReads(HttpPipeline pipeline, String endpoint) {
    this.pipeline = pipeline;
    this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
  }

  /** A JSON object as read: its text (for the SDK's models) and its fields (for what the models drop). */
  record Answer(String text, Map<String, Object> fields) {}

  /**
   * One item of a listing, as Azure sent it.
   *
   * @param page the page it came on, from 1
   * @param index its position on that page, from 0
   * @param json its text, or null when the item is not a JSON object
   * @param kind what it is when it is not an object ("null", "a string", …)
   */
  record Item(int page, int index, @Nullable String json, String kind) {
    /** @return where the item is, for messages */
    String where() {
      return "item " + index + " of page " + page;
    }
  }

  /**
   * The URL of a scale set's resource.
   *
   * @param id the scale set
   * @param suffix e.g. {@code "/virtualMachines"}, or empty
   * @param query query parameters before {@code api-version}, e.g. {@code "$expand=instanceView"}, or empty
   * @return the absolute URL
   */
  String url(ScaleSetId id, String suffix, String query) {
    return url(id.armId() + suffix, query, COMPUTE_API);
  }

  /**
   * The URL of a resource.
   *
   * @param resourcePath the resource's path, e.g. a gallery image definition id plus {@code "/versions"}
   * @param query query parameters before {@code api-version}, or empty
   * @param apiVersion the API version
   * @return the absolute URL
   */
  String url(String resourcePath, String query, String apiVersion) {
    String path;
    try {
      path = new URI(null, null, resourcePath, null).getRawPath();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a usable resource path: " + resourcePath, e);
    }
    return endpoint + path + "?" + (query.isEmpty() ? "" : query + "&") + "api-version=" + apiVersion;
  }

  /**
   * GETs one resource that must be a JSON object.
   *
   * @param url the URL
   * @param what what is read, for messages
   * @return the answer
   * @throws TransientCloudException when the 2xx answer is empty or not a JSON object
   * @throws ManagementException for any other status
   */
  Answer object(String url, String what) {
    String text = get(url);
    if (text.isBlank()) {
      throw unreadable(what, "the answer is empty (HTTP 2xx without a body)", null);
    }
    try {
      return new Answer(text, Json.object(text));
    } catch (IllegalArgumentException e) {
      throw unreadable(what, e.getMessage() + " (" + Json.abbreviate(text) + ")", e);
    }
  }

  /**
   * GETs every page of a listing, following {@code nextLink}.
   *
   * @param url the first page's URL
   * @param what what is listed, for messages
   * @return every item of every page, in Azure's order; items that are not JSON objects are included (with a null
   *     {@link Item#json()}) for the caller to judge
   * @throws TransientCloudException when a page is empty, not JSON, has no {@code value} array, or a
   *     {@code nextLink} comes back a second time
   * @throws ManagementException for a status other than 2xx
   */
  List<Item> list(String url, String what) {
    return list(url, what, remaining -> { });
  }

  /**
   * GETs every page of a listing, following {@code nextLink}, telling {@code onPage} of each request sent with the
   * High Cost Get tokens Azure says are left ({@code x-ms-ratelimit-remaining-resource}; null when it does not say).
   *
   * @param url the first page's URL
   * @param what what is listed, for messages
   * @param onPage told of each page request, answered or not
   * @return every item of every page
   */
  List<Item> list(String url, String what, Consumer<@Nullable Integer> onPage) {
    List<Item> items = new ArrayList<>();
    Set<String> links = new HashSet<>();
    String next = url;
    int page = 0;
    while (next != null) {
      page++;
      String text = get(next, onPage);
      next = page(text, what, page, items);
      if (next != null && !links.add(next)) {
        throw unreadable(what, "the listing loops: nextLink " + next + " came back", null);
      }
    }
    return items;
  }

  /** Reads one page into {@code items}; returns its {@code nextLink}. */
  private static @Nullable String page(String text, String what, int page, List<Item> items) {
    if (text.isBlank()) {
      throw unreadable(what, "page " + page + " is empty (HTTP 2xx without a body)", null);
    }
    boolean sawValue = false;
    String next = null;
    try (JsonReader r = JsonProviders.createReader(text)) {
      if (r.nextToken() != JsonToken.START_OBJECT) {
        throw unreadable(what, "page " + page + " is not a JSON object (" + Json.abbreviate(text) + ")", null);
      }
      while (r.nextToken() == JsonToken.FIELD_NAME) {
        String field = r.getFieldName();
        JsonToken token = r.nextToken();
        if ("value".equals(field) && token == JsonToken.START_ARRAY) {
          sawValue = true;
          int index = 0;
          while (r.nextToken() != JsonToken.END_ARRAY) {
            JsonToken t = r.currentToken();
            if (t == JsonToken.START_OBJECT) {
              items.add(new Item(page, index, r.readChildren(), "an object"));
            } else {
              items.add(new Item(page, index, null, kind(t)));
              r.skipChildren();
            }
            index++;
          }
        } else if ("nextLink".equals(field) && token == JsonToken.STRING) {
          String link = r.getString();
          next = link == null || link.isBlank() ? null : link;
        } else {
          r.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof TransientCloudException t) {
        throw t;
      }
      throw unreadable(what, "page " + page + " is not readable JSON: " + e.getMessage(), e);
    }
    if (!sawValue) {
      throw unreadable(what, "page " + page + " has no 'value' array (" + Json.abbreviate(text)
          + "): a malformed answer, not an empty list", null);
    }
    return next;
  }

  private static String kind(JsonToken token) {
    return switch (token) {
      case NULL -> "null";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case START_ARRAY -> "an array";
      default -> token.name();
    };
  }

  /** Sends a GET; returns the text of a 2xx answer ("" when it has none). */
  private String get(String url) {
    return get(url, remaining -> { });
  }

  private String get(String url, Consumer<@Nullable Integer> onPage) {
    HttpRequest request = new HttpRequest(HttpMethod.GET, url).setHeader(HttpHeaderName.ACCEPT, "application/json");
    try (HttpResponse response = pipeline.sendSync(request, Context.NONE)) {
      onPage.accept(highCostRemaining(response.getHeaderValue(RATELIMIT_REMAINING_RESOURCE)));
      BinaryData body = response.getBodyAsBinaryData();
      byte[] bytes = body == null ? new byte[0] : body.toBytes();
      String text = bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
      int status = response.getStatusCode();
      if (status >= 200 && status < 300) {
        return text;
      }
      throw new ManagementException("Status code " + status + ", " + Json.abbreviate(text), response, error(text));
    }
  }

  private static final HttpHeaderName RATELIMIT_REMAINING_RESOURCE =
      HttpHeaderName.fromString("x-ms-ratelimit-remaining-resource");

  /**
   * The fewest tokens left of the High Cost Get policies in {@code x-ms-ratelimit-remaining-resource}
   * ({@code Microsoft.Compute/<policy>;<count>,...}); null without such an entry.
   */
  static @Nullable Integer highCostRemaining(@Nullable String header) {
    if (header == null) {
      return null;
    }
    Integer fewest = null;
    for (String entry : header.split(",")) {
      int semicolon = entry.lastIndexOf(';');
      if (semicolon < 0 || !entry.toLowerCase(java.util.Locale.ROOT).contains("highcostget")) {
        continue;
      }
      try {
        int left = Integer.parseInt(entry.substring(semicolon + 1).strip());
        fewest = fewest == null || left < fewest ? left : fewest;
      } catch (NumberFormatException notACount) {
        // an entry Azure spells otherwise tells nothing
      }
    }
    return fewest;
  }

  /** Reads ARM's error body, wrapped in {@code error} (CloudError) or not; null when it has none. */
  private static @Nullable ManagementError error(String text) {
    if (text.isBlank()) {
      return null;
    }
    try {
      Map<String, Object> fields = Json.object(text);
      Object error = fields.get("error") instanceof Map<?, ?> wrapped ? wrapped : fields;
      String code = Json.string(error, "code");
      String message = Json.string(error, "message");
      return code == null && message == null ? null : new ManagementError(code, message);
    } catch (IllegalArgumentException notJson) {
      return null;
    }
  }

  /**
   * An answer that cannot be read: retryable, because a truncated or empty body is usually the connection's fault,
   * and a read is safe to repeat.
   */
  static TransientCloudException unreadable(String what, String why, @Nullable Throwable cause) {
    return new TransientCloudException(200, ErrorMapper.UNEXPECTED_RESPONSE,
        "Azure's answer for " + what + " could not be read: " + why, cause);
  }
}
