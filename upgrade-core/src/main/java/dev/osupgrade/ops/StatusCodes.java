package dev.osupgrade.ops;

import dev.osupgrade.ExpandableValue;
import dev.osupgrade.Require;

/** The rule that ties a reported status to Azure's raw code. */
final class StatusCodes {
  private StatusCodes() {}

  /**
   * Requires a plausible raw code that reads as the status (any code the library does not know for
   * {@link RolloutStatus#UNKNOWN}).
   */
  static void check(RolloutStatus status, String statusCode) {
    ExpandableValue.azureText("statusCode", statusCode);
    Require.that(RolloutStatus.fromAzure(statusCode) == RolloutStatus.fromAzure(status.azureCode()), "statusCode",
        "Azure's code for status " + status, statusCode);
  }
}
