package io.syncrunner.fivetran;

import io.syncrunner.support.ApiCall;
import io.syncrunner.support.ManualClock;
import io.syncrunner.support.SyncState;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.syncrunner.fivetran.FivetranAnswers.connection;
import static io.syncrunner.fivetran.FivetranAnswers.history;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Fivetran sync whose end the connection shows only in the answer that arrives after the wait's deadline (a slow
 * answer, a busy runner): the sync history still tells whose end it is, and the sync is reported as it ended, not as
 * timed out. While no end was seen, the deadline decides as before.
 */
class FivetranEndAtTheDeadlineTest {
    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00.250000Z");
    private final ManualClock clock = new ManualClock(T0);
    private final FivetranSyncs syncs = new FivetranSyncs(null, clock, false, Duration.ofMinutes(5));

    @Test
    void shouldReadTheSyncHistoryAndReportTheEndWhenTheConnectionShowsItOnlyAfterTheDeadline() {
        Exchange ex = triggered();
        clock.advance(Duration.ofSeconds(2)); // the 1 s wait is over when the connection's answer is handled

        status(ex, connection("2026-12-04T10:00:01.500123Z", null, "scheduled"));

        assertThat(ex.getProperty(SyncState.TIMED_OUT, Boolean.class)).as("timed out").isNotEqualTo(true);
        assertThat(ex.getProperty(SyncState.DONE, Boolean.class)).as("done before the history").isNotEqualTo(true);
        assertThat(ex.getProperty(SyncState.NEXT_POLL_DELAY, Long.class)).isZero();
        syncs.statusRequest(ex);
        assertThat(ex.getProperty(ApiCall.PATH, String.class)).isEqualTo("/v1/connections/decent_dropsy/sync-history");

        status(ex, history("sync-7", "2026-12-04T10:00:00.900000Z", "2026-12-04T10:00:01.500123Z", "SUCCESSFUL"));

        assertThat(ex.getProperty(SyncState.STATUS)).isEqualTo("succeeded");
        assertThat(ex.getProperty(SyncState.DONE, Boolean.class)).isTrue();
        assertThat(ex.getProperty(SyncState.TIMED_OUT, Boolean.class)).isNotEqualTo(true);
    }

    @Test
    void shouldTimeOutAfterTheDeadlineWhenTheHistoryNamesNoSyncOfTheTrigger() {
        Exchange ex = triggered();
        clock.advance(Duration.ofSeconds(2));
        status(ex, connection("2026-12-04T10:00:01.500123Z", null, "scheduled"));
        syncs.statusRequest(ex);

        // the end the connection shows is a sync's that started before the trigger
        status(ex, history("sync-6", "2026-12-04T09:59:30Z", "2026-12-04T10:00:01.500123Z", "SUCCESSFUL"));

        assertThat(ex.getProperty(SyncState.TIMED_OUT, Boolean.class)).isTrue();
        assertThat(ex.getProperty(SyncState.DONE, Boolean.class)).isNotEqualTo(true);
    }

    @Test
    void shouldTimeOutAtTheDeadlineWhileTheConnectionShowsNoEnd() {
        Exchange ex = triggered();
        clock.advance(Duration.ofSeconds(2));

        status(ex, connection("2026-12-03T08:00:00.000001Z", null, "syncing"));

        assertThat(ex.getProperty(SyncState.TIMED_OUT, Boolean.class)).isTrue();
    }

    /** Baseline read (last end 2026-12-03), trigger sent at T0, a 1 s wait. */
    private Exchange triggered() {
        Exchange ex = new DefaultExchange(new DefaultCamelContext());
        ex.setProperty(FivetranSyncs.CONNECTOR_ID, FivetranAnswers.CONNECTOR);
        ex.setProperty(FivetranSyncs.OPERATION, "sync");
        ex.setProperty(SyncState.ACCOUNT, "prod");
        SyncState.start(ex, clock, Duration.ofMillis(200), Duration.ofSeconds(1), true);
        ex.getMessage().setBody(connection("2026-12-03T08:00:00.000001Z", null, "scheduled"));
        syncs.onBaseline(ex);
        ex.setProperty(FivetranSyncs.TRIGGER_SENT, T0);
        return ex;
    }

    private void status(Exchange ex, String answer) {
        ex.setProperty(ApiCall.STATUS, 200);
        ex.getMessage().setBody(answer);
        syncs.onStatus(ex);
    }
}
