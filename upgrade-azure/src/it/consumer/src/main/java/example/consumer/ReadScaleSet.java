package example.consumer;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.management.AzureEnvironment;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * What a new user writes after adding upgrade-azure: a fleet from a credential and a subscription, and a scale set
 * read through it. The credential is a fixed token and the cloud an ARM endpoint of the test's (a real service passes
 * {@code new DefaultAzureCredentialBuilder().build()} and leaves the environment at its default, public Azure).
 *
 * <p>Arguments: ARM endpoint (https), subscription id, resource group, scale set name.
 */
public final class ReadScaleSet {
  private ReadScaleSet() {}

  public static void main(String[] args) {
    Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
    endpoints.put("resourceManagerEndpointUrl", args[0]);
    endpoints.put("managementEndpointUrl", args[0]);
    TokenCredential credential =
        request -> Mono.just(new AccessToken("consumer-token", OffsetDateTime.now().plusHours(1)));

    AzureFleet fleet = AzureFleet.builder()
        .credential(credential)
        .subscriptionId(args[1])
        .environment(new AzureEnvironment(endpoints))
        .build();
    ScaleSet scaleSet = fleet.get(ScaleSetId.of(args[1], args[2], args[3]));

    System.out.println("read " + scaleSet.id() + ": " + scaleSet.instanceCount() + " instances, model "
        + scaleSet.modelImage() + ", mode " + scaleSet.upgradePolicy().mode());
    for (Instance instance : scaleSet.instances()) {
      System.out.println("  instance " + instance.instanceId() + " " + instance.health());
    }
    System.out.println("http client " + com.azure.core.http.HttpClient.createDefault().getClass().getName());
  }
}
