package dev.osupgrade.azure;

import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.TransientCloudException;
import org.jspecify.annotations.Nullable;

/**
 * How {@link BlobRolloutStore} reads what the Storage SDK throws.
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>failure</th><th>meaning</th></tr>
 *   <tr><td>412 {@code ConditionNotMet}, 409 {@code BlobAlreadyExists}, 404 {@code BlobNotFound} on a write</td>
 *       <td>a lost race: the blob changed since the store read it; the store reads it again and decides anew</td></tr>
 *   <tr><td>404 {@code ContainerNotFound}</td><td>{@link CloudException}, saying to create the container</td></tr>
 *   <tr><td>401, 403</td><td>{@link ForbiddenException}</td></tr>
 *   <tr><td>408, 429, 500, 502, 503 ({@code ServerBusy}), 504; I/O failures and timeouts</td>
 *       <td>{@link TransientCloudException}: the same call may succeed later</td></tr>
 *   <tr><td>anything else (e.g. 412 {@code LeaseIdMissing}: someone holds an Azure blob lease on the blob)</td>
 *       <td>{@link CloudException} with Storage's error code ({@code UnexpectedResponse} without one)</td></tr>
 * </table>
 */
final class BlobErrors {
  /** Code for a request that failed before Storage answered. */
  static final String CONNECTION_FAILED = "ConnectionFailed";
  /** Code for any other failure of the SDK (an answer it could not read). */
  static final String UNEXPECTED = "UnexpectedResponse";

  private BlobErrors() {}

  /**
   * @param e what a write threw
   * @return true if the write lost a race (the blob is not what the store last saw)
   */
  static boolean isLostRace(BlobStorageException e) {
    BlobErrorCode code = e.getErrorCode();
    return (e.getStatusCode() == 412 && (code == null || BlobErrorCode.CONDITION_NOT_MET.equals(code)))
        || (e.getStatusCode() == 409 && BlobErrorCode.BLOB_ALREADY_EXISTS.equals(code))
        || isBlobNotFound(e);
  }

  /**
   * @param e what a read or write threw
   * @return true if the blob does not exist (the container does)
   */
  static boolean isBlobNotFound(BlobStorageException e) {
    return e.getStatusCode() == 404 && !BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode());
  }

  /**
   * Maps a failure of one request.
   *
   * @param failure what the SDK threw
   * @param operation what was being done, for the message, e.g. {@code "save rg/web"}
   * @param container the container's URL, for messages
   * @return the port's exception
   */
  static CloudException map(RuntimeException failure, String operation, String container) {
    if (failure instanceof CloudException c) {
      return c;
    }
    if (failure instanceof BlobStorageException e) {
      int status = e.getStatusCode();
      String code = codeOf(e);
      String message = operation + " failed: HTTP " + status + " " + code + " from " + container;
      if (BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode())) {
        return new CloudException(status, code, message + ": the container does not exist; create it first "
            + "(BlobContainerClient.createIfNotExists())", e);
      }
      return switch (status) {
        case 401, 403 -> new ForbiddenException(status, code, message
            + ": the credential may not read and write blobs in this container", e);
        case 408, 429, 500, 502, 503, 504 -> new TransientCloudException(status, code, message, e);
        default -> new CloudException(status, code, message, e);
      };
    }
    if (isConnectionFailure(failure)) {
      return new TransientCloudException(0, CONNECTION_FAILED, operation + " failed before Storage answered ("
          + container + "): " + failure, failure);
    }
    return new CloudException(0, UNEXPECTED, operation + " failed (" + container + "): " + failure, failure);
  }

  /** I/O failures and timeouts anywhere in the chain (the SDK wraps them in Reactor's and its own exceptions). */
  private static boolean isConnectionFailure(Throwable failure) {
    for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof java.io.IOException || c instanceof java.util.concurrent.TimeoutException
          || String.valueOf(c.getMessage()).contains("Timeout on blocking read")) {
        return true;
      }
    }
    return false;
  }

  private static String codeOf(BlobStorageException e) {
    @Nullable BlobErrorCode code = e.getErrorCode();
    return code != null ? code.toString() : "Http" + e.getStatusCode();
  }
}
