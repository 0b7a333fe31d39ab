package dev.osupgrade.estate;

import static dev.osupgrade.estate.DesiredStateTest.UBUNTU;
import static dev.osupgrade.estate.DesiredStateTest.summary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class SelectorTest {
  private final ScaleSetSummary web = summary("Team-A", "web", "westeurope", UBUNTU, Map.of("Ring", "canary",
      "tier", "web"));

  @Test
  void matches_everyCriterionSet_mustMatch() {
    assertThat(Selector.all().matches(web)).isTrue();
    assertThat(Selector.tag("ring", "canary").matches(web)).as("tag names without case").isTrue();
    assertThat(Selector.tag("ring", "Canary").matches(web)).as("values exactly").isFalse();
    assertThat(Selector.resourceGroup("team-a").matches(web)).isTrue();
    assertThat(Selector.region("eastus", "westeurope").matches(web)).isTrue();
    assertThat(Selector.region("westeurope").andTag("tier", "api").matches(web)).isFalse();
    assertThat(Selector.tag("tier", "web").andResourceGroup("team-b").matches(web)).isFalse();
    assertThat(Selector.scaleSets(ScaleSetId.of("team-a", "web")).matches(web)).isTrue();
    assertThat(Selector.scaleSets(ScaleSetId.of("team-a", "api")).matches(web)).isFalse();
  }

  @Test
  void toString_readsAsTheRule() {
    assertThat(Selector.all()).hasToString("every scale set");
    assertThat(Selector.tag("ring", "canary").andRegion("westeurope", "northeurope"))
        .hasToString("tag ring=canary, region northeurope or westeurope");
    assertThat(Selector.resourceGroup("RG-Web")).hasToString("resource group rg-web");
  }

  @Test
  void badValues_rejected() {
    assertThatThrownBy(() -> Selector.resourceGroup("a/b")).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> Selector.tag("ring", "a\nb")).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> Selector.region(" ")).isInstanceOf(InvalidValueException.class);
  }
}
