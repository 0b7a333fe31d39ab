package dev.osupgrade.port;

import dev.osupgrade.Region;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import java.util.List;

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
}
