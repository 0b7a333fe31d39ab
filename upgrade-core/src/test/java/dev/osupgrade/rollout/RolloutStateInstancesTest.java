package dev.osupgrade.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Fleets;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.rollout.RolloutState.Phase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

// A state's instances (shared between states, held in arrays) behave as the sorted, unmodifiable map they were.
class RolloutStateInstancesTest {

  private static RolloutState stateWith(SortedMap<String, InstanceProgress> instances) {
    return new RolloutState(Fleets.ID, Fleets.NEW, RolloutStatus.ROLLING_FORWARD, Phase.IN_BATCH, null, null, null,
        Fleets.T0, null, 1, Fleets.T0, null, Fleets.T0, instances, List.of(), null, 7, false, false, null, null,
        new TreeMap<>(), null, new TreeMap<>(), new TreeMap<>());
  }

  private static InstanceProgress progress(String id, int batch, InstanceStage stage) {
    InstanceProgress p = InstanceProgress.pending(id, batch, Fleets.OLD_IMAGE);
    return stage == InstanceStage.PENDING ? p
        : new InstanceProgress(id, batch, Fleets.OLD_IMAGE, stage, Fleets.T0, null, null, null);
  }

  static Stream<Long> seeds() {
    return LongStream.rangeClosed(1, 20).boxed();
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void instances_givenInAnyOrder_equalATreeMapInInstanceIdOrder(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<String> ids = new ArrayList<>();
    int count = 1 + random.nextInt(300);
    for (int k = 0; k < count; k++) {
      ids.add(random.nextInt(4) == 0 ? "vm-" + k : String.valueOf(k));
    }
    Collections.shuffle(ids, new java.util.Random(seed));
    // a map in another order: natural ("10" before "2") or reversed
    SortedMap<String, InstanceProgress> given =
        seed % 2 == 0 ? new TreeMap<>() : new TreeMap<>(java.util.Comparator.reverseOrder());
    TreeMap<String, InstanceProgress> expected = new TreeMap<>(InstanceIds.ORDER);
    for (String id : ids) {
      InstanceProgress p = progress(id, 1 + random.nextInt(5),
          InstanceStage.values()[random.nextInt(InstanceStage.values().length)]);
      given.put(id, p);
      expected.put(id, p);
    }

    RolloutState state = stateWith(given);

    SortedMap<String, InstanceProgress> instances = state.instances();
    assertThat(instances).isEqualTo(expected);
    assertThat(expected).isEqualTo(instances);
    assertThat(instances.hashCode()).isEqualTo(expected.hashCode());
    assertThat(List.copyOf(instances.keySet())).containsExactlyElementsOf(expected.keySet());
    assertThat(List.copyOf(instances.values())).containsExactlyElementsOf(expected.values());
    assertThat(instances.firstKey()).isEqualTo(expected.firstKey());
    assertThat(instances.lastKey()).isEqualTo(expected.lastKey());
    assertThat(instances.comparator()).isSameAs(InstanceIds.ORDER);
    String middle = ids.get(ids.size() / 2);
    assertThat(instances.headMap(middle)).isEqualTo(expected.headMap(middle));
    assertThat(instances.tailMap(middle)).isEqualTo(expected.tailMap(middle));
    for (String id : ids) {
      assertThat(instances.get(id)).isSameAs(expected.get(id));
    }
    assertThat(instances.get("nope")).isNull();
    assertThat(instances.containsKey("99999")).isFalse();
    // the same state from a map in another order is equal, and reads back equal from its checkpoint
    assertThat(stateWith(expected)).isEqualTo(state).hasSameHashCodeAs(state);
    assertThat(RolloutState.decode(state.encode())).isEqualTo(state);
  }

  @Test
  void instances_ofAState_cannotBeChanged() {
    RolloutState state = stateWith(new TreeMap<>(Map.of("1", progress("1", 1, InstanceStage.PENDING),
        "2", progress("2", 1, InstanceStage.UPGRADING))));

    assertThatThrownBy(() -> state.instances().put("3", progress("3", 1, InstanceStage.PENDING)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> state.instances().remove("1")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> state.instances().keySet().remove("1"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> state.instances().values().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> state.instances().entrySet().iterator().next().setValue(null))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(state.instances()).containsOnlyKeys("1", "2");
  }

  @Test
  void instances_ofAState_doNotFollowTheMapTheyWereMadeFrom() {
    SortedMap<String, InstanceProgress> given = new TreeMap<>();
    given.put("1", progress("1", 1, InstanceStage.PENDING));
    RolloutState state = stateWith(given);

    given.put("2", progress("2", 1, InstanceStage.PENDING));

    assertThat(state.instances()).containsOnlyKeys("1");
  }

  @Test
  void instances_withANullProgress_areRefused() {
    SortedMap<String, InstanceProgress> given = new TreeMap<>();
    given.put("1", null);

    assertThatThrownBy(() -> stateWith(given)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("instances");
  }
}
