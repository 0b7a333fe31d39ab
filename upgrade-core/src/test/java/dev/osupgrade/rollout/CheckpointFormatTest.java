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

  @Test
  void decode_checkpointsWrittenBeforeReplansWereKept_noInstanceReplanned() {
    for (String name : FIXTURES) {
      assertThat(RolloutState.decode(read(name)).replanned()).as(name).isEmpty();
    }
  }

  @Test
  void encodeThenDecode_stateThatReplannedInstances_keepsEachCountAndAddsOnlyItsLines() {
    String stored = read("seed2-missing");
    RolloutState before = RolloutState.decode(stored);
    RolloutState.Draft d = new RolloutState.Draft(before);
    d.replanned.put("10", 1);
    d.replanned.put("3", 2);
    RolloutState replanned = d.build();

    String text = replanned.encode();
    RolloutState back = RolloutState.decode(text);

    assertThat(back).isEqualTo(replanned);
    assertThat(back.replanned()).containsExactly(java.util.Map.entry("3", 2), java.util.Map.entry("10", 1));
    List<String> added = new ArrayList<>(List.of(text.split("\n")));
    added.removeAll(List.of(stored.split("\n")));
    assertThat(added).containsExactly("replanned.3=2", "replanned.10=1");
    assertThat(new CheckpointCodec.Encoder().encode(replanned)).isEqualTo(text);
  }

  static java.util.stream.LongStream seeds() {
    return java.util.stream.LongStream.rangeClosed(1, 5);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void iso_instantsOfEveryShape_writtenAsInstantToStringWrites(long seed) {
    java.util.SplittableRandom draw = new java.util.SplittableRandom(seed);
    List<java.time.Instant> instants = new ArrayList<>(List.of(java.time.Instant.EPOCH,
        java.time.Instant.parse("0000-01-01T00:00:00Z"), java.time.Instant.parse("9999-12-31T23:59:59.999999999Z"),
        java.time.Instant.parse("-0001-12-31T23:59:59Z"), java.time.Instant.parse("+10000-01-01T00:00:00Z"),
        java.time.Instant.parse("1969-12-31T23:59:59.5Z"), java.time.Instant.MIN, java.time.Instant.MAX,
        dev.osupgrade.Require.EARLIEST, dev.osupgrade.Require.LATEST));
    for (int k = 0; k < 2_000; k++) {
      long second = draw.nextLong(-62_200_000_000L, 253_500_000_000L);
      int nano = switch (draw.nextInt(4)) {
        case 0 -> 0;
        case 1 -> draw.nextInt(1_000) * 1_000_000;
        case 2 -> draw.nextInt(1_000_000) * 1_000;
        default -> draw.nextInt(1_000_000_000);
      };
      instants.add(java.time.Instant.ofEpochSecond(second, nano));
    }

    for (java.time.Instant i : instants) {
      assertThat(CheckpointCodec.iso(i)).as("%s", i).isEqualTo(i.toString());
    }
  }
}
