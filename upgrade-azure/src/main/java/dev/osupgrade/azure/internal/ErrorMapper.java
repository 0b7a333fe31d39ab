package dev.osupgrade.azure.internal;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpResponse;
import com.azure.core.management.exception.ManagementError;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.polling.PollResult;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.ResourceNotFoundException;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.port.TransientCloudException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Turns what the SDK throws into the ports' {@link CloudException} family, keeping ARM's error code and message.
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>HTTP</th><th>exception</th></tr>
 *   <tr><td>400, 422</td><td>{@link InvalidModelException}</td></tr>
 *   <tr><td>401, 403</td><td>{@link ForbiddenException}</td></tr>
 *   <tr><td>404 naming a missing image ({@code ImageNotFound}, {@code GalleryImageNotFound},
 *       {@code PlatformImageNotFound}, …)</td><td>{@link InvalidModelException}: the scale set exists, the model
 *       change is what cannot be made</td></tr>
 *   <tr><td>other 404</td><td>{@link ResourceNotFoundException}</td></tr>
 *   <tr><td>409, 412</td><td>{@link ConflictException}</td></tr>
 *   <tr><td>429</td><td>{@link ThrottledException} with {@code Retry-After}</td></tr>
 *   <tr><td>408, 500, 502, 503, 504; failed connections</td><td>{@link TransientCloudException}</td></tr>
 *   <tr><td>2xx whose body cannot be read (truncated, malformed)</td><td>{@link TransientCloudException}, code
 *       {@value #UNEXPECTED_RESPONSE}</td></tr>
 *   <tr><td>2xx from a long-running operation that ended {@code Failed}</td><td>{@link CloudException} with the
 *       operation's code</td></tr>
 *   <tr><td>anything else</td><td>{@link CloudException}</td></tr>
 * </table>
 * Only {@link InvalidModelException} is a rejection ({@link CloudException#isRejection()}); every other failure stalls
 * a rollout instead of ending it.
 */
final class ErrorMapper {
  /** Code for a response the adapter could not read (a malformed or unexpected body). */
  static final String UNEXPECTED_RESPONSE = "UnexpectedResponse";
  /** Code for a connection that failed before ARM answered. */
  static final String CONNECTION_FAILED = "ConnectionFailed";

  private ErrorMapper() {}

  /**
   * Maps a failure of one SDK call.
   *
   * @param failure what the SDK threw
   * @param operation what was being done, for the message, e.g. {@code "GET scale set rg/web"}
   * @return the domain exception (the same object if it already is one)
   */
  static CloudException map(RuntimeException failure, String operation) {
    if (failure instanceof CloudException c) {
      return c;
    }
    if (failure instanceof HttpResponseException http && http.getResponse() != null) {
      return fromResponse(http, http.getResponse(), operation);
    }
    if (isConnectionFailure(failure)) {
      return new TransientCloudException(0, CONNECTION_FAILED,
          operation + " failed before Azure answered: " + failure, failure);
    }
    return new CloudException(0, UNEXPECTED_RESPONSE,
        operation + " failed: the response could not be read (" + failure + ")", failure);
  }

  /**
   * Maps a long-running operation that ended without success ({@code Failed}, {@code Canceled}) from the last poll's
   * answer, as the SDK's synchronous call reports it (a {@link ManagementException} with ARM's error read from that
   * answer's body, else one named after the status), so that waiting on the operation's poller throws what the
   * synchronous call threw: a {@code Failed} operation polled with 200 is a {@link CloudException} with ARM's code
   * (e.g. {@code ImageNotFound}), a poll answered 5xx is a {@link TransientCloudException}.
   *
   * @param status how the operation ended
   * @param failure the last poll's answer, or null when the poller kept none
   * @param operation what was being done, for the message
   * @return the domain exception
   */
  static CloudException operationEnded(LongRunningOperationStatus status, PollResult.@Nullable Error failure,
      String operation) {
    String message = failure == null ? "Long running operation failed." : failure.getMessage();
    @Nullable ManagementError error = failure == null ? null : operationError(failure.getResponseBody());
    if (error == null) {
      error = new ManagementError(status.toString(), message);
    }
    ManagementException thrown = new ManagementException(message, null, error);
    if (failure == null) {
      return map(thrown, operation);
    }
    HttpHeaders headers = failure.getResponseHeaders();
    return fromAnswer(thrown, failure.getResponseStatusCode(), headers == null ? new HttpHeaders() : headers,
        operation);
  }

  /** ARM's error in an operation's status body ({@code {"status": "Failed", "error": {...}}}), if it names both. */
  private static @Nullable ManagementError operationError(@Nullable String body) {
    if (body == null) {
      return null;
    }
    try (JsonReader reader = JsonProviders.createReader(body)) {
      ManagementError error = ManagementError.fromJson(reader);
      return error == null || error.getCode() == null || error.getMessage() == null ? null : error;
    } catch (IOException | RuntimeException unreadable) {
      return null;
    }
  }

  private static CloudException fromResponse(HttpResponseException e, HttpResponse response, String operation) {
    return fromAnswer(e, response.getStatusCode(), response.getHeaders(), operation);
  }

  private static CloudException fromAnswer(HttpResponseException e, int status, HttpHeaders headers,
      String operation) {
    @Nullable ManagementError error = e instanceof ManagementException m ? m.getValue() : null;
    String code = error != null && notBlank(error.getCode()) ? error.getCode() : defaultCode(status);
    String armMessage = error != null && notBlank(error.getMessage()) ? error.getMessage() : e.getMessage();
    String message = armMessage + " (" + operation + ", HTTP " + status + ")";
    if (status >= 200 && status < 300) {
      if (error == null || !notBlank(error.getCode())) {
        // a success whose body the SDK could not read (truncated, malformed): not a refusal; a read may repeat it
        return new TransientCloudException(status, UNEXPECTED_RESPONSE, operation + " answered HTTP " + status
            + " with a body that could not be read (" + e.getMessage() + ")", e);
      }
      // a long-running operation that ended Failed, with ARM's error
      return new CloudException(status, code, message, e);
    }
    return switch (status) {
      case 400, 422 -> new InvalidModelException(status, code, message, e);
      case 401, 403 -> new ForbiddenException(status, code, message, e);
      case 404 -> namesMissingImage(code) ? new InvalidModelException(status, code, message, e)
          : new ResourceNotFoundException(status, code, message, e);
      case 409, 412 -> new ConflictException(status, code, message, e);
      case 429 -> new ThrottledException(code, message, retryAfter(headers), e);
      case 408, 500, 502, 503, 504 -> new TransientCloudException(status, code, message, e);
      default -> new CloudException(status, code, message, e);
    };
  }

  /**
   * Reads how long the server asked to wait: {@code x-ms-retry-after-ms}, {@code retry-after-ms}, then
   * {@code Retry-After} in seconds or as an HTTP date.
   *
   * @param headers the response headers
   * @return the wait; {@link Duration#ZERO} when the server named none
   */
  static Duration retryAfter(HttpHeaders headers) {
    for (String ms : new String[] {"x-ms-retry-after-ms", "retry-after-ms"}) {
      String v = headers.getValue(HttpHeaderName.fromString(ms));
      if (v != null) {
        try {
          return Duration.ofMillis(Math.max(0, Long.parseLong(v.trim())));
        } catch (NumberFormatException ignored) {
          // fall through to the next header
        }
      }
    }
    String v = headers.getValue(HttpHeaderName.RETRY_AFTER);
    if (v == null) {
      return Duration.ZERO;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim())));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException notDate) {
        return Duration.ZERO;
      }
    }
  }

  /**
   * Says whether a 404's code is about an image the request names (a model PATCH to a version that does not exist or
   * is not replicated to the region) rather than about the resource addressed: the port reserves
   * {@link ResourceNotFoundException} for an unknown scale set.
   */
  private static boolean namesMissingImage(String code) {
    String c = code.toLowerCase(java.util.Locale.ROOT);
    return c.endsWith("imagenotfound") || c.endsWith("imageversionnotfound");
  }

  private static String defaultCode(int status) {
    return switch (status) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 408 -> "RequestTimeout";
      case 409 -> "Conflict";
      case 412 -> "PreconditionFailed";
      case 429 -> "TooManyRequests";
      case 500 -> "InternalServerError";
      case 502 -> "BadGateway";
      case 503 -> "ServiceUnavailable";
      case 504 -> "GatewayTimeout";
      default -> "Http" + status;
    };
  }

  private static boolean isConnectionFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SocketException || c instanceof SocketTimeoutException || c instanceof TimeoutException
          || c instanceof SSLException || c.getClass().getSimpleName().contains("PrematureClose")
          || (c instanceof IOException && String.valueOf(c.getMessage()).contains("Connection"))) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  private static boolean notBlank(@Nullable String s) {
    return s != null && !s.isBlank();
  }
}
