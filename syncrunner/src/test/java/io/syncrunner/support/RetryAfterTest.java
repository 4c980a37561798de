package io.syncrunner.support;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTest {
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void shouldReadSecondsAndHttpDates() {
        assertThat(RetryAfter.parse("120", clock)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 10:00:30 GMT", clock)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldIgnoreAbsentOrUnreadableValues() {
        assertThat(RetryAfter.parse(null, clock)).isNull();
        assertThat(RetryAfter.parse("soon", clock)).isNull();
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 09:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
    }
}
