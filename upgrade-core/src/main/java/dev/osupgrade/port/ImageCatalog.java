package dev.osupgrade.port;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import java.util.List;
import java.util.Optional;

/**
 * Where image versions come from: a marketplace publisher's versions of an offer/sku, or an Azure Compute Gallery
 * image definition's versions with their replication state.
 */
public interface ImageCatalog {

  /**
   * Lists every known release of an image, oldest first.
   *
   * @param image the image; its version is ignored
   * @return the releases
   */
  List<ImageRelease> listReleases(ImageReference image);

  /**
   * Lists every known release of an image as seen from one region, oldest first. Marketplace versions are listed per
   * region on Azure; gallery versions carry their per-region replication state either way.
   *
   * @param image the image; its version is ignored
   * @param region the region
   * @return the releases
   */
  default List<ImageRelease> listReleases(ImageReference image, Region region) {
    return listReleases(image);
  }

  /**
   * Finds one release: the way to check that a version exists before anything is changed for it. The default lists
   * the releases seen from the region and picks the version; catalogs that can read one version directly (ARM can)
   * override it to spend one request.
   *
   * @param image the image, pinned to the version to find
   * @param region the region the release is wanted in
   * @return the release, or empty when the catalog has never published that version
   * @throws dev.osupgrade.InvalidValueException when {@code image} is not pinned to a version
   */
  default Optional<ImageRelease> find(ImageReference image, Region region) {
    Require.nonNull(image, "image");
    Require.nonNull(region, "region");
    ImageVersion version = image.version().orElseThrow(() -> new InvalidValueException("image",
        "pinned to a version (not 'latest')", image));
    return listReleases(image, region).stream().filter(r -> r.version().equals(version)).findFirst();
  }
}
