package io.syncrunner.airbyte;

import io.syncrunner.support.ManualClock;
import io.syncrunner.support.SyncFailedException;
import io.syncrunner.support.SyncState;
import io.syncrunner.support.SyncStoppedException;
import io.syncrunner.support.SyncTimeoutException;
import io.syncrunner.support.SyncWaiter;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How {@link AirbyteSyncs#finish} judges a wait that ended with a cancel Airbyte answered 409 (the job is no longer
 * running) while the re-read of the job still shows it running: never as succeeded, only Airbyte's own
 * {@code succeeded} is.
 */
class AirbyteSyncsFinishTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final AirbyteSyncs syncs = new AirbyteSyncs(null, clock, Duration.ofMinutes(2));
    private final Exchange ex = new DefaultExchange(new DefaultCamelContext());

    AirbyteSyncsFinishTest() {
        ex.setProperty(SyncState.ACCOUNT, "test");
        ex.setProperty(AirbyteSyncs.CONNECTION_ID, "c0a8e2b4-1111-4222-8333-944455556666");
        ex.setProperty(AirbyteSyncs.JOB_TYPE, "sync");
        ex.setProperty(AirbyteSyncs.JOB_ID, 3_000_000_007L);
        SyncState.start(ex, clock, Duration.ofSeconds(10), Duration.ofMinutes(5), true);
    }

    @Test
    void shouldNotReportSucceededWhenTheCancelAnswered409AndTheReReadStillShowsRunningBeforeTheDeadline() {
        // the wall clock stepped back (e.g. an NTP correction) between the timeout and the re-read
        clock.set(Instant.parse("2026-12-01T10:05:01Z"));
        status("running");
        assertThat(ex.getProperty(SyncState.TIMED_OUT, Boolean.class)).isTrue();
        syncs.onCancelTooLate(ex);
        clock.set(Instant.parse("2026-12-01T10:04:59Z"));
        status("running");

        assertThatThrownBy(() -> syncs.finish(ex)).isInstanceOf(SyncFailedException.class)
                .hasMessageContaining("Airbyte job 3000000007").hasMessageContaining("running")
                .hasMessageContaining("not reported as succeeded");
    }

    @Test
    void shouldStillReportATimeoutWhenTheReReadAfterA409ShowsRunningPastTheDeadline() {
        clock.set(Instant.parse("2026-12-01T10:05:01Z"));
        status("running");
        syncs.onCancelTooLate(ex);
        status("running");

        assertThatThrownBy(() -> syncs.finish(ex)).isInstanceOf(SyncTimeoutException.class)
                .hasMessageContaining("did not finish within");
    }

    @Test
    void shouldReportAStopNotASuccessWhenTheRunAskedToStopAndTheCancelAnswered409WhileTheJobReadsRunning() {
        clock.set(Instant.parse("2026-12-01T10:01:00Z"));
        ex.setProperty(SyncWaiter.STOP_REQUESTED, "fivetran/demo/x/sync failed: boom");
        syncs.onCancelTooLate(ex);
        status("running");

        assertThatThrownBy(() -> syncs.finish(ex)).isInstanceOf(SyncStoppedException.class)
                .hasMessageContaining("could not be cancelled (Airbyte answered 409) and reads running")
                .hasMessageContaining("because fivetran/demo/x/sync failed: boom");
    }

    @Test
    void shouldReportSucceededAfterA409OnlyWhenAirbyteSaysTheJobSucceeded() {
        clock.set(Instant.parse("2026-12-01T10:01:00Z"));
        ex.setProperty(SyncWaiter.STOP_REQUESTED, "fivetran/demo/x/sync failed: boom");
        syncs.onCancelTooLate(ex);
        status("succeeded");

        syncs.finish(ex);
        assertThat(ex.getMessage().getBody(String.class)).contains("\"status\":\"succeeded\"");
    }

    @Test
    void shouldReportTheJobsOwnSuccessWhenTheCancelAfterATimeoutAnswersThatItHadSucceeded() {
        clock.set(Instant.parse("2026-12-01T10:05:01Z"));
        status("running");
        assertThat(ex.getProperty(SyncState.TIMED_OUT, Boolean.class)).isTrue();
        cancelAnswer("succeeded");

        syncs.finish(ex);
        assertThat(ex.getMessage().getBody(String.class)).contains("\"status\":\"succeeded\"")
                .contains("\"timedOut\":false");
    }

    @Test
    void shouldReportTheJobsOwnFailureWhenTheCancelAfterATimeoutAnswersThatItHadFailed() {
        clock.set(Instant.parse("2026-12-01T10:05:01Z"));
        status("running");
        cancelAnswer("failed");

        assertThatThrownBy(() -> syncs.finish(ex)).isInstanceOf(SyncFailedException.class)
                .isNotInstanceOf(SyncTimeoutException.class).hasMessageContaining("ended failed");
    }

    @Test
    void shouldReportATimeoutWithTheJobCancelledWhenTheCancelAnswersThatItStillRuns() {
        clock.set(Instant.parse("2026-12-01T10:05:01Z"));
        status("running");
        cancelAnswer("running");

        assertThatThrownBy(() -> syncs.finish(ex)).isInstanceOf(SyncTimeoutException.class)
                .hasMessageContaining("it was cancelled");
    }

    private void cancelAnswer(String status) {
        ex.getMessage().setBody("{\"jobId\":3000000007,\"status\":\"" + status + "\",\"jobType\":\"sync\"}");
        syncs.onCancelled(ex);
    }

    private void status(String status) {
        ex.getMessage().setBody("{\"jobId\":3000000007,\"status\":\"" + status + "\",\"jobType\":\"sync\"}");
        syncs.onJobStatus(ex);
    }
}
