package dev.osupgrade.azure.emulator;

/**
 * The fault classes {@link ArmFaults} injects. Each says whether the emulator (and so the world) sees the request:
 * faults "before" answer without forwarding it, so nothing changes; faults "after" forward it, the world changes,
 * and then the answer is lost or spoiled on its way back.
 *
 * <table>
 *   <caption>What the client sees</caption>
 *   <tr><th>fault</th><th>world</th><th>answer</th></tr>
 *   <tr><td>{@link #THROTTLED_LONG}</td><td>unchanged</td><td>429 {@code OperationNotAllowed} "too many requests",
 *       {@code Retry-After} {@link ArmFaults#throttleRetryAfter} (by default 10 minutes: longer than the adapter's
 *       {@code maxRetryAfter})</td></tr>
 *   <tr><td>{@link #SERVER_ERROR}</td><td>unchanged</td><td>503 {@code ServiceUnavailable}; a storm is a rule with
 *       {@code times(n)}</td></tr>
 *   <tr><td>{@link #RESET_BEFORE}</td><td>unchanged</td><td>connection reset by peer</td></tr>
 *   <tr><td>{@link #RESET_AFTER}</td><td>changed</td><td>connection reset by peer: the response is lost</td></tr>
 *   <tr><td>{@link #TRUNCATED}</td><td>changed</td><td>the real status and headers, the body cut in half</td></tr>
 *   <tr><td>{@link #MALFORMED}</td><td>changed</td><td>the real status, a body that is not JSON (a gateway's HTML
 *       page)</td></tr>
 *   <tr><td>{@link #EMPTY_OBJECT}</td><td>changed</td><td>a listing answered {@code {}} ({@code []} becomes
 *       {@code {}} too)</td></tr>
 *   <tr><td>{@link #EMPTY_VALUE}</td><td>changed</td><td>a listing answered {@code {"value": []}} (or
 *       {@code []})</td></tr>
 *   <tr><td>{@link #CONFLICT}</td><td>unchanged</td><td>409 {@code OperationNotAllowed}: another operation is in
 *       progress on the scale set</td></tr>
 *   <tr><td>{@link #PRECONDITION_FAILED}</td><td>unchanged</td><td>412 {@code PreconditionFailed}</td></tr>
 *   <tr><td>{@link #UNAUTHORIZED}</td><td>unchanged</td><td>401 {@code ExpiredAuthenticationToken}</td></tr>
 *   <tr><td>{@link #FORBIDDEN}</td><td>unchanged</td><td>403 {@code AuthorizationFailed}</td></tr>
 *   <tr><td>{@link #SLOW}</td><td>changed</td><td>the real answer, after the world's clock moved by
 *       {@link ArmFaults#slowBy} (by default 6 minutes: longer than a rollout's default 5-minute lease)</td></tr>
 *   <tr><td>{@link #UNKNOWN_ENUM}</td><td>changed</td><td>the real answer with every enum the fault knows replaced by
 *       a value no SDK knows: upgrade mode {@code Eventually}, health {@code HealthState/Degraded} (of one instance:
 *       the first that is not healthy, else the first; or of the one instance read), running status
 *       {@code Paused}, operation status {@code Postponed}, replication state {@code Throttled}</td></tr>
 * </table>
 *
 * <p>A body fault ({@link #TRUNCATED}, {@link #MALFORMED}, {@link #EMPTY_OBJECT}, {@link #EMPTY_VALUE},
 * {@link #UNKNOWN_ENUM}) that finds nothing to spoil (an empty body, no enum) lets the answer through and does not
 * count as fired.
 */
public enum ArmFault {
  /** 429 with a {@code Retry-After} longer than the adapter waits out. */
  THROTTLED_LONG("429long", false),
  /** 503. */
  SERVER_ERROR("5xx", false),
  /** The connection is reset before the server saw the request. */
  RESET_BEFORE("resetBefore", false),
  /** The server applied the request; the connection is reset before the answer. */
  RESET_AFTER("resetAfter", true),
  /** The answer's body cut in half. */
  TRUNCATED("truncated", true),
  /** An answer that is not JSON. */
  MALFORMED("malformed", true),
  /** A listing answered {@code {}}. */
  EMPTY_OBJECT("empty{}", true),
  /** A listing answered {@code {"value": []}}. */
  EMPTY_VALUE("emptyValue", true),
  /** 409 another operation in progress. */
  CONFLICT("409", false),
  /** 412 precondition failed. */
  PRECONDITION_FAILED("412", false),
  /** 401. */
  UNAUTHORIZED("401", false),
  /** 403 {@code AuthorizationFailed}. */
  FORBIDDEN("403", false),
  /** The answer comes late: the world's clock moves on while it is on its way. */
  SLOW("slow", true),
  /** Enum values no SDK knows. */
  UNKNOWN_ENUM("unknownEnum", true);

  private final String label;
  private final boolean forwards;

  ArmFault(String label, boolean forwards) {
    this.label = label;
    this.forwards = forwards;
  }

  /** @return a short label, for a matrix row */
  public String label() {
    return label;
  }

  /** @return true when the emulator sees the request (the world may change), false when it is answered before */
  public boolean forwards() {
    return forwards;
  }

  /**
   * Says whether this fault can be expressed on an operation's answers at all (the sweep leaves the other cells out):
   * body faults need a body, the empty pages a listing, the unknown enums an answer that carries one.
   *
   * @param op the operation
   * @return true if the fault can fire on it
   */
  public boolean appliesTo(ArmOp op) {
    return switch (this) {
      case EMPTY_OBJECT, EMPTY_VALUE -> op.isListing();
      case TRUNCATED, MALFORMED -> hasBody(op);
      case UNKNOWN_ENUM -> switch (op) {
        case GET_SCALE_SET, LIST_VMS, LIST_VMS_NEXT, GET_VM, PATCH_MODEL_IMAGE, PATCH_ROLLBACK_MODEL, PATCH_RESTORE_MODEL,
            PATCH_UPGRADE_POLICY, PATCH_CAPACITY, POLL_OPERATION, GET_ROLLING_UPGRADE_LATEST, GET_OS_UPGRADE_HISTORY,
            GET_GALLERY_VERSION, GET_LOCKS -> true;
        default -> false;
      };
      default -> true;
    };
  }

  /** Whether the emulator's success answer to the operation has a body. */
  private static boolean hasBody(ArmOp op) {
    return switch (op) {
      case POST_MANUAL_UPGRADE, POST_ROLLBACK_UPGRADE, POST_OS_ROLLING_UPGRADE, POST_CANCEL, POST_APPROVE,
          POST_DELETE, OTHER -> false;
      default -> true;
    };
  }
}
