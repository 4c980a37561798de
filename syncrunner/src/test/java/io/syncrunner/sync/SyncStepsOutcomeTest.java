package io.syncrunner.sync;

import io.syncrunner.runs.SyncEvents.Outcome;
import io.syncrunner.support.SyncFailedException;
import io.syncrunner.support.SyncStoppedException;
import io.syncrunner.support.SyncTimeoutException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SyncStepsOutcomeTest {
    @Test
    void shouldTellHowAStepEndedFromItsResultOrFailure() {
        assertThat(SyncSteps.outcome(null, "{\"status\":\"succeeded\"}")).isEqualTo(Outcome.SUCCEEDED);
        assertThat(SyncSteps.outcome(null, "{\"status\":\"skipped\"}")).isEqualTo(Outcome.SKIPPED);
        assertThat(SyncSteps.outcome(null, "{\"status\":\"running\"}")).isEqualTo(Outcome.TRIGGERED);
        assertThat(SyncSteps.outcome(new SyncFailedException("failed", "{\"status\":\"failed\"}"),
                "{\"status\":\"failed\"}")).isEqualTo(Outcome.FAILED);
        assertThat(SyncSteps.outcome(new SyncFailedException("cancelled", null), "{\"status\":\"cancelled\"}"))
                .isEqualTo(Outcome.CANCELLED);
        assertThat(SyncSteps.outcome(new SyncTimeoutException("timed out", null), "{\"status\":\"cancelled\"}"))
                .isEqualTo(Outcome.TIMED_OUT);
        assertThat(SyncSteps.outcome(new SyncStoppedException("stopped", "another branch failed", null),
                "{\"status\":\"cancelled\"}")).isEqualTo(Outcome.STOPPED);
        assertThat(SyncSteps.outcome(new IllegalStateException("no answer"), null)).isEqualTo(Outcome.FAILED);
    }
}
