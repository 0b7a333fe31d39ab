package dev.osupgrade.port;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * A rollout's saved state, as the {@link RolloutStore} keeps it: an opaque text (the rollout encodes and decodes it)
 * with a version for compare-and-set.
 *
 * @param scaleSet the scale set the rollout upgrades
 * @param version increases by one with every save, from 1
 * @param owner the replica that saved it: one line of at most 256 characters, without surrounding white space
 * @param savedAt when it was saved
 * @param data the encoded state
 */
public record Checkpoint(ScaleSetId scaleSet, long version, String owner, Instant savedAt, String data) {
  /** Validates the fields. */
  public Checkpoint {
    Require.nonNull(scaleSet, "scaleSet");
    Require.that(version >= 1, "version", ">= 1", version);
    StoreRules.owner(owner);
    Require.nonNull(savedAt, "savedAt");
    Require.nonNull(data, "data");
  }
}
