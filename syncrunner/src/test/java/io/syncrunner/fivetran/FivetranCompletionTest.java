package io.syncrunner.fivetran;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static io.syncrunner.fivetran.FivetranCompletion.Outcome.FAILED;
import static io.syncrunner.fivetran.FivetranCompletion.Outcome.PAUSED;
import static io.syncrunner.fivetran.FivetranCompletion.Outcome.RESCHEDULED;
import static io.syncrunner.fivetran.FivetranCompletion.Outcome.RUNNING;
import static io.syncrunner.fivetran.FivetranCompletion.Outcome.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

class FivetranCompletionTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    private static FivetranConnector state(Instant succeeded, Instant failed, String syncState, boolean paused) {
        return new FivetranConnector("c", "g", "postgres", paused, "manual", "connected", syncState, succeeded, failed,
                null);
    }

    @Test
    void shouldBeRunningUntilATimestampMovesPastTheBaseline() {
        Instant baseline = T0;
        assertThat(FivetranCompletion.evaluate(baseline, state(T0, null, "syncing", false))).isEqualTo(RUNNING);
        assertThat(FivetranCompletion.evaluate(baseline, state(T0.plusSeconds(60), null, "scheduled", false)))
                .isEqualTo(SUCCEEDED);
    }

    @Test
    void shouldFailOnlyWhenFailedAtIsTheNewerTimestamp() {
        assertThat(FivetranCompletion.evaluate(T0, state(T0, T0.plusSeconds(30), "scheduled", false))).isEqualTo(FAILED);
    }

    @Test
    void shouldNotFailASuccessfulSyncBecauseOfAStaleFailedAt() {
        Instant staleFailure = T0.minusSeconds(3600);
        Instant baseline = T0; // max(succeeded_at=T0, failed_at=stale)
        assertThat(FivetranCompletion.evaluate(baseline, state(T0.plusSeconds(90), staleFailure, "scheduled", false)))
                .isEqualTo(SUCCEEDED);
    }

    @Test
    void shouldTreatNeverSyncedConnectorsAsHavingNoBaseline() {
        assertThat(FivetranCompletion.evaluate(null, state(null, null, "syncing", false))).isEqualTo(RUNNING);
        assertThat(FivetranCompletion.evaluate(null, state(T0, null, "scheduled", false))).isEqualTo(SUCCEEDED);
        assertThat(FivetranCompletion.evaluate(null, state(null, T0, "scheduled", false))).isEqualTo(FAILED);
    }

    @Test
    void shouldReportRescheduledAndPausedWhileNothingEnded() {
        assertThat(FivetranCompletion.evaluate(T0, state(T0, null, "rescheduled", false))).isEqualTo(RESCHEDULED);
        assertThat(FivetranCompletion.evaluate(T0, state(T0, null, "paused", true))).isEqualTo(PAUSED);
    }
}
