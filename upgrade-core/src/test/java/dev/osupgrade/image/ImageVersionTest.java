package dev.osupgrade.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.osupgrade.InvalidValueException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class ImageVersionTest {
  private static final String RULE = "1 to 4 dot-separated non-negative integers such as 1.2.3 or 22.04.202407010";

  @Test
  void parse_marketplaceVersion_keepsPartsAndText() {
    ImageVersion v = ImageVersion.parse("22.04.202407010");

    assertThat(v.size()).isEqualTo(3);
    assertThat(v.part(0)).isEqualTo(22);
    assertThat(v.part(1)).isEqualTo(4);
    assertThat(v.part(2)).isEqualTo(202407010L);
    assertThat(v).hasToString("22.04.202407010");
  }

  @Test
  void parse_galleryVersion_accepted() {
    ImageVersion v = ImageVersion.parse("1.2.3");

    assertThat(v.size()).isEqualTo(3);
    assertThat(v).hasToString("1.2.3");
  }

  @Test
  void parse_fourParts_accepted() {
    assertThat(ImageVersion.parse("1.2.3.4").size()).isEqualTo(4);
  }

  @Test
  void parse_latest_rejectedPointingAtWithLatest() {
    assertThatThrownBy(() -> ImageVersion.parse("latest"))
        .asInstanceOf(type(InvalidValueException.class))
        .satisfies(e -> {
          assertThat(e.parameter()).isEqualTo("version");
          assertThat(e.value()).isEqualTo("latest");
          assertThat(e.getMessage()).startsWith("version must be " + RULE)
              .contains("'latest' is not a version: use ImageReference.withLatest()")
              .endsWith(", but was 'latest'");
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"1..2", "a.b", "", "1.2.3.4.5", ".1", "1.", "1.-2", " 1.2", "1.2 ", "1.2.x",
      "1234567890123456789"})
  void parse_notAVersion_rejectedWithRule(String text) {
    assertThatThrownBy(() -> ImageVersion.parse(text))
        .asInstanceOf(type(InvalidValueException.class))
        .satisfies(e -> {
          assertThat(e.parameter()).isEqualTo("version");
          assertThat(e.rule()).isEqualTo(RULE);
          assertThat(e.value()).isEqualTo(text);
          assertThat(e.getMessage()).isEqualTo("version must be " + RULE + ", but was '" + text + "'");
        });
  }

  @Test
  void parse_null_rejectedTypedNamingParameter() {
    assertThatThrownBy(() -> ImageVersion.parse(null)).isInstanceOf(InvalidValueException.class)
        .hasMessage("version must be non-null, but was null");
  }

  @Test
  void compareTo_partsComparedAsNumbers() {
    assertThat(ImageVersion.parse("1.10.0")).isGreaterThan(ImageVersion.parse("1.9.0"));
    assertThat(ImageVersion.parse("1.10.0").isNewerThan(ImageVersion.parse("1.9.0"))).isTrue();
    assertThat(ImageVersion.parse("1.9.0").isNewerThan(ImageVersion.parse("1.10.0"))).isFalse();
    assertThat(ImageVersion.parse("22.04.202407010")).isGreaterThan(ImageVersion.parse("22.04.202401010"));
  }

  @Test
  void equals_leadingZeros_sameVersionButTextKept() {
    ImageVersion a = ImageVersion.parse("22.04.1");
    ImageVersion b = ImageVersion.parse("22.4.1");

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isEqualByComparingTo(b);
    assertThat(a.isNewerThan(b)).isFalse();
    assertThat(a).hasToString("22.04.1");
    assertThat(b).hasToString("22.4.1");
  }

  @Test
  void equals_trailingZeroParts_sameVersion() {
    assertThat(ImageVersion.parse("1.2")).isEqualTo(ImageVersion.parse("1.2.0.0"))
        .hasSameHashCodeAs(ImageVersion.parse("1.2.0.0"));
  }

  @Test
  void sort_mixedVersions_numericOrder() {
    List<ImageVersion> sorted = List.of("1.10.0", "1.9.0", "1.2", "2", "1.9.10").stream()
        .map(ImageVersion::parse).sorted().toList();

    assertThat(sorted).extracting(ImageVersion::toString).containsExactly("1.2", "1.9.0", "1.9.10", "1.10.0", "2");
  }

  // Small-scope exhaustive checks: every version of one to three parts in 0..2, written with and without a
  // leading zero, so that equal versions written differently come up often.
  private static List<ImageVersion> smallVersions(int maxPart) {
    List<String> parts = new ArrayList<>();
    for (int n = 0; n <= maxPart; n++) {
      parts.add(String.valueOf(n));
      parts.add("0" + n);
    }
    List<String> texts = new ArrayList<>(parts);
    List<String> previous = parts;
    for (int size = 2; size <= 3; size++) {
      List<String> longer = new ArrayList<>();
      for (String prefix : previous) {
        for (String part : parts) {
          longer.add(prefix + "." + part);
        }
      }
      texts.addAll(longer);
      previous = longer;
    }
    return texts.stream().map(ImageVersion::parse).toList();
  }

  @Test
  void equalsAndHashCode_everySmallPair_consistentWithCompareTo() {
    List<ImageVersion> all = smallVersions(2);

    for (ImageVersion x : all) {
      for (ImageVersion y : all) {
        int xy = x.compareTo(y);
        assertThat(x.equals(y)).as("%s equals %s", x, y).isEqualTo(xy == 0);
        assertThat(Integer.signum(xy)).as("sign of %s vs %s", x, y).isEqualTo(-Integer.signum(y.compareTo(x)));
        if (xy == 0) {
          assertThat(x.hashCode()).as("hash of %s and %s", x, y).isEqualTo(y.hashCode());
        }
      }
    }
  }

  @Test
  void compareTo_everySmallTriple_transitive() {
    List<ImageVersion> all = smallVersions(1);

    for (ImageVersion x : all) {
      for (ImageVersion y : all) {
        if (x.compareTo(y) > 0) {
          continue;
        }
        for (ImageVersion z : all) {
          if (y.compareTo(z) <= 0) {
            assertThat(x.compareTo(z)).as("%s <= %s <= %s", x, y, z).isLessThanOrEqualTo(0);
          }
        }
      }
    }
  }

  @Test
  void toString_everySmallVersion_roundTrips() {
    for (ImageVersion v : smallVersions(2)) {
      assertThat(ImageVersion.parse(v.toString())).isEqualTo(v);
    }
  }
}
