package dev.osupgrade.governance;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.image.Eligibility;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.plan.ImageEligibility;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Which image versions may reach a scale set: trusted marketplace publishers (optionally narrowed to offers and
 * skus), trusted Azure Compute Galleries, pinned and deny-listed versions, a minimum age before a version may reach
 * production, custom validators for gallery images, and a fleet-wide {@link Quarantine}.
 *
 * <p>It fails closed: a policy that trusts no publisher refuses every marketplace image, one that trusts no gallery
 * refuses every gallery image. {@link #evaluate} names every rule that refuses a release ({@link TrustRule}), never
 * just a boolean; {@link #eligible} adds those reasons to Azure's eligibility rule, and {@link #requireTrusted}
 * refuses with an {@link ImageNotTrustedException} before any mutating call.
 *
 * <pre>{@code
 * ImageTrustPolicy trust = ImageTrustPolicy.builder()
 *     .trustPublisher("Canonical")
 *     .trustGallery("/subscriptions/s/resourceGroups/images/providers/Microsoft.Compute/galleries/golden")
 *     .minimumAge(Duration.ofDays(7))
 *     .validator("scan", release -> scans.resultFor(release))
 *     .quarantine(sharedQuarantine)
 *     .build();
 * trust.requireTrusted(release, Environment.PRODUCTION, clock.instant());
 * }</pre>
 *
 * <p>Immutable and thread-safe once built (the quarantine it shares is thread-safe too). Validators are called on
 * every evaluation of a gallery release.
 */
public final class ImageTrustPolicy {
  private final List<MarketplaceScope> publishers;
  private final Set<String> galleries;
  private final List<ImageReference> pinned;
  private final Map<ImageReference, String> denied;
  /** The longest minimum age a policy accepts: 366 days. */
  public static final Duration MAX_MINIMUM_AGE = Duration.ofDays(366);

  private final Map<Environment, Duration> minimumAge;
  private final Map<String, ImageValidator> validators;
  private final Quarantine quarantine;

  private ImageTrustPolicy(Builder b) {
    this.publishers = List.copyOf(b.publishers);
    this.galleries = Collections.unmodifiableSet(new TreeSet<>(b.galleries));
    this.pinned = List.copyOf(b.pinned);
    this.denied = Collections.unmodifiableMap(new LinkedHashMap<>(b.denied));
    this.minimumAge = Collections.unmodifiableMap(new EnumMap<>(b.minimumAge));
    this.validators = Collections.unmodifiableMap(new LinkedHashMap<>(b.validators));
    this.quarantine = b.quarantine != null ? b.quarantine : Quarantine.create();
  }

  /** @return an empty builder (trusts nothing until told) */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A policy that trusts every image of these marketplace publishers and nothing else.
   *
   * @param publishers e.g. {@code "Canonical"}, {@code "MicrosoftWindowsServer"}; none null
   * @return the policy
   */
  public static ImageTrustPolicy trustingPublishers(String... publishers) {
    Builder b = builder();
    for (String p : Require.noNulls("publishers", publishers)) {
      b.trustPublisher(p);
    }
    return b.build();
  }

  /** @return a builder with this policy's settings (sharing its quarantine) */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.publishers.addAll(publishers);
    b.galleries.addAll(galleries);
    b.pinned.addAll(pinned);
    b.denied.putAll(denied);
    b.minimumAge.putAll(minimumAge);
    b.validators.putAll(validators);
    b.quarantine = quarantine;
    return b;
  }

  /** @return the quarantine this policy honours */
  public Quarantine quarantine() {
    return quarantine;
  }

  /**
   * The minimum age a release needs in an environment.
   *
   * @param environment the environment
   * @return the age, or {@link Duration#ZERO} when none is set
   */
  public Duration minimumAge(Environment environment) {
    return minimumAge.getOrDefault(Require.nonNull(environment, "environment"), Duration.ZERO);
  }

  /**
   * Checks one release against every rule.
   *
   * @param release the release
   * @param environment the environment it would reach
   * @param now the current time (from the caller's clock), for the minimum age
   * @return the decision, with every rule that refused the release
   */
  public TrustDecision evaluate(ImageRelease release, Environment environment, Instant now) {
    Require.nonNull(release, "release");
    Require.nonNull(environment, "environment");
    Require.instant("now", now);
    List<TrustDecision.Refusal> refusals = new ArrayList<>();
    ImageReference image = release.image();
    if (image instanceof ImageReference.Marketplace m) {
      sourceRefusal(m).ifPresent(d -> refusals.add(new TrustDecision.Refusal(TrustRule.TRUSTED_PUBLISHER, d)));
    } else if (image instanceof ImageReference.Gallery g) {
      sourceRefusal(g).ifPresent(d -> refusals.add(new TrustDecision.Refusal(TrustRule.TRUSTED_GALLERY, d)));
    }
    List<ImageReference> pinsOfImage = pinned.stream().filter(p -> p.sameImageAs(image)).toList();
    if (!pinsOfImage.isEmpty() && pinsOfImage.stream().noneMatch(p -> sameVersion(p, release))) {
      refusals.add(new TrustDecision.Refusal(TrustRule.PINNED_VERSION, release.version() + " is not pinned; "
          + image.imageKey() + " is pinned to " + pinsOfImage.stream().map(p -> p.version().orElseThrow())
          .map(Object::toString).toList()));
    }
    denied.forEach((d, why) -> {
      if (d.sameImageAs(image) && sameVersion(d, release)) {
        refusals.add(new TrustDecision.Refusal(TrustRule.DENY_LIST, release.version() + " is deny-listed: " + why));
      }
    });
    Duration needed = minimumAge(environment);
    if (!needed.isZero()) {
      Duration age = Duration.between(release.publishedAt(), now);
      if (age.compareTo(needed) < 0) {
        refusals.add(new TrustDecision.Refusal(TrustRule.MINIMUM_AGE, "published " + release.publishedAt()
            + ", " + Durations.words(age.isNegative() ? Duration.ZERO : age) + " old; " + environment
            + " needs " + Durations.words(needed) + ", so not before " + release.publishedAt().plus(needed)));
      }
    }
    if (image instanceof ImageReference.Gallery) {
      validators.forEach((name, validator) -> validate(name, validator, release)
          .ifPresent(d -> refusals.add(new TrustDecision.Refusal(TrustRule.CUSTOM_VALIDATION, d))));
    }
    quarantine.entry(image).ifPresent(e -> refusals.add(new TrustDecision.Refusal(TrustRule.QUARANTINE,
        "quarantined at " + e.at() + " by " + e.by() + ": " + e.why())));
    return new TrustDecision(release, environment, refusals);
  }

  /**
   * Refuses an untrusted release before any mutating call (enabling automatic OS upgrade, moving a model, starting
   * a rollout).
   *
   * @param release the release
   * @param environment the environment it would reach
   * @param now the current time
   * @return the decision, trusted
   * @throws ImageNotTrustedException naming every rule that refused the release
   */
  public TrustDecision requireTrusted(ImageRelease release, Environment environment, Instant now) {
    TrustDecision decision = evaluate(release, environment, now);
    if (!decision.isTrusted()) {
      throw new ImageNotTrustedException(decision);
    }
    return decision;
  }

  /**
   * Azure's eligibility rule ({@link ImageEligibility#check}) plus this policy: each refusing trust rule becomes a
   * {@link Eligibility.Code#NOT_TRUSTED} reason whose detail starts with the rule's name.
   *
   * @param release the release
   * @param scaleSet the scale set it would reach
   * @param environment the scale set's environment
   * @param now the current time
   * @return the combined verdict
   */
  public Eligibility eligible(ImageRelease release, ScaleSet scaleSet, Environment environment, Instant now) {
    Eligibility azure = ImageEligibility.check(release, scaleSet, now);
    List<Eligibility.Reason> reasons = new ArrayList<>(azure.reasons());
    reasons.addAll(evaluate(release, environment, now).asEligibilityReasons());
    return new Eligibility(release, reasons);
  }

  /**
   * Azure's eligibility rule plus this policy for a scale set treated as production (the strictest rules), for
   * callers that do not say which environment the scale set serves.
   *
   * @param release the release
   * @param scaleSet the scale set it would reach
   * @param now the current time
   * @return the combined verdict
   */
  public Eligibility eligible(ImageRelease release, ScaleSet scaleSet, Instant now) {
    return eligible(release, scaleSet, Environment.PRODUCTION, now);
  }

  /**
   * Picks the newest release that is both eligible and trusted: what a governed rollout may take.
   *
   * @param releases the catalog's releases of the scale set's image
   * @param scaleSet the scale set
   * @param environment its environment
   * @param now the current time
   * @return the newest eligible, trusted release, if any
   */
  public Optional<ImageRelease> newestEligible(List<ImageRelease> releases, ScaleSet scaleSet,
      Environment environment, Instant now) {
    Require.nonNull(releases, "releases");
    return releases.stream()
        .filter(r -> eligible(r, scaleSet, environment, now).isEligible())
        .max(Comparator.comparing(ImageRelease::version));
  }

  private Optional<String> sourceRefusal(ImageReference.Marketplace m) {
    if (publishers.isEmpty()) {
      return Optional.of("no marketplace publisher is trusted by this policy; " + m.publisher() + " is not");
    }
    List<MarketplaceScope> ofPublisher = publishers.stream()
        .filter(s -> s.publisher().equalsIgnoreCase(m.publisher())).toList();
    if (ofPublisher.isEmpty()) {
      return Optional.of("publisher " + m.publisher() + " is not trusted (trusted: "
          + publishers.stream().map(MarketplaceScope::publisher).distinct().toList() + ")");
    }
    if (ofPublisher.stream().anyMatch(s -> s.covers(m))) {
      return Optional.empty();
    }
    return Optional.of(m.publisher() + " is trusted only for " + ofPublisher.stream()
        .map(MarketplaceScope::offerAndSku).toList() + "; this is " + m.offer() + "/" + m.sku());
  }

  private Optional<String> sourceRefusal(ImageReference.Gallery g) {
    String name = g.galleryName().toLowerCase(Locale.ROOT);
    String id = galleryId(g);
    if (galleries.contains(name) || galleries.contains(id)) {
      return Optional.empty();
    }
    if (galleries.isEmpty()) {
      return Optional.of("no gallery is trusted by this policy; " + g.galleryName() + " is not");
    }
    return Optional.of("gallery " + g.galleryName() + " is not trusted (trusted: " + galleries + ")");
  }

  private static String galleryId(ImageReference.Gallery g) {
    String lower = g.imageDefinitionId().toLowerCase(Locale.ROOT);
    return lower.substring(0, lower.lastIndexOf("/images/"));
  }

  private static boolean sameVersion(ImageReference pinnedImage, ImageRelease release) {
    return pinnedImage.version().map(v -> v.equals(release.version())).orElse(false);
  }

  private static Optional<String> validate(String name, ImageValidator validator, ImageRelease release) {
    ValidationResult result;
    try {
      result = validator.validate(release);
    } catch (RuntimeException e) {
      return Optional.of("validator " + name + " failed to run (" + e + "), so the image is refused");
    }
    if (result == null) {
      return Optional.of("validator " + name + " returned no result, so the image is refused");
    }
    return result.passed() ? Optional.empty() : Optional.of("validator " + name + " failed: " + result.reason());
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    if (!publishers.isEmpty()) {
      parts.add("publishers " + publishers);
    }
    if (!galleries.isEmpty()) {
      parts.add("galleries " + galleries);
    }
    if (!pinned.isEmpty()) {
      parts.add("pinned " + pinned);
    }
    if (!denied.isEmpty()) {
      parts.add("denied " + denied.keySet());
    }
    minimumAge.forEach((env, age) -> parts.add("minimumAge " + env + " " + Durations.words(age)));
    if (!validators.isEmpty()) {
      parts.add("validators " + validators.keySet());
    }
    if (quarantine.size() > 0) {
      parts.add("quarantine " + quarantine.size() + " version(s)");
    }
    return "ImageTrustPolicy[" + (parts.isEmpty() ? "trusts nothing" : String.join(", ", parts)) + "]";
  }

  /** A trusted publisher, optionally narrowed to one offer and optionally one sku. */
  private record MarketplaceScope(String publisher, @Nullable String offer,
      @Nullable String sku) {
    boolean covers(ImageReference.Marketplace m) {
      return publisher.equalsIgnoreCase(m.publisher())
          && (offer == null || offer.equalsIgnoreCase(m.offer()))
          && (sku == null || sku.equalsIgnoreCase(m.sku()));
    }

    String offerAndSku() {
      return (offer == null ? "*" : offer) + "/" + (sku == null ? "*" : sku);
    }

    @Override
    public String toString() {
      return offer == null ? publisher : publisher + ":" + offerAndSku().replace('/', ':');
    }
  }

  /** Accumulates the policy. Not thread-safe. */
  public static final class Builder {
    private final List<MarketplaceScope> publishers = new ArrayList<>();
    private final Set<String> galleries = new TreeSet<>();
    private final List<ImageReference> pinned = new ArrayList<>();
    private final Map<ImageReference, String> denied = new LinkedHashMap<>();
    private final Map<Environment, Duration> minimumAge = new EnumMap<>(Environment.class);
    private final Map<String, ImageValidator> validators = new LinkedHashMap<>();
    private @Nullable Quarantine quarantine;

    private Builder() {}

    /**
     * Trusts every image of a marketplace publisher.
     *
     * @param publisher e.g. {@code "Canonical"}
     * @return this builder
     */
    public Builder trustPublisher(String publisher) {
      publishers.add(new MarketplaceScope(Require.nonBlank("publisher", publisher), null, null));
      return this;
    }

    /**
     * Trusts one offer of a publisher (narrowing: once any scope of a publisher is narrowed, only the listed
     * scopes of that publisher are trusted).
     *
     * @param publisher e.g. {@code "Canonical"}
     * @param offer e.g. {@code "0001-com-ubuntu-server-jammy"}
     * @return this builder
     */
    public Builder trustOffer(String publisher, String offer) {
      publishers.add(new MarketplaceScope(Require.nonBlank("publisher", publisher),
          Require.nonBlank("offer", offer), null));
      return this;
    }

    /**
     * Trusts one sku of one offer of a publisher.
     *
     * @param publisher e.g. {@code "Canonical"}
     * @param offer e.g. {@code "0001-com-ubuntu-server-jammy"}
     * @param sku e.g. {@code "22_04-lts-gen2"}
     * @return this builder
     */
    public Builder trustSku(String publisher, String offer, String sku) {
      publishers.add(new MarketplaceScope(Require.nonBlank("publisher", publisher),
          Require.nonBlank("offer", offer), Require.nonBlank("sku", sku)));
      return this;
    }

    /**
     * Trusts an Azure Compute Gallery, by resource id
     * ({@code /subscriptions/…/resourceGroups/…/providers/Microsoft.Compute/galleries/{name}}) or by name. A
     * name trusts that gallery name in every subscription; prefer the id in production.
     *
     * @param galleryIdOrName the gallery's resource id or name
     * @return this builder
     */
    public Builder trustGallery(String galleryIdOrName) {
      String g = Require.nonBlank("gallery", galleryIdOrName).strip();
      if (g.startsWith("/")) {
        String id = g.endsWith("/") ? g.substring(0, g.length() - 1) : g;
        Require.that(id.matches("(?i)/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                + "Microsoft\\.Compute/galleries/[^/]+"), "gallery",
            "a gallery resource id (/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/"
                + "galleries/{name}) or a gallery name", galleryIdOrName);
        galleries.add(id.toLowerCase(Locale.ROOT));
      } else {
        Require.that(!g.contains("/"), "gallery", "a gallery resource id or a gallery name", galleryIdOrName);
        galleries.add(g.toLowerCase(Locale.ROOT));
      }
      return this;
    }

    /**
     * Pins an image to a version: once an image has pins, only its pinned versions are trusted. Pin several
     * versions by calling this several times.
     *
     * @param version the image, pinned to an allowed version
     * @return this builder
     */
    public Builder pin(ImageReference version) {
      Require.nonNull(version, "version");
      Require.that(!version.isLatest(), "version", "pinned to a concrete version", version);
      pinned.add(version);
      return this;
    }

    /**
     * Deny-lists one version of an image.
     *
     * @param version the image, pinned to the denied version
     * @param why the reason, shown in every refusal
     * @return this builder
     */
    public Builder deny(ImageReference version, String why) {
      Require.nonNull(version, "version");
      Require.that(!version.isLatest(), "version", "pinned to a concrete version", version);
      denied.put(version, Require.nonBlank("why", why));
      return this;
    }

    /**
     * Sets how long after publishing a version may reach production (a soak time: let others find its problems
     * first).
     *
     * @param age zero or positive, at most {@link ImageTrustPolicy#MAX_MINIMUM_AGE} (366 days)
     * @return this builder
     */
    public Builder minimumAge(Duration age) {
      return minimumAge(Environment.PRODUCTION, age);
    }

    /**
     * Sets how long after publishing a version may reach an environment.
     *
     * @param environment the environment
     * @param age zero or positive, at most {@link ImageTrustPolicy#MAX_MINIMUM_AGE} (366 days)
     * @return this builder
     */
    public Builder minimumAge(Environment environment, Duration age) {
      Require.nonNull(environment, "environment");
      minimumAge.put(environment, Require.nonNegative("minimumAge", age, MAX_MINIMUM_AGE));
      return this;
    }

    /**
     * Adds a validator for gallery (custom) images. Marketplace images are vetted by the trusted-publisher rule.
     *
     * @param name a short name shown in refusals, e.g. {@code "trivy-scan"}
     * @param validator the validator
     * @return this builder
     */
    public Builder validator(String name, ImageValidator validator) {
      Require.nonBlank("name", name);
      Require.nonNull(validator, "validator");
      Require.that(!validators.containsKey(name), "name", "unique among validators", name);
      validators.put(name, validator);
      return this;
    }

    /**
     * Honours a shared quarantine (by default the policy has its own, empty one).
     *
     * @param value the quarantine
     * @return this builder
     */
    public Builder quarantine(Quarantine value) {
      this.quarantine = Require.nonNull(value, "quarantine");
      return this;
    }

    /** @return the policy */
    public ImageTrustPolicy build() {
      return new ImageTrustPolicy(this);
    }
  }
}
