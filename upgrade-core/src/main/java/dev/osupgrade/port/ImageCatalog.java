package dev.osupgrade.port;

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
}
