package io.syncrunner.runs;

import io.syncrunner.support.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RunOutcomeTest {
    @Test
    void shouldCallAcceptedAndRunningRunsRunning() {
        assertThat(RunOutcome.of("accepted", null)).isEqualTo(RunOutcome.RUNNING);
        assertThat(RunOutcome.of("running", null)).isEqualTo(RunOutcome.RUNNING);
    }

    @Test
    void shouldTellTimedOutAndCancelledFromFailed() {
        assertThat(RunOutcome.of("succeeded", Json.parse("{\"status\":\"succeeded\"}"))).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(RunOutcome.of("failed", Json.parse("{\"status\":\"failed\",\"timedOut\":false}")))
                .isEqualTo(RunOutcome.FAILED);
        // a wait that timed out and then cancelled the job is a time-out, not a cancel
        assertThat(RunOutcome.of("failed", Json.parse("{\"status\":\"cancelled\",\"timedOut\":true}")))
                .isEqualTo(RunOutcome.TIMED_OUT);
        assertThat(RunOutcome.of("failed", Json.parse("{\"status\":\"cancelled\",\"timedOut\":false}")))
                .isEqualTo(RunOutcome.CANCELLED);
        assertThat(RunOutcome.of("failed", Json.parse("{\"status\":\"syncing\",\"stoppedBecause\":\"x failed\"}")))
                .isEqualTo(RunOutcome.CANCELLED);
        // nothing started: no result
        assertThat(RunOutcome.of("failed", null)).isEqualTo(RunOutcome.FAILED);
        assertThat(RunOutcome.TIMED_OUT.word()).isEqualTo("timed-out");
    }
}
