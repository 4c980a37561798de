package io.syncrunner.support;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {

    @Test
    void shouldReadTheFormsUsersWrite() {
        assertThat(Durations.parse("10s", "x")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("500ms", "x")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("6h", "x")).isEqualTo(Duration.ofHours(6));
        assertThat(Durations.parse("1h30m", "x")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("PT15S", "x")).isEqualTo(Duration.ofSeconds(15));
        assertThat(Durations.parse("2500", "x")).isEqualTo(Duration.ofMillis(2500));
        assertThat(Durations.parse("2d", "x")).isEqualTo(Duration.ofDays(2));
        assertThat(Durations.parse("1h30m15s500ms", "x")).isEqualTo(Duration.ofMillis(5_415_500));
        assertThat(Durations.parse(" 10S ", "x")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("pt5m", "x")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("P1DT2H", "x")).isEqualTo(Duration.ofHours(26));
    }

    @Test
    void shouldRefuseWhatCamelsTimeUtilsWouldReadAsAnotherDuration() {
        // TimeUtils.toDuration reads these as zero or one hour, without a word
        for (String text : new String[] {"10x", "-5s", "1h-30m", "10sec", "1.5s", "1h 30m", "s10", "PT"}) {
            assertThatThrownBy(() -> Durations.parse(text, "syncrunner.journal.lease"))
                    .as(text).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("syncrunner.journal.lease '" + text + "' is not a duration");
        }
    }

    @Test
    void shouldNameTheSettingAndTheValueWhenItIsNotADuration() {
        assertThatThrownBy(() -> Durations.parse("ten seconds", "pollInterval"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pollInterval 'ten seconds' is not a duration");
        assertThatThrownBy(() -> Durations.parse("10x", "timeout")).hasMessageContaining("timeout '10x'");
        assertThatThrownBy(() -> Durations.parse(" ", "timeout")).hasMessageContaining("timeout is empty");
    }

    @Test
    void shouldPrintShortHumanDurations() {
        assertThat(Durations.human(Duration.ofSeconds(42))).isEqualTo("42s");
        assertThat(Durations.human(Duration.ofSeconds(185))).isEqualTo("3m05s");
        assertThat(Durations.human(Duration.ofMinutes(121))).isEqualTo("2h01m");
    }
}
