package dev.osupgrade.ops;

/**
 * Where a rollout stands. The first four mirror Azure's {@code RollingUpgradeStatusCode}; the others are the
 * library's own and map onto Azure's nearest code.
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
  CANCELLED("Cancelled", true);

  private final String azureName;
  private final boolean terminal;

  RolloutStatus(String azureName, boolean terminal) {
    this.azureName = azureName;
    this.terminal = terminal;
  }

  /** @return true when the rollout will do nothing more */
  public boolean isTerminal() {
    return terminal;
  }

  /** @return the name as Azure spells it where Azure has it, e.g. {@code RollingForward} */
  public String azureName() {
    return azureName;
  }

  /** @return Azure's running status code for this status ({@code RollingForward} for the library's own) */
  public String azureCode() {
    return switch (this) {
      case COMPLETED -> "Completed";
      case FAULTED -> "Faulted";
      case CANCELLED -> "Cancelled";
      default -> "RollingForward";
    };
  }

  /**
   * Parses one of Azure's running status codes.
   *
   * @param code e.g. {@code "RollingForward"}, any case
   * @return the status; unknown codes (a newer API version's) become {@link #ROLLING_FORWARD}
   */
  public static RolloutStatus fromAzure(String code) {
    for (RolloutStatus s : values()) {
      if (s.azureName.equalsIgnoreCase(code.strip())) {
        return s;
      }
    }
    return ROLLING_FORWARD;
  }
}
