package dev.osupgrade.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import org.junit.jupiter.api.Test;

final class PercentTest {

  @Test
  void isExceededBy_exactlyTheShare_notExceeded() {
    assertThat(Percent.of(20).isExceededBy(2, 10)).isFalse();
  }

  @Test
  void isExceededBy_moreThanTheShare_exceeded() {
    assertThat(Percent.of(20).isExceededBy(3, 10)).isTrue();
  }

  @Test
  void isExceededBy_fractionalShareJustAbove_exceeded() {
    // 1 of 4 is 25%, more than 20%; 1 of 5 is exactly 20%.
    assertThat(Percent.of(20).isExceededBy(1, 4)).isTrue();
    assertThat(Percent.of(20).isExceededBy(1, 5)).isFalse();
    assertThat(Percent.of(20).isExceededBy(1, 6)).isFalse();
  }

  @Test
  void isExceededBy_zeroPercent_anyPartExceeds() {
    assertThat(Percent.of(0).isExceededBy(0, 10)).isFalse();
    assertThat(Percent.of(0).isExceededBy(1, 1000)).isTrue();
  }

  @Test
  void isExceededBy_hundredPercent_neverExceededByWhole() {
    assertThat(Percent.of(100).isExceededBy(10, 10)).isFalse();
  }

  @Test
  void isExceededBy_emptyWhole_neverExceeded() {
    assertThat(Percent.of(0).isExceededBy(0, 0)).isFalse();
    assertThat(Percent.of(20).isExceededBy(5, 0)).isFalse();
  }

  @Test
  void isExceededBy_largeNumbers_noOverflow() {
    assertThat(Percent.of(50).isExceededBy(Integer.MAX_VALUE, Integer.MAX_VALUE)).isTrue();
    assertThat(Percent.of(100).isExceededBy(Integer.MAX_VALUE, Integer.MAX_VALUE)).isFalse();
  }

  @Test
  void floorOf_roundsDown() {
    assertThat(Percent.of(20).floorOf(4)).isZero();
    assertThat(Percent.of(20).floorOf(9)).isEqualTo(1);
    assertThat(Percent.of(20).floorOf(14)).isEqualTo(2);
    assertThat(Percent.of(33).floorOf(100)).isEqualTo(33);
  }

  @Test
  void constructor_outsideZeroToHundred_rejected() {
    assertThatThrownBy(() -> Percent.of(-1)).isInstanceOf(InvalidValueException.class)
        .hasMessage("percent must be in [0, 100], but was -1");
    assertThatThrownBy(() -> Percent.percent(101)).isInstanceOf(InvalidValueException.class)
        .hasMessage("percent must be in [0, 100], but was 101");
  }

  @Test
  void toString_withPercentSign() {
    assertThat(Percent.of(20)).hasToString("20%");
  }
}
