package dev.osupgrade.fleet;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names one virtual machine scale set: subscription, resource group and name. Resource group and name compare
 * case-insensitively, as ARM does.
 *
 * @param subscriptionId the Azure subscription id (at most 64 characters)
 * @param resourceGroup the resource group (at most 90 characters)
 * @param name the scale set's name (at most 64 characters)
 */
public record ScaleSetId(String subscriptionId, String resourceGroup, String name) {
  private static final Pattern ARM_ID = Pattern.compile(
      "(?i)/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Compute/virtualMachineScaleSets/([^/]+)/?");

  /** The placeholder subscription used by the simulator and examples. */
  public static final String LOCAL_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

  /**
   * Validates the three parts (ARM's limits: a subscription id of at most 64 characters, a resource group of at most
   * 90, a scale set name of at most 64; none blank, none with {@code '/'}, {@code '\\'}, white space or control
   * characters, none ending in {@code '.'}, so {@code "."} and {@code ".."} are refused) and normalizes the case of
   * the resource group and name.
   */
  public ScaleSetId {
    part("subscriptionId", subscriptionId, 64);
    part("resourceGroup", resourceGroup, 90);
    part("name", name, 64);
    resourceGroup = resourceGroup.toLowerCase(Locale.ROOT);
    name = name.toLowerCase(Locale.ROOT);
  }

  private static void part(String parameter, String value, int maxLength) {
    Require.name(parameter, value, maxLength);
    Require.that(value.indexOf('/') < 0, parameter, "free of '/'", value);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' || Character.isWhitespace(c)) {
        throw new InvalidValueException(parameter, "free of '\\' and white space", value);
      }
    }
    Require.that(!value.endsWith("."), parameter, "a name that does not end in '.' (so not '.' or '..')", value);
  }

  /**
   * Creates an id.
   *
   * @param subscriptionId the subscription
   * @param resourceGroup the resource group
   * @param name the scale set's name
   * @return the id
   */
  public static ScaleSetId of(String subscriptionId, String resourceGroup, String name) {
    return new ScaleSetId(subscriptionId, resourceGroup, name);
  }

  /**
   * Creates an id in the placeholder subscription, handy in tests and JShell.
   *
   * @param resourceGroup the resource group
   * @param name the scale set's name
   * @return the id
   */
  public static ScaleSetId of(String resourceGroup, String name) {
    return new ScaleSetId(LOCAL_SUBSCRIPTION, resourceGroup, name);
  }

  /**
   * Parses an ARM resource id such as
   * {@code /subscriptions/…/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web}.
   *
   * @param armId the resource id
   * @return the id
   * @throws InvalidValueException if the text is not a scale set resource id
   */
  public static ScaleSetId parse(String armId) {
    Require.nonNull(armId, "armId");
    Matcher m = ARM_ID.matcher(armId.trim());
    if (!m.matches()) {
      throw new InvalidValueException("armId",
          "a scale set resource id (/subscriptions/{sub}/resourceGroups/{rg}/providers/"
              + "Microsoft.Compute/virtualMachineScaleSets/{name})", armId);
    }
    return new ScaleSetId(m.group(1), m.group(2), m.group(3));
  }

  /** @return the full ARM resource id */
  public String armId() {
    return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup
        + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + name;
  }

  /** @return {@code resourceGroup/name}, short enough for log lines */
  @Override
  public String toString() {
    return resourceGroup + "/" + name;
  }
}
