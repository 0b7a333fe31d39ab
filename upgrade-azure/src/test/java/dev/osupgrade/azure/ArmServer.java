package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.resources.fluentcore.utils.ResourceManagerUtils;
import com.github.tomakehurst.wiremock.extension.Extension;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.fleet.ScaleSetId;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A WireMock server that speaks for Azure Resource Manager, and the wiring that points the SDK (and so the adapter)
 * at it. Reusable by any test that needs an ARM endpoint, including a later stateful ARM emulator:
 *
 * <ul>
 *   <li>HTTPS on a dynamic port (the SDK refuses to send a bearer token over plain HTTP);</li>
 *   <li>an {@link AzureEnvironment} whose resource-manager and management endpoints are the server;</li>
 *   <li>a fixed {@link AccessToken} instead of a real credential;</li>
 *   <li>a Netty HTTP client that trusts WireMock's self-signed certificate;</li>
 *   <li>the SDK's long-running-operation poll delay cut to a millisecond (a process-wide SDK setting).</li>
 * </ul>
 */
public final class ArmServer {
  /** The subscription every test scale set lives in. */
  public static final String SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
  /** The scale set most tests use: resource group {@code rg}, name {@code web}. */
  public static final ScaleSetId WEB = ScaleSetId.of(SUBSCRIPTION, "rg", "web");

  static {
    ResourceManagerUtils.InternalRuntimeContext.setDelayProvider(d -> Duration.ofMillis(1));
  }

  private ArmServer() {}

  /** @return a JUnit 5 extension running WireMock on a dynamic HTTPS port, reset before each test */
  public static WireMockExtension extension() {
    return WireMockExtension.newInstance()
        .options(wireMockConfig().httpDisabled(true).dynamicHttpsPort())
        .build();
  }

  /**
   * Same as {@link #extension()}, with WireMock extensions (for example a response transformer) registered.
   *
   * @param extensions the extensions
   * @return the JUnit 5 extension
   */
  public static WireMockExtension extension(Extension... extensions) {
    return WireMockExtension.newInstance()
        .options(wireMockConfig().httpDisabled(true).dynamicHttpsPort().extensions(extensions))
        .build();
  }

  /**
   * Builds a compute manager that talks to the server, with the SDK's default pipeline (including its own retry
   * policy, which the adapter must drop).
   *
   * @param server the server
   * @return the manager
   */
  public static ComputeManager computeManager(WireMockExtension server) {
    return computeManager(server, new HttpPipelinePolicy[0]);
  }

  /**
   * Same as {@link #computeManager(WireMockExtension)}, with extra pipeline policies (for example one that tags every
   * request with the replica that sent it, so that a test can tell two adapters' requests apart in the journal).
   *
   * @param server the server
   * @param policies the policies, added to the SDK's default pipeline
   * @return the manager
   */
  public static ComputeManager computeManager(WireMockExtension server, HttpPipelinePolicy... policies) {
    return computeManager(server.getRuntimeInfo().getHttpsBaseUrl(), policies);
  }

  /**
   * Builds a compute manager that talks to an ARM endpoint served by WireMock, in this JVM or another (a replica
   * process of a multi-process test gets the server's address on its command line).
   *
   * @param httpsBaseUrl the server's HTTPS base URL, e.g. {@code https://127.0.0.1:41234}
   * @param policies the policies, added to the SDK's default pipeline
   * @return the manager
   */
  public static ComputeManager computeManager(String httpsBaseUrl, HttpPipelinePolicy... policies) {
    AzureProfile profile = new AzureProfile("tenant", SUBSCRIPTION, environment(httpsBaseUrl));
    TokenCredential token = request -> Mono.just(new AccessToken("test-token", OffsetDateTime.now().plusHours(1)));
    ComputeManager.Configurable configurable = ComputeManager.configure().withHttpClient(trustingClient());
    for (HttpPipelinePolicy policy : policies) {
      configurable = configurable.withPolicy(policy);
    }
    return configurable.authenticate(token, profile);
  }

