package dev.osupgrade.event;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * Max surge was asked for, but a batch is upgraded in place because there is no room for new instances (Azure: the
 * quota check before each batch falls back to an in-place upgrade), or because a resource lock forbids deleting an
 * instance it would replace (a {@code CanNotDelete} lock on a Flexible instance).
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param batch the batch
 * @param needed how many new instances the batch would need
 * @param headroom how many the scale set could add, or -1 when unknown
 * @param reason why, in words
 */
public record SurgeFallback(long sequence, Instant at, ScaleSetId scaleSet, int batch, int needed, int headroom,
    String reason) implements RolloutEvent {
  /** Validates the fields and masks secrets in the free text. */
  public SurgeFallback {
    EventText.require(at, scaleSet);
    reason = EventText.text("reason", reason);
  }

  @Override
  public String toString() {
    return EventText.line(this, "batch " + batch + ": max surge falls back to in-place upgrade: " + reason);
  }
}
