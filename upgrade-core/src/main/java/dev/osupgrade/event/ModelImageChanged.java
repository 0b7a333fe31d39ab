package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import java.time.Instant;

/**
 * The scale set model's image was changed.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param from the previous model image
 * @param to the new model image
 * @param reason why
 */
public record ModelImageChanged(long sequence, Instant at, ScaleSetId scaleSet, ImageReference from,
    ImageReference to, String reason) implements RolloutEvent {
  /** Validates the fields and masks secrets in the free text. */
  public ModelImageChanged {
    EventText.require(at, scaleSet);
    Require.nonNull(from, "from");
    Require.nonNull(to, "to");
    reason = EventText.text("reason", reason);
  }

  @Override
  public String toString() {
    return EventText.line(this, "model image " + from.version().map(Object::toString).orElse("latest") + " -> "
        + to.version().map(Object::toString).orElse("latest") + ": " + reason);
  }
}