  /**
   * Builds the adapter over the server, with fast backoff and a sleeper that records every wait.
   *
   * @param server the server
   * @param waits where the sleeper records the waits
   * @return the adapter
   */
  static AzureFleet fleet(WireMockExtension server, List<Duration> waits) {
    return AzureFleet.builder()
        .computeManager(computeManager(server))
        .retry(AzureFleet.RetrySettings.ofDefaults().withBackoff(Duration.ofMillis(100), Duration.ofMillis(800)))
        .sleeper(waits::add)
        .build();
  }

  /**
   * Builds the adapter over the server.
   *
   * @param server the server
   * @return the adapter, recording waits nowhere
   */
  static AzureFleet fleet(WireMockExtension server) {
    return fleet(server, new CopyOnWriteArrayList<>());
  }

  /**
   * An Azure cloud whose resource-manager and management endpoints are the server (the rest as in public Azure).
   *
   * @param server the server
   * @return the environment
   */
  public static AzureEnvironment environment(WireMockExtension server) {
    return environment(server.getRuntimeInfo().getHttpsBaseUrl());
  }

  /**
   * An Azure cloud whose resource-manager and management endpoints are the given HTTPS base URL.
   *
   * @param httpsBaseUrl the server's HTTPS base URL
   * @return the environment
   */
  public static AzureEnvironment environment(String httpsBaseUrl) {
    String endpoint = httpsBaseUrl + "/";
    Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
    endpoints.put("resourceManagerEndpointUrl", endpoint);
    endpoints.put("managementEndpointUrl", endpoint);
    return new AzureEnvironment(endpoints);
  }

  /**
   * One client for every adapter of the tests: an adapter that stands for a restarted process still reads nothing it
   * read before (its state is its own), but reuses the pooled connections, instead of paying a TLS context and
   * handshakes for each of the hundreds of adapters the fault sweep builds.
   */
  private static volatile @Nullable HttpClient shared;

  /** @return a Netty HTTP client that trusts any certificate, WireMock's self-signed one included (shared) */
  public static HttpClient trustingClient() {
    HttpClient client = shared;
    if (client == null) {
      synchronized (ArmServer.class) {
        client = shared;
        if (client == null) {
          client = newTrustingClient();
          shared = client;
        }
      }
    }
    return client;
  }

  private static HttpClient newTrustingClient() {
    SslContext ssl;
    try {
      ssl = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
    return new NettyAsyncHttpClientBuilder(
        reactor.netty.http.client.HttpClient.create().secure(spec -> spec.sslContext(ssl))).build();
  }

  /** @return the ARM path of {@link #WEB} */
  static String webPath() {
    return path(WEB);
  }

  /**
   * @param id a scale set
   * @return its ARM path (lower-case resource group and name, as the adapter sends them)
   */
  static String path(ScaleSetId id) {
    return id.armId();
  }

  /**
   * Reads a response body from {@code src/test/resources/arm}.
   *
   * @param name the file name
   * @return the body
   */
  static String body(String name) {
    try (InputStream in = ArmServer.class.getResourceAsStream("/arm/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource arm/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a body and points its {@code nextLink} at the server (or removes it).
   *
   * @param name the file name
   * @param server the server
   * @param nextPath the path (with query) of the next page, or null for the last page
   * @return the body
   */
  static String page(String name, WireMockExtension server, String nextPath) {
    String body = body(name);
    String next = nextPath == null ? "null" : "\"" + server.getRuntimeInfo().getHttpsBaseUrl() + nextPath + "\"";
    return body.replaceAll("\"nextLink\"\\s*:\\s*\"[^\"]*\"",
        java.util.regex.Matcher.quoteReplacement("\"nextLink\": " + next));
  }

  /** @return the HTTPS base URL of the server */
  public static String base(WireMockExtension server) {
    return server.getRuntimeInfo().getHttpsBaseUrl();
  }
}
