package io.syncrunner.support;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RequestBudgetTest {

    @Test
    void shouldPaceRequestsThatComeTogetherAtTheBudgetRate() {
        RequestBudget budget = new RequestBudget(10, Duration.ofSeconds(10));
        assertThat(budget.reserve(0)).isZero();
        assertThat(budget.reserve(0)).isEqualTo(1000);
        assertThat(budget.reserve(0)).isEqualTo(2000);
        assertThat(budget.reserve(5000)).isEqualTo(5000);
    }

    @Test
    void shouldNeverAllowMoreThanTheLimitInAnyWindow() {
        RequestBudget budget = new RequestBudget(20, Duration.ofSeconds(60));
        List<Long> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sent.add(budget.reserve(i * 100L)); // 200 syncs wanting to poll every 100 ms
        }
        for (long start : sent) {
            long inWindow = sent.stream().filter(t -> t >= start && t < start + 60_000).count();
            assertThat(inWindow).isLessThanOrEqualTo(20);
        }
    }

    @Test
    void shouldNotDelayRequestsThatStayUnderTheBudget() {
        RequestBudget budget = new RequestBudget(3600, Duration.ofHours(1));
        for (int i = 0; i < 100; i++) {
            assertThat(budget.reserve(i * 1000L)).isEqualTo(i * 1000L);
        }
    }
}
