package dev.osupgrade.estate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

final class RehearsalBudgetTest {
  private static RehearsalResult result(Duration makespan, int lowest, List<String> problems) {
    return new RehearsalResult("ubuntu", "canary", ImageVersion.parse("1.2.3"), 2, 6, List.of("rg/web: 3 batches"),
        makespan, lowest, ScaleSetId.of("rg", "web"), problems);
  }

  @Test
  void breach_overMakespanOrUnderCapacityOrProblems_saysWhy() {
    RehearsalBudget budget = RehearsalBudget.of(Duration.ofHours(1), 50);

    assertThat(result(Duration.ofMinutes(40), 66, List.of()).breach(budget)).isEmpty();
    assertThat(result(Duration.ofMinutes(90), 66, List.of()).breach(budget))
        .hasValue("predicted makespan 1h30m exceeds the budget of 1h");
    assertThat(result(Duration.ofMinutes(40), 33, List.of()).breach(budget))
        .hasValue("healthy capacity would drop to 33%, below the budget of 50%");
    assertThat(result(Duration.ofMinutes(40), 66, List.of("rg/web ended Faulted")).breach(budget))
        .hasValue("the rehearsal met problems: rg/web ended Faulted");
    assertThat(result(Duration.ofDays(20), 0, List.of()).breach(RehearsalBudget.none())).isEmpty();
  }

  @Test
  void values_outOfRange_rejected() {
    assertThatThrownBy(() -> RehearsalBudget.of(Duration.ofDays(31), 50)).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> RehearsalBudget.of(Duration.ofHours(1), 101)).isInstanceOf(InvalidValueException.class);
    assertThat(RehearsalBudget.none()).hasToString("no budget");
    assertThat(RehearsalBudget.of(Duration.ofHours(4), 50)).hasToString("budget[makespan <= 4h, healthy >= 50%]");
  }

  @Test
  void result_secretsInPlanOrProblems_masked() {
    RehearsalResult r = result(Duration.ofMinutes(5), 50, List.of("refused: Authorization: Bearer "
        + "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"));

    assertThat(r.problems().get(0)).doesNotContain("eyJhbGciOiJSUzI1NiJ9").contains("***");
  }
}
