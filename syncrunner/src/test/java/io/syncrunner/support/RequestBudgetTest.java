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

    @Test
    void shouldLetARequestDueNowGoBeforeAPollPlannedForLater() {
        RequestBudget budget = new RequestBudget(3600, Duration.ofHours(1)); // 1 s apart
        assertThat(budget.reserve(3000)).as("a poll planned 3 s ahead").isEqualTo(3000);

        assertThat(budget.reserve(0)).as("a read due now fits before it").isZero();
        assertThat(budget.reserve(2500)).as("too close to the planned poll: after it").isEqualTo(4000);
        assertThat(budget.reserve(1000)).as("the gap between 0 and 3000 still holds one").isEqualTo(1000);
        assertThat(budget.reserve(1000)).as("and one more, exactly 1000 from each neighbour").isEqualTo(2000);
        assertThat(budget.reserve(1000)).as("no room left before 4000").isEqualTo(5000);
    }

    @Test
    void shouldGiveBackTheSlotOfAPollThatIsPlannedAnew() {
        RequestBudget budget = new RequestBudget(10, Duration.ofSeconds(10)); // 1 s apart
        long planned = budget.reserve(3000);

        long now = budget.replace(planned, 100);
        long other = budget.reserve(3000);

        assertThat(now).isEqualTo(100);
        assertThat(other).as("the slot given back is free again").isEqualTo(3000);
    }

    @Test
    void shouldKeepEverySlotAtLeastTheIntervalApartWhateverTheOrderOfTheWishes() {
        RequestBudget budget = new RequestBudget(20, Duration.ofSeconds(60)); // 3 s apart
        java.util.Random random = new java.util.Random(42);
        List<Long> sent = new ArrayList<>();
        Long planned = null;
        for (int i = 0; i < 300; i++) {
            long wanted = random.nextInt(60_000); // within a window of one another
            if (i % 3 == 0) {
                planned = budget.replace(planned, wanted); // one sync planning its poll anew
            } else {
                sent.add(budget.reserve(wanted));
            }
        }
        sent.add(planned);
        java.util.Collections.sort(sent);
        for (int i = 1; i < sent.size(); i++) {
            assertThat(sent.get(i) - sent.get(i - 1)).isGreaterThanOrEqualTo(3000);
        }
    }
}
