package dev.osupgrade.examples.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.observe.LoggingListener;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.ImageBehavior;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What an SLF4J application sees: with {@code org.slf4j:slf4j-jdk-platform-logging} and Logback on the classpath (and
 * nothing else), {@link LoggingListener}'s {@code System.Logger} lines arrive in Logback under the listener's logger
 * name, at Logback's levels (WARNING as WARN).
 */
final class Slf4jBridgeTest {

  @Test
  void loggingListener_throughTheJdkBridge_arrivesInLogbackWithLevels() {
    ImageReference ubuntu = ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
    ImageVersion bad = ImageVersion.parse("22.04.202411010");
    SimulatedFleet fleet = SimulatedFleet.create(42);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(10).image(ubuntu));
    fleet.publish(ubuntu.withVersion(bad));
    fleet.imageBehavior(bad, ImageBehavior.comesUpUnhealthy());
    @SuppressWarnings("unchecked")
    ListAppender<ILoggingEvent> list = (ListAppender<ILoggingEvent>) ((Logger) LoggerFactory.getLogger("shop.upgrades"))
        .getAppender("LIST");
    list.list.clear();

    Rollout r = fleet.run(Rollout.builder(fleet, web).target(bad).clock(fleet.clock())
        .listener(LoggingListener.named("shop.upgrades")).build());

    long rolledBack = fleet.record(web).instances().stream()
        .filter(id -> fleet.record(web).count(id, InstanceChange.Kind.ROLLBACK_STARTED) == 1).count();
    List<ILoggingEvent> logged = List.copyOf(list.list);
    assertThat(logged).hasSameSizeAs(r.events());
    assertThat(logged).allSatisfy(e -> assertThat(e.getLoggerName()).isEqualTo("shop.upgrades"));
    assertThat(logged).filteredOn(e -> e.getLevel() == Level.ERROR).singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage()).contains("rollout FAULTED"));
    assertThat(logged).filteredOn(e -> e.getLevel() == Level.WARN).hasSize((int) rolledBack + 1);
    assertThat(logged).filteredOn(e -> e.getLevel() == Level.DEBUG)
        .allSatisfy(e -> assertThat(e.getFormattedMessage()).contains(" instance "));
    assertThat(logged.get(0).getFormattedMessage()).isEqualTo(r.events().get(0).toString());
  }
}
