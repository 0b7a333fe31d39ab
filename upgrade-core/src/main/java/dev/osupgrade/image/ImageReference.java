package dev.osupgrade.image;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The image a scale set model (or an instance) points at: a marketplace image or an Azure Compute Gallery image,
 * either pinned to a concrete {@link ImageVersion} or following {@code latest}. Azure's automatic OS upgrade needs
 * {@code latest}; an orchestrated rollout pins concrete versions.
 */
public sealed interface ImageReference permits ImageReference.Marketplace, ImageReference.Gallery {

  /** @return the pinned version, or empty when the reference follows {@code latest} */
  Optional<ImageVersion> version();

  /** @return true when the reference follows {@code latest} */
  default boolean isLatest() {
    return version().isEmpty();
  }

  /**
   * Returns the same image pinned to a version.
   *
   * @param version the version
   * @return the pinned reference
   */
  ImageReference withVersion(ImageVersion version);

  /** @return the same image following {@code latest} */
  ImageReference withLatest();

  /**
   * Says whether two references name the same image, whatever their versions.
   *
   * @param other the other reference
   * @return true for the same publisher/offer/sku or the same gallery image definition
   */
  boolean sameImageAs(ImageReference other);

  /** @return the identity of the image without its version (a URN prefix or a gallery image definition id) */
  String imageKey();

  /**
   * A marketplace (platform) image, written {@code publisher:offer:sku:version} as the Azure CLI does.
   *
   * @param publisher the publisher, e.g. {@code Canonical}
   * @param offer the offer, e.g. {@code 0001-com-ubuntu-server-jammy}
   * @param sku the sku, e.g. {@code 22_04-lts-gen2}
   * @param pinned the version, or null for {@code latest}
   */
  record Marketplace(String publisher, String offer, String sku, @Nullable ImageVersion pinned)
      implements ImageReference {
    /** Validates the parts. */
    public Marketplace {
      Require.nonBlank("publisher", publisher);
      Require.nonBlank("offer", offer);
      Require.nonBlank("sku", sku);
      Require.that(!(publisher + offer + sku).contains(":"), "publisher/offer/sku", "free of ':'",
          publisher + ":" + offer + ":" + sku);
    }

    @Override
    public Optional<ImageVersion> version() {
      return Optional.ofNullable(pinned);
    }

    @Override
    public boolean isLatest() {
      return pinned == null;
    }

    @Override
    public Marketplace withVersion(ImageVersion version) {
      return new Marketplace(publisher, offer, sku, Require.nonNull(version, "version"));
    }

    @Override
    public Marketplace withLatest() {
      return new Marketplace(publisher, offer, sku, null);
    }

    @Override
    public boolean sameImageAs(ImageReference other) {
      return other instanceof Marketplace m && imageKey().equalsIgnoreCase(m.imageKey());
    }

    @Override
    public String imageKey() {
      return publisher + ":" + offer + ":" + sku;
    }

    @Override
    public String toString() {
      return imageKey() + ":" + (pinned == null ? "latest" : pinned.toString());
    }
  }

  /**
   * An Azure Compute Gallery image: the image definition's resource id plus a version.
   *
   * @param imageDefinitionId {@code /subscriptions/…/galleries/{gallery}/images/{definition}}
   * @param pinned the version, or null for {@code latest}
   */
  record Gallery(String imageDefinitionId, @Nullable ImageVersion pinned) implements ImageReference {
    private static final java.util.regex.Pattern GALLERY_ID = java.util.regex.Pattern.compile(
        "(?i)/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Compute/galleries/([^/]+)"
            + "/images/([^/]+)");

    /** Validates the id. */
    public Gallery {
      Require.nonBlank("imageDefinitionId", imageDefinitionId);
      Require.that(GALLERY_ID.matcher(imageDefinitionId).matches(), "imageDefinitionId",
          "a gallery image definition id (/subscriptions/{sub}/resourceGroups/{rg}/providers/"
              + "Microsoft.Compute/galleries/{gallery}/images/{definition}), without /versions/",
          imageDefinitionId);
    }

    @Override
    public Optional<ImageVersion> version() {
      return Optional.ofNullable(pinned);
    }

    @Override
    public boolean isLatest() {
      return pinned == null;
    }

    @Override
    public Gallery withVersion(ImageVersion version) {
      return new Gallery(imageDefinitionId, Require.nonNull(version, "version"));
    }

    @Override
    public Gallery withLatest() {
      return new Gallery(imageDefinitionId, null);
    }

    @Override
    public boolean sameImageAs(ImageReference other) {
      return other instanceof Gallery g && imageDefinitionId.equalsIgnoreCase(g.imageDefinitionId);
    }

    @Override
    public String imageKey() {
      return imageDefinitionId;
    }

    /** @return the subscription holding the gallery */
    public String subscriptionId() {
      return part(1);
    }

    /** @return the resource group holding the gallery */
    public String resourceGroup() {
      return part(2);
    }

    /** @return the gallery's name */
    public String galleryName() {
      return part(3);
    }

    /** @return the image definition's name */
    public String definitionName() {
      return part(4);
    }

    private String part(int group) {
      java.util.regex.Matcher m = GALLERY_ID.matcher(imageDefinitionId);
      if (!m.matches()) {
        throw new IllegalStateException("validated id no longer matches: " + imageDefinitionId);
      }
      return m.group(group);
    }

    @Override
    public String toString() {
      return imageDefinitionId + "/versions/" + (pinned == null ? "latest" : pinned.toString());
    }
  }

  /**
   * A marketplace image.
   *
   * @param publisher the publisher
   * @param offer the offer
   * @param sku the sku
   * @param version a concrete version or {@code "latest"}
   * @return the reference
   */
  static Marketplace marketplace(String publisher, String offer, String sku, String version) {
    return new Marketplace(publisher, offer, sku, versionOrLatest(version));
  }

  /**
   * A gallery image.
   *
   * @param imageDefinitionId the image definition's resource id
   * @param version a concrete version or {@code "latest"}
   * @return the reference
   */
  static Gallery gallery(String imageDefinitionId, String version) {
    return new Gallery(imageDefinitionId, versionOrLatest(version));
  }

  /**
   * Parses the Azure CLI's URN form {@code publisher:offer:sku:version}, or a gallery id that may end in
   * {@code /versions/{version}} (no version suffix means {@code latest}).
   *
   * @param text the text
   * @return the reference
   */
  static ImageReference parse(String text) {
    Require.nonBlank("image", text);
    String s = text.strip();
    if (s.startsWith("/")) {
      int v = s.toLowerCase(java.util.Locale.ROOT).lastIndexOf("/versions/");
      return v < 0 ? gallery(s, "latest") : gallery(s.substring(0, v), s.substring(v + "/versions/".length()));
    }
    String[] p = s.split(":", -1);
    if (p.length != 4) {
      throw new InvalidValueException("image",
          "a URN publisher:offer:sku:version or a gallery image id", text);
    }
    return marketplace(p[0], p[1], p[2], p[3]);
  }

  private static @Nullable ImageVersion versionOrLatest(String version) {
    Require.nonBlank("version", version);
    return version.equalsIgnoreCase("latest") ? null : ImageVersion.parse(version);
  }
}
