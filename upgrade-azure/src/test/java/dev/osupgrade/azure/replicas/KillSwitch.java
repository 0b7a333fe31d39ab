package dev.osupgrade.azure.replicas;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.osupgrade.azure.emulator.ArmFaults;
import dev.osupgrade.azure.emulator.ArmOp;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.testkit.SimulatedFleet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Kills the leader mid-batch, in front of the {@link ArmFaults} layer (and so the emulator): when the {@code n}-th
 * {@code manualupgrade} of any one scale set has been applied to the world, it kills the replica whose tag
 * ({@value ArmFaults#REPLICA_HEADER}) the request carries, before the answer goes back: the request reached ARM and
 * changed the world, and its sender died without hearing of it, its batch in flight. This happens while the world is
 * held (no other request is answered and the world's clock does not move meanwhile), so what the world shows at the
 * kill is what the batch left: its instances still updating.
 */
final class KillSwitch implements ResponseDefinitionTransformerV2 {
  /** The transformer's name. */
  static final String NAME = "kill-switch";

  /**
   * What the switch did.
   *
   * @param replica the replica killed
   * @param scaleSet the scale set of the request (lower case)
   * @param instanceIds the instances the request named
   * @param stateAtKill their provisioning states in the world when the replica was dead
   * @param at when it was killed, epoch milliseconds
   */
  record Kill(String replica, String scaleSet, List<String> instanceIds,
      Map<String, ProvisioningState> stateAtKill, long at) {}

  private final ArmFaults faults;
  private final Map<String, Integer> upgrades = new HashMap<>();
  private volatile @Nullable SimulatedFleet world;
  private volatile int nth;
  private volatile @Nullable ToLongFunction<String> killer;
  private volatile @Nullable Kill kill;

  /**
   * @param faults the layer every request goes on to
   */
  KillSwitch(ArmFaults faults) {
    this.faults = faults;
  }

  /**
   * Serves a world through the fault layer with this switch in front (call after {@link ArmFaults#serve}).
   *
   * @param server the server with this switch, the layer and the emulator registered
   * @param fleet the world the layer serves
   */
  void serve(WireMockExtension server, SimulatedFleet fleet) {
    this.world = fleet;
    server.stubFor(any(anyUrl()).atPriority(0).willReturn(aResponse().withTransformers(NAME)));
  }

  /**
   * Arms the switch.
   *
   * @param n kill at the {@code n}-th accepted {@code manualupgrade} of a scale set
   * @param kills kills a replica by its tag and says when (epoch milliseconds)
   */
  void arm(int n, ToLongFunction<String> kills) {
    this.nth = n;
    this.killer = kills;
  }

  /** @return what it did, once it did */
  Optional<Kill> kill() {
    return Optional.ofNullable(kill);
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  @Override
  public ResponseDefinition transform(ServeEvent event) {
    SimulatedFleet w = world;
    if (w == null) {
      return faults.transform(event);
    }
    synchronized (w) {
      ResponseDefinition answer = faults.transform(event);
      ToLongFunction<String> kills = killer;
      LoggedRequest request = event.getRequest();
      if (kills == null || kill != null || faults.opOf(event).orElse(ArmOp.OTHER) != ArmOp.POST_MANUAL_UPGRADE
          || answer.getStatus() / 100 != 2 || !request.containsHeader(ArmFaults.REPLICA_HEADER)) {
        return answer;
      }
      String scaleSet = MutatingRequest.scaleSetOf(request.getUrl());
      if (upgrades.merge(scaleSet, 1, Integer::sum) != nth) {
        return answer;
      }
      String replica = request.getHeader(ArmFaults.REPLICA_HEADER);
      List<String> ids = MutatingRequest.instanceIds(request.getBodyAsString());
      long at = kills.applyAsLong(replica);
      Map<String, ProvisioningState> states = new TreeMap<>();
      ScaleSetId id = w.scaleSetIds().stream().filter(s -> LeaseLine.key(s).equals(scaleSet)).findFirst()
          .orElseThrow();
      for (Instance i : w.peek(id).instances()) {
        if (ids.contains(i.instanceId())) {
          states.put(i.instanceId(), i.provisioningState());
        }
      }
      kill = new Kill(replica, scaleSet, ids, states, at);
      return answer;
    }
  }
}
