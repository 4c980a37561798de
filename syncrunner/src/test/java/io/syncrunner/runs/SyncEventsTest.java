package io.syncrunner.runs;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SyncEventsTest {
    private static final SyncEvents.Step STEP = new SyncEvents.Step("r-1", "p/a/t/sync", "p", "a", "t", null,
            Instant.EPOCH);

    @Test
    void shouldTellEveryListenerEvenWhenOneThrows() {
        List<String> heard = new ArrayList<>();
        SyncEvents throwing = new SyncEvents() {
            @Override
            public void started(Step step) {
                throw new IllegalStateException("broken listener");
            }

            @Override
            public void ended(Ended end) {
                throw new IllegalStateException("broken listener");
            }
        };
        SyncEvents recording = new SyncEvents() {
            @Override
            public void started(Step step) {
                heard.add("started " + step.stepKey());
            }

            @Override
            public void ended(Ended end) {
                heard.add("ended " + end.step().stepKey() + " " + end.outcome());
            }
        };
        SyncEvents all = SyncEvents.all(List.of(throwing, recording));
        all.started(STEP);
        all.ended(new SyncEvents.Ended(STEP, SyncEvents.Outcome.FAILED, null, "it failed", null, null, null));
        assertThat(heard).containsExactly("started p/a/t/sync", "ended p/a/t/sync FAILED");
    }

    @Test
    void shouldBeNoneWhenNobodyListens() {
        assertThat(SyncEvents.all(List.of())).isSameAs(SyncEvents.NONE);
        assertThat(SyncEvents.all(List.of(SyncEvents.NONE))).isSameAs(SyncEvents.NONE);
    }
}
