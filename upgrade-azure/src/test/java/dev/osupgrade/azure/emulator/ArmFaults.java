package dev.osupgrade.azure.emulator;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.osupgrade.azure.ArmServer;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.testkit.SimulatedFleet;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A scripted, seeded fault layer in front of the {@link ArmEmulator}: a WireMock response transformer that classifies
 * every request as an {@link ArmOp}, lets the emulator answer it (or not), and spoils the exchange as a
 * {@linkplain #on rule} says: on the k-th matching request and the next ones until the rule has fired {@code n}
 * times, or with a seeded probability. Faults "before" ({@link ArmFault#forwards()} false) answer without the
 * emulator seeing the request, so the world does not change; faults "after" let the emulator apply it and then lose
 * or spoil the answer. Every firing is recorded ({@link #firings()}), so a test can assert that its fault fired, and
 * every request's operation is kept by its journal id ({@link #opOf}), so a test can read WireMock's journal by
 * operation.
 *
 * <pre>{@code
 * static final ArmEmulator EMULATOR = ArmEmulator.create();
 * static final ArmFaults FAULTS = ArmFaults.over(EMULATOR);
 * @RegisterExtension static final WireMockExtension ARM = FAULTS.extension();
 *
 * AzureFleet azure = FAULTS.connect(ARM, world);
 * FAULTS.on(ArmOp.PATCH_ROLLBACK_MODEL).nth(1).inject(ArmFault.RESET_AFTER);  // applied, the answer lost
 * FAULTS.on(ArmOp.LIST_VMS).nth(5).times(6).inject(ArmFault.SERVER_ERROR);    // a storm of six 503s
 * FAULTS.on(ArmOp.GET_SCALE_SET).withProbability(0.2, 42).inject(ArmFault.RESET_BEFORE);
 * ...
 * assertThat(FAULTS.fired(ArmOp.PATCH_ROLLBACK_MODEL, ArmFault.RESET_AFTER)).isEqualTo(1);
 * }</pre>
 *
 * <p>Requests are handled one at a time, holding the world's monitor (as the emulator does). Requests may carry a
 * {@value #REPLICA_HEADER} header ({@link #replicaTag}), recorded with each request, so that tests with several
 * adapters can tell whose request it was.
 */
public final class ArmFaults implements ResponseDefinitionTransformerV2 {
  /** The transformer's name. */
  public static final String NAME = "arm-faults";
  /** The header {@link #replicaTag} adds to every request. */
  public static final String REPLICA_HEADER = "x-test-replica";
  /** The default {@code Retry-After} of {@link ArmFault#THROTTLED_LONG}: longer than the adapter's 60-second ceiling. */
  public static final Duration DEFAULT_THROTTLE_RETRY_AFTER = Duration.ofMinutes(10);
  /** The default delay of {@link ArmFault#SLOW}: longer than a rollout's default 5-minute lease. */
  public static final Duration DEFAULT_SLOW_BY = Duration.ofMinutes(6);

  private static final Pattern SCALE_SET = Pattern.compile("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+"
      + "/providers/Microsoft\\.Compute/virtualMachineScaleSets/([^/]+)(/.*)?$");
  private static final Pattern ONE_VM = Pattern.compile("^/virtualmachines/[^/]+$");
  private static final Pattern GALLERY = Pattern.compile("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+"
      + "/providers/Microsoft\\.Compute/galleries/[^/]+/images/[^/]+/versions(/[^/]+)?$");
  private static final Pattern MARKETPLACE = Pattern.compile("(?i)^/subscriptions/[^/]+/providers/"
      + "Microsoft\\.Compute/locations/[^/]+/publishers/.+/versions$");
  private static final Pattern OPERATION = Pattern.compile("(?i)^/subscriptions/[^/]+/providers/"
      + "Microsoft\\.Compute/locations/[^/]+/operations/[^/]+$");
  private static final Pattern SKUS = Pattern.compile("(?i)^/subscriptions/[^/]+/providers/Microsoft\\.Compute/skus$");
  private static final Pattern USAGES = Pattern.compile("(?i)^/subscriptions/[^/]+/providers/"
      + "Microsoft\\.Compute/locations/[^/]+/usages$");
  private static final Pattern RESOURCE_GROUP_VMS = Pattern.compile("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+"
      + "/providers/Microsoft\\.Compute/virtualMachines(/[^/]+)?$");
  private static final Pattern LOCKS = Pattern.compile("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+"
      + "/providers/Microsoft\\.Authorization/locks$");
  private static final Pattern SCALE_SETS = Pattern.compile("(?i)^/subscriptions/[^/]+(/resourceGroups/[^/]+)?"
      + "/providers/Microsoft\\.Compute/virtualMachineScaleSets/?$");

  /** One rule: which requests, which fault, how often. */
  public final class Rule {
    private final ArmOp op;
    private int from = 1;
    private int times = 1;
    private double probability = 1.0;
    private @Nullable SplittableRandom random;
    private Predicate<LoggedRequest> when = r -> true;
    private @Nullable ArmFault fault;
    private int matched;
    private int fired;
    private boolean lifted;

    private Rule(ArmOp op) {
      this.op = op;
    }

    /**
     * Starts firing at the k-th matching request (default 1).
     *
     * @param k 1 for the first
     * @return this rule
     */
    public Rule nth(int k) {
      if (k < 1) {
        throw new IllegalArgumentException("nth must be at least 1, but was " + k);
      }
      this.from = k;
      return this;
    }

    /**
     * Fires this many times (default 1), on consecutive matching requests from the {@link #nth} on (where the fault
     * can be expressed), then is lifted. A storm of 5xx is {@code times(n)}.
     *
     * @param n at least 1
     * @return this rule
     */
    public Rule times(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("times must be at least 1, but was " + n);
      }
      this.times = n;
      return this;
    }

    /** @return this rule, firing on every matching request until {@link #lift lifted} */
    public Rule always() {
      this.times = Integer.MAX_VALUE;
      return this;
    }

    /**
     * Fires on each matching request with a probability, drawn from a random stream of its own (same seed, same
     * firings), up to {@link #times} firings (set {@link #always()} for no bound).
     *
     * @param p in [0, 1]
     * @param seed the stream's seed
     * @return this rule
     */
    public Rule withProbability(double p, long seed) {
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("probability must be in [0, 1], but was " + p);
      }
      this.probability = p;
      this.random = new SplittableRandom(seed);
      return this;
    }

    /**
     * Narrows the rule to requests that pass a test (e.g. one replica's, by {@link #REPLICA_HEADER}).
     *
     * @param test the test
     * @return this rule
     */
    public Rule when(Predicate<LoggedRequest> test) {
      this.when = test;
      return this;
    }

    /**
     * Arms the rule.
     *
     * @param value the fault
     * @return this rule
     */
    public Rule inject(ArmFault value) {
      this.fault = value;
      synchronized (rules) {
        rules.add(this);
      }
      return this;
    }

    /** Stops the rule from firing again. */
    public void lift() {
      lifted = true;
    }

    /** @return how many times it fired */
    public int fired() {
      return fired;
    }

    /** @return true once it has fired all its times, or was lifted */
    public boolean isLifted() {
      return lifted || fired >= times;
    }

    /** @return the operation it matches */
    public ArmOp op() {
      return op;
    }

    /** @return the fault it injects */
    public ArmFault fault() {
      return java.util.Objects.requireNonNull(fault, "fault");
    }

    /** Counts a matching request; true if the rule wants to fire on it. */
    private boolean wants(LoggedRequest request) {
      if (isLifted() || !when.test(request)) {
        return false;
      }
      matched++;
      if (matched < from) {
        return false;
      }
      return random == null || random.nextDouble() < probability;
    }

    @Override
    public String toString() {
      return fault + " on " + op + (from > 1 ? " from request " + from : "") + (times == Integer.MAX_VALUE
          ? ", always" : times > 1 ? ", " + times + " times" : "") + (random != null ? ", p=" + probability : "")
          + " (fired " + fired + ")";
    }
  }

  /**
   * One fired fault.
   *
   * @param op the request's operation
   * @param fault the fault
   * @param method the HTTP method
   * @param url the URL (path and query)
   * @param replica the {@value #REPLICA_HEADER} of the request, if any
   * @param at the world's time when it fired
   */
  public record Firing(ArmOp op, ArmFault fault, String method, String url, @Nullable String replica, Instant at) {}

  private final ArmEmulator emulator;
  private final List<Rule> rules = new ArrayList<>();
  private final List<Firing> firings = new CopyOnWriteArrayList<>();
  private final Map<UUID, ArmOp> ops = new ConcurrentHashMap<>();
  private final Map<ArmOp, Integer> requests = new EnumMap<>(ArmOp.class);
  /** Per scale set: the newest model version seen, and the label of its last model PATCH. */
  private final Map<String, ImageVersion> highestModel = new HashMap<>();
  private final Map<String, ArmOp> lastModelPatch = new HashMap<>();
  private volatile @Nullable SimulatedFleet world;
  private volatile Duration throttleRetryAfter = DEFAULT_THROTTLE_RETRY_AFTER;
  private volatile Duration slowBy = DEFAULT_SLOW_BY;

  private ArmFaults(ArmEmulator emulator) {
    this.emulator = emulator;
  }

  /**
   * Puts a fault layer in front of an emulator.
   *
   * @param emulator the emulator that answers what passes
   * @return the layer, without rules
   */
  public static ArmFaults over(ArmEmulator emulator) {
    return new ArmFaults(java.util.Objects.requireNonNull(emulator, "emulator"));
  }

  /** @return a JUnit 5 WireMock extension (HTTPS, dynamic port) with the emulator and this layer registered */
  public WireMockExtension extension() {
    return ArmServer.extension(emulator, this);
  }

  /** @return the emulator behind this layer */
  public ArmEmulator emulator() {
    return emulator;
  }

  /**
   * Sets the {@code Retry-After} of {@link ArmFault#THROTTLED_LONG}.
   *
   * @param value at least a second
   * @return this layer
   */
  public ArmFaults throttleRetryAfter(Duration value) {
    if (value.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("throttleRetryAfter must be at least 1 s, but was " + value);
    }
    this.throttleRetryAfter = value;
    return this;
  }

  /**
   * Sets how far {@link ArmFault#SLOW} moves the world's clock.
   *
   * @param value positive
   * @return this layer
   */
  public ArmFaults slowBy(Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("slowBy must be positive, but was " + value);
    }
    this.slowBy = value;
    return this;
  }

  /**
   * Serves a world through this layer: the emulator answers from it, this layer sees every request first. Forgets
   * every rule, firing and count of an earlier world, and WireMock's journal, so that the journal holds this world's
   * requests only.
   *
   * @param server the server running the emulator and this layer
   * @param fleet the world
   */
  public void serve(WireMockExtension server, SimulatedFleet fleet) {
    emulator.serve(server, fleet);
    server.resetRequests();
    synchronized (rules) {
      rules.clear();
    }
    firings.clear();
    ops.clear();
    synchronized (requests) {
      requests.clear();
    }
    highestModel.clear();
    lastModelPatch.clear();
    this.world = fleet;
    server.stubFor(any(anyUrl()).atPriority(1).willReturn(aResponse().withTransformers(NAME)));
  }

  /**
   * Serves a world through this layer and returns an adapter over it (see {@link #adapter}).
   *
   * @param server the server
   * @param fleet the world
   * @return the adapter
   */
  public AzureFleet connect(WireMockExtension server, SimulatedFleet fleet) {
    serve(server, fleet);
    return adapter(server, fleet);
  }

  /**
   * A new adapter over a world this layer already serves (for example the adapter of a process that restarted after a
   * crash, with nothing cached), on the world's clock, its retry waits spent on the world's clock.
   *
   * @param server the server
   * @param fleet the world
   * @param policies extra pipeline policies, e.g. {@link #replicaTag}
   * @return the adapter
   */
  public AzureFleet adapter(WireMockExtension server, SimulatedFleet fleet, HttpPipelinePolicy... policies) {
    return adapter(server, fleet, d -> emulator.locked(() -> fleet.clock().advance(d)), policies);
  }

  /**
   * A new adapter over a world this layer already serves, with its own way of waiting between retries.
   *
   * @param server the server
   * @param fleet the world
   * @param sleeper how the adapter waits
   * @param policies extra pipeline policies
   * @return the adapter
   */
  public AzureFleet adapter(WireMockExtension server, SimulatedFleet fleet, AzureFleet.Sleeper sleeper,
      HttpPipelinePolicy... policies) {
    return AzureFleet.builder()
        .computeManager(ArmServer.computeManager(server, policies))
        .clock(fleet.clock())
        .sleeper(sleeper)
        .build();
  }

  /**
   * A pipeline policy that tags every request with {@value #REPLICA_HEADER}.
   *
   * @param replica the tag
   * @return the policy
   */
  public static HttpPipelinePolicy replicaTag(String replica) {
    HttpHeaderName header = HttpHeaderName.fromString(REPLICA_HEADER);
    return (context, next) -> {
      context.getHttpRequest().setHeader(header, replica);
      return next.process();
    };
  }

  /**
   * Starts a rule for an operation; {@link Rule#inject} arms it.
   *
   * @param op the operation
   * @return the rule
   */
  public Rule on(ArmOp op) {
    return new Rule(java.util.Objects.requireNonNull(op, "op"));
  }

  /** Lifts every rule: from now on every request passes. */
  public void liftAll() {
    synchronized (rules) {
      rules.forEach(Rule::lift);
    }
  }

  /** @return true when no rule will fire again */
  public boolean allLifted() {
    synchronized (rules) {
      return rules.stream().allMatch(Rule::isLifted);
    }
  }

  /** @return every fired fault, oldest first */
  public List<Firing> firings() {
    return Collections.unmodifiableList(firings);
  }

  /** @return how many faults fired */
  public int fired() {
    return firings.size();
  }

  /**
   * @param fault a fault class
   * @return how many times it fired
   */
  public int fired(ArmFault fault) {
    return (int) firings.stream().filter(f -> f.fault() == fault).count();
  }

  /**
   * @param op an operation
   * @param fault a fault class
   * @return how many times the fault fired on the operation
   */
  public int fired(ArmOp op, ArmFault fault) {
    return (int) firings.stream().filter(f -> f.op() == op && f.fault() == fault).count();
  }

  /**
   * @param op an operation
   * @return how many requests of it came in (fired or not)
   */
  public int requests(ArmOp op) {
    synchronized (requests) {
      return requests.getOrDefault(op, 0);
    }
  }

  /** @return requests per operation, of the operations that came in at all */
  public Map<ArmOp, Integer> requestCounts() {
    synchronized (requests) {
      return new EnumMap<>(requests);
    }
  }

  /**
   * The operation of a request in WireMock's journal.
   *
   * @param event the journal's entry
   * @return its operation, or empty for a request this layer did not see
   */
  public Optional<ArmOp> opOf(ServeEvent event) {
    return Optional.ofNullable(ops.get(event.getId()));
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
      return emulator.transform(event);
    }
    synchronized (w) {
      LoggedRequest request = event.getRequest();
      ArmOp op = classify(request, w);
      ops.put(event.getId(), op);
      synchronized (requests) {
        requests.merge(op, 1, Integer::sum);
      }
      Rule rule = armedRule(op, request);
      if (rule == null) {
        return forward(event, w);
      }
      ArmFault fault = rule.fault();
      if (!fault.forwards()) {
        fire(rule, op, request, w);
        return before(fault, op, request);
      }
      ResponseDefinition real = forward(event, w);
      Optional<ResponseDefinition> spoiled = after(fault, op, real, w);
      if (spoiled.isEmpty()) {
        return real; // nothing to spoil: the rule waits for the next matching request
      }
      fire(rule, op, request, w);
      return spoiled.get();
    }
  }

  /** Every rule of the operation counts the request; the first (in the order armed) that wants to fire, fires. */
  private @Nullable Rule armedRule(ArmOp op, LoggedRequest request) {
    Rule chosen = null;
    synchronized (rules) {
      for (Rule r : rules) {
        if (r.op == op && r.wants(request) && chosen == null) {
          chosen = r;
        }
      }
    }
    return chosen;
  }

  private void fire(Rule rule, ArmOp op, LoggedRequest request, SimulatedFleet w) {
    rule.fired++;
    firings.add(new Firing(op, rule.fault(), request.getMethod().getName(), request.getUrl(),
        request.containsHeader(REPLICA_HEADER) ? request.getHeader(REPLICA_HEADER) : null, w.clock().instant()));
  }

  /** Lets the emulator answer, then notes the model's newest version (the world may have changed). */
  private ResponseDefinition forward(ServeEvent event, SimulatedFleet w) {
    ResponseDefinition answer = emulator.transform(event);
    for (ScaleSetId id : w.scaleSetIds()) {
      noteModel(id.name().toLowerCase(Locale.ROOT), w.peek(id).modelImage());
    }
    return answer;
  }

  private void noteModel(String name, ImageReference model) {
    model.version().ifPresent(v -> highestModel.merge(name, v, (a, b) -> a.compareTo(b) >= 0 ? a : b));
  }

  // ------------------------------------------------------------------------------------------- classification

  private ArmOp classify(LoggedRequest request, SimulatedFleet w) {
    String path = URI.create(request.getAbsoluteUrl()).getPath();
    RequestMethod method = request.getMethod();
    boolean get = method.equals(RequestMethod.GET);
    boolean post = method.equals(RequestMethod.POST);
    if (OPERATION.matcher(path).matches()) {
      return get ? ArmOp.POLL_OPERATION : ArmOp.OTHER;
    }
    Matcher m = SCALE_SET.matcher(path);
    if (m.matches()) {
      String name = m.group(1).toLowerCase(Locale.ROOT);
      String suffix = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
      return switch (suffix) {
        case "", "/" -> get ? ArmOp.GET_SCALE_SET
            : method.equals(RequestMethod.PATCH) ? classifyPatch(request, w, name) : ArmOp.OTHER;
        case "/virtualmachines" -> !get ? ArmOp.OTHER
            : query(request, "$skiptoken") == null ? ArmOp.LIST_VMS : ArmOp.LIST_VMS_NEXT;
        case "/manualupgrade" -> !post ? ArmOp.OTHER
            : rollbackOpen(w, name) ? ArmOp.POST_ROLLBACK_UPGRADE : ArmOp.POST_MANUAL_UPGRADE;
        case "/osrollingupgrade" -> post ? ArmOp.POST_OS_ROLLING_UPGRADE : ArmOp.OTHER;
        case "/rollingupgrades/cancel" -> post ? ArmOp.POST_CANCEL : ArmOp.OTHER;
        case "/rollingupgrades/latest" -> get ? ArmOp.GET_ROLLING_UPGRADE_LATEST : ArmOp.OTHER;
        case "/osupgradehistory" -> get ? ArmOp.GET_OS_UPGRADE_HISTORY : ArmOp.OTHER;
        case "/approverollingupgrade" -> post ? ArmOp.POST_APPROVE : ArmOp.OTHER;
        case "/delete" -> post ? ArmOp.POST_DELETE : ArmOp.OTHER;
        default -> get && ONE_VM.matcher(suffix).matches() ? ArmOp.GET_VM : ArmOp.OTHER;
      };
    }
    if (!get) {
      return ArmOp.OTHER;
    }
    m = GALLERY.matcher(path);
    if (m.matches()) {
      return m.group(1) == null ? ArmOp.GET_GALLERY_VERSIONS : ArmOp.GET_GALLERY_VERSION;
    }
    if (MARKETPLACE.matcher(path).matches()) {
      return ArmOp.GET_MARKETPLACE_VERSIONS;
    }
    if (SKUS.matcher(path).matches()) {
      return ArmOp.GET_SKUS;
    }
    if (USAGES.matcher(path).matches()) {
      return ArmOp.GET_USAGES;
    }
    m = RESOURCE_GROUP_VMS.matcher(path);
    if (m.matches()) {
      // a Flexible scale set's VMs, through the VM API
      return m.group(1) != null ? ArmOp.GET_VM
          : query(request, "$skiptoken") == null ? ArmOp.LIST_VMS : ArmOp.LIST_VMS_NEXT;
    }
    if (LOCKS.matcher(path).matches()) {
      return ArmOp.GET_LOCKS;
    }
    if (SCALE_SETS.matcher(path).matches()) {
      return ArmOp.LIST_SCALE_SETS;
    }
    return ArmOp.OTHER;
  }

  /**
   * A model PATCH to an older version than the model has, with {@code If-Match}, opens a rollback; one to a newer
   * version while the model is below the newest it has had closes it; one that changes nothing (a repeat whose first
   * answer was lost) is what the last model PATCH was.
   */
  private ArmOp classifyPatch(LoggedRequest request, SimulatedFleet w, String name) {
    JsonNode body;
    try {
      body = ArmJson.read(request.getBodyAsString());
    } catch (IllegalArgumentException e) {
      return ArmOp.OTHER;
    }
    JsonNode props = body.path("properties");
    JsonNode image = props.path("virtualMachineProfile").path("storageProfile").path("imageReference");
    if (image.isMissingNode()) {
      if (!body.path("sku").path("capacity").isMissingNode()) {
        return ArmOp.PATCH_CAPACITY;
      }
      return props.path("upgradePolicy").isMissingNode() ? ArmOp.OTHER : ArmOp.PATCH_UPGRADE_POLICY;
    }
    Optional<ImageVersion> asked;
    try {
      asked = ArmJson.readImage(image).version();
    } catch (RuntimeException e) {
      return ArmOp.PATCH_MODEL_IMAGE;
    }
    Optional<ImageReference> model = modelOf(w, name);
    Optional<ImageVersion> now = model.flatMap(ImageReference::version);
    model.ifPresent(i -> noteModel(name, i));
    ArmOp op;
    if (asked.isEmpty() || now.isEmpty()) {
      op = ArmOp.PATCH_MODEL_IMAGE;
    } else {
      int c = asked.get().compareTo(now.get());
      boolean conditional = request.containsHeader("If-Match");
      if (c < 0) {
        op = conditional ? ArmOp.PATCH_ROLLBACK_MODEL : ArmOp.PATCH_MODEL_IMAGE;
      } else if (c > 0) {
        op = rollbackOpen(w, name) ? ArmOp.PATCH_RESTORE_MODEL : ArmOp.PATCH_MODEL_IMAGE;
      } else {
        op = lastModelPatch.getOrDefault(name, ArmOp.PATCH_MODEL_IMAGE);
      }
    }
    lastModelPatch.put(name, op);
    return op;
  }

  /** True while the model is below the newest version it has had and the last model PATCH was a rollback's. */
  private boolean rollbackOpen(SimulatedFleet w, String name) {
    Optional<ImageVersion> now = modelOf(w, name).flatMap(ImageReference::version);
    ImageVersion highest = highestModel.get(name);
    return now.isPresent() && highest != null && now.get().compareTo(highest) < 0
        && lastModelPatch.get(name) == ArmOp.PATCH_ROLLBACK_MODEL;
  }

  private static Optional<ImageReference> modelOf(SimulatedFleet w, String name) {
    for (ScaleSetId id : w.scaleSetIds()) {
      if (id.name().equalsIgnoreCase(name)) {
        return Optional.of(w.peek(id).modelImage());
      }
    }
    return Optional.empty();
  }

  private static @Nullable String query(LoggedRequest request, String name) {
    QueryParameter q = request.queryParameter(name);
    return q == null || !q.isPresent() ? null : q.firstValue();
  }

  // ------------------------------------------------------------------------------------------------- answers

  private ResponseDefinition before(ArmFault fault, ArmOp op, LoggedRequest request) {
    String target = scaleSetName(request);
    return switch (fault) {
      case THROTTLED_LONG -> answer(429, ArmJson.write(throttled()),
          new HttpHeader("Retry-After", String.valueOf(throttleRetryAfter.toSeconds())),
          new HttpHeader("x-ms-ratelimit-remaining-resource", "Microsoft.Compute/HighCostGet30Min;0"));
      case SERVER_ERROR -> answer(503, ArmJson.error("ServiceUnavailable",
          "The server is currently unable to handle the request. Please retry the request later."));
      case RESET_BEFORE -> ResponseDefinitionBuilder.responseDefinition().withFault(Fault.CONNECTION_RESET_BY_PEER)
          .build();
      case CONFLICT -> answer(409, ArmJson.error("OperationNotAllowed", "Operation '" + verb(op)
          + "' is not allowed on Virtual Machine Scale Set '" + target + "' since another operation is in progress "
          + "on it. Retry the request after the operation completes. For more information on your operations, "
          + "please refer to https://aka.ms/activitylog."));
      case PRECONDITION_FAILED -> answer(412, ArmJson.error("PreconditionFailed", "The specified precondition "
          + "'If-Match = " + (request.containsHeader("If-Match") ? request.getHeader("If-Match") : "*")
          + "' failed."));
      case UNAUTHORIZED -> answer(401, ArmJson.error("ExpiredAuthenticationToken", "The access token expiry UTC time "
          + "'1/5/2026 0:00:00 AM' is earlier than current UTC time '1/5/2026 1:00:00 AM'."),
          new HttpHeader("WWW-Authenticate", "Bearer authorization_uri=\"https://login.microsoftonline.com/tenant\", "
              + "error=\"invalid_token\", error_description=\"The access token has expired.\""));
      case FORBIDDEN -> answer(403, ArmJson.error("AuthorizationFailed", "The client "
          + "'11111111-1111-1111-1111-111111111111' with object id '11111111-1111-1111-1111-111111111111' does not "
          + "have authorization to perform action '" + action(op) + "' over scope '" + request.getUrl().split("\\?")[0]
          + "' or the scope is invalid. If access was recently granted, please refresh your credentials."));
      default -> throw new IllegalStateException(fault + " is not answered before the emulator");
    };
  }

  /** The spoiled answer, or empty when the real one has nothing this fault can spoil. */
  private Optional<ResponseDefinition> after(ArmFault fault, ArmOp op, ResponseDefinition real, SimulatedFleet w) {
    String body = real.getBody() == null ? "" : real.getBody();
    return switch (fault) {
      case RESET_AFTER -> Optional.of(ResponseDefinitionBuilder.responseDefinition()
          .withFault(Fault.CONNECTION_RESET_BY_PEER).build());
      case TRUNCATED -> body.length() < 2 ? Optional.empty()
          : Optional.of(withBody(real, body.substring(0, body.length() / 2)));
      case MALFORMED -> body.isEmpty() ? Optional.empty() : Optional.of(withBody(real,
          "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
              + "</body></html>"));
      case EMPTY_OBJECT -> op.isListing() && real.getStatus() == 200 ? Optional.of(withBody(real, "{}"))
          : Optional.empty();
      case EMPTY_VALUE -> op.isListing() && real.getStatus() == 200
          ? Optional.of(withBody(real, body.trim().startsWith("[") ? "[]" : "{\"value\":[]}")) : Optional.empty();
      case SLOW -> {
        w.clock().advance(slowBy);
        yield Optional.of(real);
      }
      case UNKNOWN_ENUM -> unknownEnums(body).map(b -> withBody(real, b));
      default -> throw new IllegalStateException(fault + " is not answered after the emulator");
    };
  }

  /** Replaces the enums this layer knows with values no SDK knows; empty if the body has none. */
  private static Optional<String> unknownEnums(String body) {
    if (body.isBlank()) {
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = ArmJson.read(body);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    boolean changed = false;
    if (root instanceof ObjectNode o) {
      changed |= replace(o.path("properties").path("upgradePolicy"), "mode", "Eventually");
      changed |= replace(o.path("properties").path("runningStatus"), "code", "Paused");
      changed |= replace(o.path("properties").path("instanceView").path("vmHealth").path("status"), "code",
          "HealthState/Degraded");
      changed |= replace(o.path("properties").path("replicationStatus"), "aggregatedState", "Throttled");
      for (JsonNode region : o.path("properties").path("replicationStatus").path("summary")) {
        changed |= replace(region, "state", "Throttled");
      }
      if (o.has("status") && o.has("name") && o.get("status").isTextual()) {
        changed |= replace(o, "status", "Postponed");
      }
      JsonNode value = o.path("value");
      if (value instanceof ArrayNode items) {
        JsonNode target = null;
        for (JsonNode item : items) {
          changed |= replace(item.path("properties").path("runningStatus"), "code", "Paused");
          changed |= replace(item.path("properties"), "level", "Frozen"); // a lock level from a newer API
          JsonNode health = item.path("properties").path("instanceView").path("vmHealth").path("status");
          // one instance's health is enough: the first that is not healthy (one in flight), else the first
          if (health.has("code") && (target == null || (isHealthy(target) && !isHealthy(health)))) {
            target = health;
          }
        }
        if (target != null) {
          changed |= replace(target, "code", "HealthState/Degraded");
        }
      }
    }
    return changed ? Optional.of(ArmJson.write(root)) : Optional.empty();
  }

  private static boolean isHealthy(JsonNode status) {
    return status.path("code").asText().equalsIgnoreCase("HealthState/healthy");
  }

  private static boolean replace(JsonNode node, String field, String value) {
    if (node instanceof ObjectNode o && o.has(field)) {
      o.put(field, value);
      return true;
    }
    return false;
  }

  private static ObjectNode throttled() {
    ObjectNode root = ArmJson.MAPPER.createObjectNode();
    ObjectNode e = root.putObject("error");
    e.put("code", "OperationNotAllowed");
    e.put("message", "The server rejected the request because too many requests have been received for this "
        + "subscription.");
    ObjectNode detail = e.putArray("details").addObject();
    detail.put("code", "TooManyRequests");
    detail.put("target", "HighCostGet30Min");
    detail.put("message", "{\"operationGroup\":\"HighCostGet30Min\",\"allowedRequestCount\":800,"
        + "\"measuredRequestCount\":1238}");
    return root;
  }

  private static String verb(ArmOp op) {
    return switch (op) {
      case POST_MANUAL_UPGRADE, POST_ROLLBACK_UPGRADE -> "Manual Upgrade Virtual Machine Scale Set VMs";
      case POST_DELETE -> "Delete Virtual Machine Scale Set VMs";
      case GET_SCALE_SET, LIST_VMS, LIST_VMS_NEXT -> "Get Virtual Machine Scale Set";
      case GET_VM -> "Get Virtual Machine Scale Set VM";
      default -> "Update Virtual Machine Scale Set";
    };
  }

  private static String action(ArmOp op) {
    return switch (op) {
      case POST_MANUAL_UPGRADE, POST_ROLLBACK_UPGRADE -> "Microsoft.Compute/virtualMachineScaleSets/manualUpgrade/action";
      case POST_DELETE -> "Microsoft.Compute/virtualMachineScaleSets/delete/action";
      case LIST_VMS, LIST_VMS_NEXT, GET_VM -> "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read";
      default -> op.isMutating() ? "Microsoft.Compute/virtualMachineScaleSets/write"
          : "Microsoft.Compute/virtualMachineScaleSets/read";
    };
  }

  private static String scaleSetName(LoggedRequest request) {
    Matcher m = SCALE_SET.matcher(URI.create(request.getAbsoluteUrl()).getPath());
    return m.matches() ? m.group(1) : "";
  }

  private static ResponseDefinition withBody(ResponseDefinition real, String body) {
    return ResponseDefinitionBuilder.like(real).withBody(body).build();
  }

  private static ResponseDefinition answer(int status, String body, HttpHeader... headers) {
    List<HttpHeader> all = new ArrayList<>(List.of(headers));
    all.add(new HttpHeader("x-ms-request-id", UUID.randomUUID().toString()));
    all.add(new HttpHeader("Content-Type", "application/json; charset=utf-8"));
    return ResponseDefinitionBuilder.responseDefinition().withStatus(status).withHeaders(new HttpHeaders(all))
        .withBody(body).build();
  }

  @Override
  public String toString() {
    synchronized (rules) {
      return "ArmFaults" + rules + ", fired " + firings.size();
    }
  }
}
