package dev.osupgrade.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class FencingTest {

  @Test
  void check_outsideAnyFence_doesNothing() {
    assertThat(Fencing.isFenced()).isFalse();
    Fencing.check();
  }

  @Test
  void under_fenceHolds_checkedBeforeTheCallAndOnEveryCheckInside() {
    List<String> seen = new ArrayList<>();

    String result = Fencing.under(() -> seen.add("fence"), () -> {
      seen.add("call");
      Fencing.check();
      return "done";
    });

    assertThat(result).isEqualTo("done");
    assertThat(seen).containsExactly("fence", "call", "fence");
    assertThat(Fencing.isFenced()).isFalse();
  }

  @Test
  void under_fenceFails_callNeverRuns() {
    List<String> seen = new ArrayList<>();

    assertThatThrownBy(() -> Fencing.run(() -> {
      throw new LeaseLostException("b holds it");
    }, () -> seen.add("call"))).isInstanceOf(LeaseLostException.class);

    assertThat(seen).isEmpty();
    assertThat(Fencing.isFenced()).isFalse();
  }

  @Test
  void under_fenceFailsMidCall_portCheckStopsTheSend() {
    boolean[] lost = {false};
    List<String> sent = new ArrayList<>();

    assertThatThrownBy(() -> Fencing.run(() -> {
      if (lost[0]) {
        throw new LeaseLostException("lease expired while retrying");
      }
    }, () -> {
      sent.add("attempt 1");
      lost[0] = true;
      Fencing.check();
      sent.add("attempt 2");
    })).isInstanceOf(LeaseLostException.class);

    assertThat(sent).containsExactly("attempt 1");
  }

  @Test
  void under_nested_innerFenceThenOuterRestored() {
    List<String> seen = new ArrayList<>();

    Fencing.run(() -> seen.add("outer"), () -> {
      Fencing.run(() -> seen.add("inner"), Fencing::check);
      Fencing.check();
    });

    assertThat(seen).containsExactly("outer", "inner", "inner", "outer");
  }
}
