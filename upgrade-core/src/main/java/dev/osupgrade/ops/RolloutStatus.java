package dev.osupgrade.ops;

/**
 * Where a rollout stands. Four mirror Azure's {@code RollingUpgradeStatusCode} ({@code RollingForward},
 * {@code Completed}, {@code Faulted}, {@code Cancelled}); three are the library's own and map onto Azure's nearest
 * code; {@link #UNKNOWN} stands for a code Azure sent that the library does not know.
 *
 * <p>An enum with an {@link #UNKNOWN} constant rather than an {@link dev.osupgrade.ExpandableValue}: the library's
 * own rollouts are a state machine over exactly these statuses (checkpointed by name), and an unknown Azure code is
 * never one of their states. Where an Azure status is reported ({@link RollingUpgradeStatus},
 * {@link UpgradeHistoryEntry}), the containing value carries Azure's raw code next to the status.
 */
public enum RolloutStatus {
  /** Created, nothing done yet. */
  NOT_STARTED("NotStarted", false),
  /** Upgrading batch by batch (Azure: {@code RollingForward}). */
  ROLLING_FORWARD("RollingForward", false),
  /** Held by the caller; resumes when asked. */
  PAUSED("Paused", false),
  /** Restoring instances to their previous image after a breach. */
  ROLLING_BACK("RollingBack", false),
  /** Every planned instance was handled (Azure: {@code Completed}). */
  COMPLETED("Completed", true),
  /** Stopped by a safety rule or an error (Azure: {@code Faulted}). */
  FAULTED("Faulted", true),
  /** Stopped by the caller after the batch in flight (Azure: {@code Cancelled}). */
  CANCELLED("Cancelled", true),
  /**
   * Azure sent a running-status code the library does not know (a newer API version's). Neither running nor ended:
   * a caller polling for an end must treat it as "unknown, look again" — never as done, and never as progress. The
   * code Azure sent is in {@link RollingUpgradeStatus#statusCode()} / {@link UpgradeHistoryEntry#statusCode()}.
   */
  UNKNOWN("Unknown", false);

  private final String azureName;
  private final boolean terminal;

  RolloutStatus(String azureName, boolean terminal) {
    this.azureName = azureName;
    this.terminal = terminal;
  }

  /** @return true when the rollout will do nothing more; false for {@link #UNKNOWN}, whose end is not known */
  public boolean isTerminal() {
    return terminal;
  }

  /** @return false only for {@link #UNKNOWN} */
  public boolean isKnown() {
    return this != UNKNOWN;
  }

  /** @return the name as Azure spells it where Azure has it, e.g. {@code RollingForward} */
  public String azureName() {
    return azureName;
  }

  /**
   * @return Azure's running status code for this status ({@code RollingForward} for the library's own;
   *     {@code Unknown} for {@link #UNKNOWN}, whose real code only the containing value knows)
   */
  public String azureCode() {
    return switch (this) {
      case COMPLETED -> "Completed";
      case FAULTED -> "Faulted";
      case CANCELLED -> "Cancelled";
      case UNKNOWN -> "Unknown";
      default -> "RollingForward";
    };
  }

  /**
   * Parses one of Azure's running status codes.
   *
   * @param code e.g. {@code "RollingForward"}, any case
   * @return the status; a code the library does not know (a newer API version's) becomes {@link #UNKNOWN}, never a
   *     known status
   * @throws dev.osupgrade.InvalidValueException when {@code code} is null, blank or not a plausible Azure value (see
   *     {@link dev.osupgrade.ExpandableValue#azureText})
   */
  public static RolloutStatus fromAzure(String code) {
    String c = dev.osupgrade.ExpandableValue.azureText("code", code);
    for (RolloutStatus s : values()) {
      if (s.azureName.equalsIgnoreCase(c)) {
        return s;
      }
    }
    return UNKNOWN;
  }
}
