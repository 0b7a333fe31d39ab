package dev.osupgrade.fleet;

import dev.osupgrade.Require;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An Azure Resource Manager lock that applies to an instance: on a lock of the VM itself, or one inherited from its
 * resource group or subscription. On a Flexible scale set, where instances are ordinary virtual machines, a lock is
 * Azure's answer to "instance protection" (learn.microsoft.com, "Orchestration modes API comparison": "ARM Lock
 * Resource for Instance Protection type behavior"). A lock applies to every caller and role.
 *
 * <ul>
 *   <li>{@link #READ_ONLY}: the VM can be read, not updated or deleted. An upgrade (the scale set model applied to
 *       the VM) is an update, so upgrades leave a read-only VM alone: an {@link Instance} with this lock is
 *       {@link Instance#protectedFromUpgrade() protected from upgrade}.</li>
 *   <li>{@link #CAN_NOT_DELETE}: the VM can be updated, not deleted. It is upgraded in place like any other instance,
 *       but it cannot be replaced by max surge (which deletes the old VM).</li>
 * </ul>
 */
public enum ResourceLock {
  /** No lock applies. */
  NONE("None"),
  /** Azure's {@code CanNotDelete}: modify, but never delete. */
  CAN_NOT_DELETE("CanNotDelete"),
  /** Azure's {@code ReadOnly}: read only; neither update nor delete. */
  READ_ONLY("ReadOnly");

  private final String azureName;

  ResourceLock(String azureName) {
    this.azureName = azureName;
  }

  /** @return Azure's spelling of the lock level ({@code "None"} for {@link #NONE}, which Azure never sends) */
  public String azureName() {
    return azureName;
  }

  /** @return true when the lock forbids updating the resource (so an upgrade of it is refused) */
  public boolean blocksUpdate() {
    return this == READ_ONLY;
  }

  /** @return true when the lock forbids deleting the resource */
  public boolean blocksDelete() {
    return this != NONE;
  }

  /**
   * Returns the more restrictive of two locks: when locks are inherited, the most restrictive one takes precedence.
   *
   * @param other the other lock
   * @return {@link #READ_ONLY} over {@link #CAN_NOT_DELETE} over {@link #NONE}
   */
  public ResourceLock strictest(ResourceLock other) {
    return Require.nonNull(other, "other").ordinal() > ordinal() ? other : this;
  }

  /**
   * Reads Azure's lock level ({@code properties.level}: {@code CanNotDelete}, {@code ReadOnly}, ignoring case).
   *
   * @param level the text Azure sent
   * @return the lock, or empty for a level the library does not know (including {@code NotSpecified})
   */
  public static Optional<ResourceLock> fromAzure(@Nullable String level) {
    if (level == null) {
      return Optional.empty();
    }
    return switch (level.strip().toLowerCase(Locale.ROOT)) {
      case "cannotdelete" -> Optional.of(CAN_NOT_DELETE);
      case "readonly" -> Optional.of(READ_ONLY);
      default -> Optional.empty();
    };
  }
}
