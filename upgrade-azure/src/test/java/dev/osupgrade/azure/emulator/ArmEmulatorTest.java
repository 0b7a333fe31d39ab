package dev.osupgrade.azure.emulator;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The emulator itself: ARM's shapes, paging, conditions, errors and virtual time. */
final class ArmEmulatorTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  private static final ImageReference V1 =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202407010");
  private static final ImageReference V2 = V1.withVersion(ImageVersion.parse("22.04.202410010"));

  private final SimulatedFleet world = SimulatedFleet.create(7);

  private JsonNode lastBody(String pathRegex) {
    for (ServeEvent e : ARM.getAllServeEvents()) {
      if (e.getRequest().getUrl().matches(pathRegex)) {
        return ArmJson.read(e.getResponse().getBodyAsString());
      }
    }
    throw new AssertionError("no request matched " + pathRegex);
  }

  @Test
  void getScaleSet_zonalWithExtension_rendersArmShape() {
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(4).zones(2).image(V1));
    EMULATOR.connect(ARM, world).get(web);

    JsonNode vmss = lastBody(".*/virtualMachineScaleSets/web\\?.*");
    assertThat(vmss.get("etag").asText()).isEqualTo("\"1\"");
    assertThat(vmss.get("zones")).hasSize(2);
    assertThat(vmss.at("/sku/capacity").asInt()).isEqualTo(4);
    assertThat(vmss.at("/properties/upgradePolicy/mode").asText()).isEqualTo("Manual");
    assertThat(vmss.at("/properties/virtualMachineProfile/storageProfile/imageReference/version").asText())
        .isEqualTo("22.04.202407010");
    assertThat(vmss.at("/properties/virtualMachineProfile/extensionProfile/extensions/0/properties/type").asText())
        .isEqualTo("ApplicationHealthLinux");
    JsonNode vm = lastBody(".*/virtualMachines\\?.*").at("/value/0");
    assertThat(vm.get("zones").get(0).asText()).isEqualTo("1");
    assertThat(vm.at("/properties/instanceView/vmHealth/status/code").asText()).isEqualTo("HealthState/healthy");
    assertThat(vm.at("/properties/storageProfile/imageReference/exactVersion").asText())
        .isEqualTo("22.04.202407010");
    assertThat(vm.at("/properties/protectionPolicy/protectFromScaleSetActions").asBoolean()).isFalse();
  }

  @Test
  void getScaleSet_probe_rendersHealthProbeAndNoVmHealth() {
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(1).image(V1)
        .healthMonitoring(HealthMonitoring.probe()));

    assertThat(EMULATOR.connect(ARM, world).get(web).healthMonitoring()).isEqualTo(HealthMonitoring.probe());
    assertThat(lastBody(".*/virtualMachines\\?.*").at("/value/0/properties/instanceView/vmHealth").isMissingNode())
        .isTrue();
  }

  @Test
  void listInstances_morePagesThanOne_followsNextLink() {
    EMULATOR.vmPageSize(2);
    try {
      ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(5).image(V1));

      assertThat(EMULATOR.connect(ARM, world).get(web).instances()).hasSize(5);
      ARM.verify(3, getRequestedFor(urlPathMatching(".*/virtualMachines")));
    } finally {
      EMULATOR.vmPageSize(ArmEmulator.DEFAULT_VM_PAGE_SIZE);
    }
  }

  @Test
  void patch_staleIfMatch_412AndNothingChanged() throws Exception {
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(2).image(V1));
    world.publish(V2);
    AzureFleet azure = EMULATOR.connect(ARM, world);
    world.updateModelImage(web, V2); // etag "1" -> "2"

    assertThatThrownBy(() -> azure.updateUpgradePolicy(web, UpgradePolicy.manual(), "\"1\""))
        .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.httpStatus()).isEqualTo(412));
    HttpResponse<String> image = send("PATCH", ARM.getRuntimeInfo().getHttpsBaseUrl() + web.armId()
        + "?api-version=2025-04-01", "{\"properties\": {\"virtualMachineProfile\": {\"storageProfile\": "
        + "{\"imageReference\": {\"publisher\": \"Canonical\", \"offer\": \"0001-com-ubuntu-server-jammy\", "
        + "\"sku\": \"22_04-lts-gen2\", \"version\": \"22.04.202407010\"}}}}}", "\"1\"");

    assertThat(image.statusCode()).isEqualTo(412);
    assertThat(ArmJson.read(image.body()).at("/error/code").asText()).isEqualTo("PreconditionFailed");
    ARM.verify(2, patchRequestedFor(urlPathMatching(".*/web")));
    assertThat(world.peek(web).modelImage()).isEqualTo(V2);
    assertThat(world.peek(web).etag()).isEqualTo("\"2\"");
  }

  @Test
  void throttledCall_429WithRetryAfter_adapterWaitsOnTheVirtualClock() {
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(2).image(V1));
    world.faults().throttle("get", 1, Duration.ofSeconds(20));
    AzureFleet azure = EMULATOR.connect(ARM, world);
    Instant before = world.clock().instant();

    azure.get(web);

    assertThat(world.clock().instant()).isEqualTo(before.plusSeconds(20));
    assertThat(ARM.getAllServeEvents()).anySatisfy(e -> {
      assertThat(e.getResponse().getStatus()).isEqualTo(429);
      assertThat(e.getResponse().getHeaders().getHeader("Retry-After").firstValue()).isEqualTo("20");
      assertThat(ArmJson.read(e.getResponse().getBodyAsString()).at("/error/code").asText())
          .isEqualTo("OperationNotAllowed");
    });
  }

  @Test
  void unknownScaleSet_armErrorShape() {
    world.add(ScaleSetSpec.named("web").instances(1).image(V1));
    AzureFleet azure = EMULATOR.connect(ARM, world);

    assertThatThrownBy(() -> azure.get(ScaleSetId.of("rg", "nope"))).isInstanceOf(CloudException.class);
    JsonNode error = lastBody(".*/nope\\?.*");
    assertThat(error.at("/error/code").asText()).isEqualTo("ResourceNotFound");
    assertThat(error.at("/error/message").asText()).contains("virtualMachineScaleSets/nope");
  }

  @Test
  void cancel_nothingRunning_409AsAzure() {
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(1).image(V1));
    EMULATOR.connect(ARM, world).cancelRollingUpgrade(web);

    ServeEvent cancel = ARM.getAllServeEvents().get(0);
    assertThat(cancel.getResponse().getStatus()).isEqualTo(409);
    assertThat(ArmJson.read(cancel.getResponse().getBodyAsString()).at("/error/message").asText())
        .isEqualTo("There is no ongoing Rolling Upgrade to cancel.");
  }

  @Test
  void manualUpgrade_accepted_operationPollsMoveTheClockUntilDone() throws Exception {
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(2).image(V1));
    world.publish(V2);
    world.updateModelImage(web, V2);
    EMULATOR.connect(ARM, world).upgradeInstances(web, List.of("0"));
    String operation = ARM.getAllServeEvents().get(0).getResponse().getHeaders()
        .getHeader("Azure-AsyncOperation").firstValue();
    Instant accepted = world.clock().instant();

    String status = "";
    int polls = 0;
    while (!status.equals("Succeeded") && polls < 100) {
      status = ArmJson.read(get(operation)).get("status").asText();
      polls++;
    }

    assertThat(status).isEqualTo("Succeeded");
    assertThat(Duration.between(accepted, world.clock().instant()))
        .isEqualTo(EMULATOR.pollAdvance().multipliedBy(polls)); // each poll that found it running
    assertThat(world.peek(web).instance("0").orElseThrow().image()).isEqualTo(V2);
  }

  @Test
  void unknownRoute_501NotEmulated() throws Exception {
    world.add(ScaleSetSpec.named("web").instances(1).image(V1));
    EMULATOR.serve(ARM, world);

    String body = get(ARM.getRuntimeInfo().getHttpsBaseUrl() + "/subscriptions/s/providers/Microsoft.Network/x");

    assertThat(ArmJson.read(body).at("/error/code").asText()).isEqualTo("NotEmulated");
  }

  /** A plain GET that trusts WireMock's certificate. */
  private static String get(String url) throws Exception {
    return send("GET", url, null, null).body();
  }

  /** A plain request that trusts WireMock's certificate. */
  private static HttpResponse<String> send(String method, String url, @Nullable String body,
      @Nullable String ifMatch)
      throws Exception {
    // an extended trust manager that checks nothing also skips the host name check of the self-signed certificate
    X509ExtendedTrustManager trustAll = new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, new TrustManager[] {trustAll}, new SecureRandom());
    HttpClient client = HttpClient.newBuilder().sslContext(ssl).build();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (ifMatch != null) {
      request.header("If-Match", ifMatch);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
