package dev.osupgrade.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checkpoint format stays what it was: checkpoints written by format 1 before the encoder reused unchanged lines
 * (seeded simulator rollouts: a Flexible plan by fault domains, a stall, missing instances, a rollback, an error, a
 * governance waiver, an outbox, gate waits and skipped instances) read and write back byte for byte, whether encoded
 * afresh or by one encoder that saw other states before.
 */
class CheckpointFormatTest {
  static final List<String> FIXTURES = List.of("seed1-faultDomains", "seed1-done", "seed2-missing", "seed2-stall",
      "seed2-rolledBack", "seed2-error", "seed3-waiver", "seed6-outbox", "seed6-gateWaits-skipped");

  static Stream<String> fixtures() {
    return FIXTURES.stream();
  }

  private static String read(String name) {
    try (InputStream in = CheckpointFormatTest.class.getResourceAsStream("format1/" + name + ".checkpoint")) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void decodeThenEncode_checkpointWrittenByFormat1_sameBytes(String name) {
    String stored = read(name);

    assertThat(RolloutState.decode(stored).encode()).isEqualTo(stored);
  }

  @Test
  void encoder_statesOfSeveralRolloutsInTurn_writesEachAsAFreshEncodingWould() {
    // the same instance ids recur across the fixtures with other progress, plans and outboxes: a reused line that
    // should have been rewritten would show
    List<RolloutState> states = new ArrayList<>();
    for (String name : FIXTURES) {
      states.add(RolloutState.decode(read(name)));
    }
    List<RolloutState> back = new ArrayList<>(states);
    java.util.Collections.reverse(back);
    states.addAll(back);
    CheckpointCodec.Encoder encoder = new CheckpointCodec.Encoder();
    for (RolloutState s : states) {
      String text = encoder.encode(s);
      assertThat(text).isEqualTo(s.encode());
      assertThat(encoder.encode(s)).isEqualTo(text); // again, every line reused
    }
    encoder.clear();
    assertThat(encoder.encode(states.get(0))).isEqualTo(states.get(0).encode());
  }
}
