package dev.osupgrade.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Fleets;
import dev.osupgrade.InvalidValueException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

// ScaleSet.instance finds every instance of a listing by id, whether the listing is in id order or not.
class ScaleSetInstanceLookupTest {

  static Stream<Long> seeds() {
    return LongStream.rangeClosed(1, 20).boxed();
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void instance_ofAListingInIdOrderOrShuffled_isFoundByIdAndNothingElseIs(long seed) {
    Random random = new Random(seed);
    List<Instance> listed = new ArrayList<>();
    int count = random.nextInt(400);
    for (int k = 0; k < count; k++) {
      String id = seed % 3 == 0 ? "vm" + k : String.valueOf(k * 2); // even ids: the odd ones are absent
      listed.add(Fleets.instance(id, Zone.REGIONAL, k % 5));
    }
    if (seed % 2 == 0) {
      Collections.shuffle(listed, random);
    }

    ScaleSet fleet = Fleets.scaleSet(listed);

    assertThat(fleet.instances()).containsExactlyElementsOf(listed);
    for (Instance i : listed) {
      assertThat(fleet.instance(i.instanceId())).containsSame(i);
    }
    for (int k = 0; k < count; k++) {
      assertThat(fleet.instance(String.valueOf(k * 2 + 1))).isEmpty();
    }
    assertThat(fleet.instance(String.valueOf(count * 2))).isEmpty();
    assertThat(fleet.instance("")).isEmpty();
    assertThat(fleet.instance(null)).isEmpty();
  }

  @Test
  void scaleSet_withTwoInstancesOfOneId_isRefused_inIdOrderOrNot() {
    List<Instance> inOrder = List.of(Fleets.instance("1", Zone.REGIONAL, 0), Fleets.instance("2", Zone.REGIONAL, 1),
        Fleets.instance("2", Zone.REGIONAL, 2));
    List<Instance> outOfOrder = List.of(Fleets.instance("2", Zone.REGIONAL, 0),
        Fleets.instance("1", Zone.REGIONAL, 1), Fleets.instance("2", Zone.REGIONAL, 2));

    assertThatThrownBy(() -> Fleets.scaleSet(inOrder)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("unique by instance id");
    assertThatThrownBy(() -> Fleets.scaleSet(outOfOrder)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("unique by instance id");
  }
}
