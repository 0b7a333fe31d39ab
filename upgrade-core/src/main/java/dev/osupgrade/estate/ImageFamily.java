package dev.osupgrade.estate;

import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;

/**
 * An image the estate follows: a marketplace offer/sku or an Azure Compute Gallery image definition, under a short
 * name. A scale set follows the family whose image its model points at (any version, or {@code latest}); the governor
 * promotes each family's newest trusted release on its own, never two versions of one family at once.
 *
 * @param name a short name, e.g. {@code ubuntu-22}: one line of at most 64 characters
 * @param image the image; its version is dropped ({@code latest})
 */
public record ImageFamily(String name, ImageReference image) {
  /** Validates the name and drops the image's version. */
  public ImageFamily {
    Require.name("name", name, 64);
    image = Require.nonNull(image, "image").withLatest();
  }

  /**
   * A family of any image.
   *
   * @param name its short name
   * @param image the image (the version is ignored)
   * @return the family
   */
  public static ImageFamily of(String name, ImageReference image) {
    return new ImageFamily(name, image);
  }

  /**
   * A marketplace offer/sku.
   *
   * @param name its short name
   * @param publisher e.g. {@code Canonical}
   * @param offer e.g. {@code 0001-com-ubuntu-server-jammy}
   * @param sku e.g. {@code 22_04-lts-gen2}
   * @return the family
   */
  public static ImageFamily marketplace(String name, String publisher, String offer, String sku) {
    return new ImageFamily(name, ImageReference.marketplace(publisher, offer, sku, "latest"));
  }

  /**
   * A gallery image definition.
   *
   * @param name its short name
   * @param imageDefinitionId {@code /subscriptions/…/galleries/{gallery}/images/{definition}}
   * @return the family
   */
  public static ImageFamily gallery(String name, String imageDefinitionId) {
    return new ImageFamily(name, ImageReference.gallery(imageDefinitionId, "latest"));
  }

  /**
   * Says whether an image (a model's, an instance's) belongs to this family.
   *
   * @param other the image
   * @return true for the same publisher/offer/sku or gallery image definition, whatever the version
   */
  public boolean follows(ImageReference other) {
    return image.sameImageAs(Require.nonNull(other, "other"));
  }

  @Override
  public String toString() {
    return name + " (" + image.imageKey() + ")";
  }
}
