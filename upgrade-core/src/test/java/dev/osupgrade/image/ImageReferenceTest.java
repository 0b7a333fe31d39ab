package dev.osupgrade.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.osupgrade.InvalidValueException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class ImageReferenceTest {
  private static final String DEFINITION =
      "/subscriptions/sub-1/resourceGroups/images-rg/providers/Microsoft.Compute/galleries/gal/images/web-base";

  @Test
  void parse_urnWithVersion_pinnedMarketplace() {
    ImageReference ref = ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202407010");

    assertThat(ref).isInstanceOf(ImageReference.Marketplace.class);
    ImageReference.Marketplace m = (ImageReference.Marketplace) ref;
    assertThat(m.publisher()).isEqualTo("Canonical");
    assertThat(m.offer()).isEqualTo("0001-com-ubuntu-server-jammy");
    assertThat(m.sku()).isEqualTo("22_04-lts-gen2");
    assertThat(ref.version()).contains(ImageVersion.parse("22.04.202407010"));
    assertThat(ref.isLatest()).isFalse();
    assertThat(ref).hasToString("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202407010");
  }

  @Test
  void parse_urnWithLatest_followsLatest() {
    ImageReference ref = ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest");

    assertThat(ref.isLatest()).isTrue();
    assertThat(ref.version()).isEmpty();
    assertThat(ref).hasToString("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest");
  }

  @Test
  void parse_urnWithLatestAnyCase_followsLatest() {
    assertThat(ImageReference.parse("a:b:c:LATEST").isLatest()).isTrue();
  }

  @Test
  void parse_galleryIdWithVersion_pinnedGallery() {
    ImageReference ref = ImageReference.parse(DEFINITION + "/versions/1.2.3");

    assertThat(ref).isInstanceOf(ImageReference.Gallery.class);
    ImageReference.Gallery g = (ImageReference.Gallery) ref;
    assertThat(g.imageDefinitionId()).isEqualTo(DEFINITION);
    assertThat(g.galleryName()).isEqualTo("gal");
    assertThat(g.definitionName()).isEqualTo("web-base");
    assertThat(ref.version()).contains(ImageVersion.parse("1.2.3"));
    assertThat(ref).hasToString(DEFINITION + "/versions/1.2.3");
  }

  @Test
  void parse_galleryIdWithoutVersion_followsLatest() {
    ImageReference ref = ImageReference.parse(DEFINITION);

    assertThat(ref).isInstanceOf(ImageReference.Gallery.class);
    assertThat(ref.isLatest()).isTrue();
    assertThat(ref.imageKey()).isEqualTo(DEFINITION);
  }

  @Test
  void parse_galleryIdWithLatestVersion_followsLatest() {
    assertThat(ImageReference.parse(DEFINITION + "/versions/latest").isLatest()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Canonical:offer:sku", "a:b:c:d:e", "just-a-name"})
  void parse_notUrnNorGalleryId_rejectedNamingBothForms(String text) {
    assertThatThrownBy(() -> ImageReference.parse(text))
        .asInstanceOf(type(InvalidValueException.class))
        .satisfies(e -> {
          assertThat(e.parameter()).isEqualTo("image");
          assertThat(e.rule()).isEqualTo("a URN publisher:offer:sku:version or a gallery image id");
          assertThat(e.value()).isEqualTo(text);
        });
  }

  @Test
  void parse_urnWithBadVersion_rejectedNamingVersion() {
    assertThatThrownBy(() -> ImageReference.parse("a:b:c:1..2"))
        .asInstanceOf(type(InvalidValueException.class))
        .extracting(InvalidValueException::parameter).isEqualTo("version");
  }

  @Test
  void parse_urnWithEmptyOffer_rejectedNamingOffer() {
    assertThatThrownBy(() -> ImageReference.parse("a::c:1.0"))
        .asInstanceOf(type(InvalidValueException.class))
        .extracting(InvalidValueException::parameter).isEqualTo("offer");
  }

  @Test
  void parse_galleryIdOfAnotherResource_rejected() {
    assertThatThrownBy(() -> ImageReference.parse(
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d/versions/1.0.0"))
        .asInstanceOf(type(InvalidValueException.class))
        .extracting(InvalidValueException::parameter).isEqualTo("imageDefinitionId");
  }

  @Test
  void parse_blank_rejected() {
    assertThatThrownBy(() -> ImageReference.parse("  "))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("image must be non-blank, but was '  '");
  }

  @Test
  void withVersion_latest_pinsSameImage() {
    ImageReference latest = ImageReference.parse("Canonical:o:s:latest");

    ImageReference pinned = latest.withVersion(ImageVersion.parse("1.2.3"));

    assertThat(pinned).isEqualTo(ImageReference.parse("Canonical:o:s:1.2.3"));
    assertThat(pinned.sameImageAs(latest)).isTrue();
    assertThat(latest.isLatest()).isTrue();
    assertThat(pinned.withLatest()).isEqualTo(latest);
  }

  @Test
  void withVersion_gallery_keepsDefinition() {
    ImageReference pinned = ImageReference.parse(DEFINITION).withVersion(ImageVersion.parse("2.0.0"));

    assertThat(pinned).isEqualTo(ImageReference.parse(DEFINITION + "/versions/2.0.0"));
  }

  @Test
  void sameImageAs_ignoresVersionAndCase() {
    ImageReference a = ImageReference.parse("Canonical:Offer:SKU:1.0.0");
    ImageReference b = ImageReference.parse("canonical:offer:sku:2.0.0");
    ImageReference g1 = ImageReference.parse(DEFINITION + "/versions/1.0.0");
    ImageReference g2 = ImageReference.parse(DEFINITION.toUpperCase(java.util.Locale.ROOT).replace("/VERSIONS", "")
        .replace("/SUBSCRIPTIONS/", "/subscriptions/") + "/versions/3.0.0");

    assertThat(a.sameImageAs(b)).isTrue();
    assertThat(g1.sameImageAs(g2)).isTrue();
  }

  @Test
  void sameImageAs_otherSkuOrOtherKind_false() {
    ImageReference a = ImageReference.parse("Canonical:offer:sku-a:1.0.0");

    assertThat(a.sameImageAs(ImageReference.parse("Canonical:offer:sku-b:1.0.0"))).isFalse();
    assertThat(a.sameImageAs(ImageReference.parse(DEFINITION + "/versions/1.0.0"))).isFalse();
    assertThat(ImageReference.parse(DEFINITION).sameImageAs(a)).isFalse();
    assertThat(ImageReference.parse(DEFINITION)
        .sameImageAs(ImageReference.parse(DEFINITION.replace("web-base", "api-base")))).isFalse();
  }
}
