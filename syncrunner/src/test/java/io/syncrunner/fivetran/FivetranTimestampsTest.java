package io.syncrunner.fivetran;

import io.syncrunner.support.Json;
import io.syncrunner.support.SyncState;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static io.syncrunner.fivetran.FivetranAnswers.connection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fivetran timestamps at their full precision: parsed, kept as the baseline and compared as instants (Fivetran
 * writes microseconds; a baseline cut to milliseconds made an unchanged timestamp look like a new completion).
 */
class FivetranTimestampsTest {
    private static final Instant MICROS = Instant.parse("2024-03-21T14:44:29.613498Z");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-03-21T15:00:00Z"), ZoneOffset.UTC);

    private final FivetranSyncs syncs = new FivetranSyncs(null, CLOCK, false, Duration.ofMinutes(5));

    @Test
    void shouldParseMicrosecondsMillisecondsAndWholeSeconds() {
        assertThat(FivetranConnector.time("2024-03-21T14:44:29.613498Z"))
                .isEqualTo(Instant.ofEpochSecond(MICROS.getEpochSecond(), 613_498_000));
        assertThat(FivetranConnector.time("2024-03-21T14:44:29.613Z"))
                .isEqualTo(Instant.ofEpochSecond(MICROS.getEpochSecond(), 613_000_000));
        assertThat(FivetranConnector.time("2024-03-21T14:44:29Z")).isEqualTo(Instant.ofEpochSecond(MICROS.getEpochSecond()));
    }

    @Test
    void shouldParseOffsetsToTheSameInstant() {
        assertThat(FivetranConnector.time("2024-03-21T14:44:29.613498+00:00")).isEqualTo(MICROS);
        assertThat(FivetranConnector.time("2024-03-21T16:44:29.613498+02:00")).isEqualTo(MICROS);
        assertThat(FivetranConnector.time("2024-03-21T09:44:29.613498-05:00")).isEqualTo(MICROS);
    }

    @Test
    void shouldReadNullOrBlankAsNeverSynced() {
        assertThat(FivetranConnector.time(null)).isNull();
        assertThat(FivetranConnector.time(" ")).isNull();
        FivetranConnector never = FivetranConnector.of(Json.parse(connection(null, null, "scheduled")));
        assertThat(never.succeededAt()).isNull();
        assertThat(never.lastCompletion()).isNull();
    }

    @Test
    void shouldNameATimestampThatIsNotIso8601() {
        assertThatThrownBy(() -> FivetranConnector.time("21/03/2024 14:44"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'21/03/2024 14:44'").hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> FivetranConnector.time("2024-03-21T14:44:29.613498"))
                .as("no offset: not a Fivetran timestamp").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldKeepTheBaselineAsTheInstantAtFullPrecision() {
        Exchange ex = beforeTrigger(connection("2024-03-21T14:44:29.613498Z", "2024-03-20T10:00:00.000001Z",
                "scheduled"));

        assertThat(ex.getProperty(FivetranSyncs.BASELINE)).isInstanceOf(Instant.class).isEqualTo(MICROS);
    }

    @Test
    void shouldNotTakeAnUnchangedMicrosecondTimestampForACompletion() {
        Exchange ex = beforeTrigger(connection("2024-03-21T14:44:29.613498Z", null, "scheduled"));

        status(ex, connection("2024-03-21T14:44:29.613498Z", null, "syncing"));

        assertThat(ex.getProperty(SyncState.STATUS)).isEqualTo("syncing");
        assertThat(ex.getProperty(SyncState.DONE, Boolean.class)).isFalse();
    }

    @Test
    void shouldNotTakeTheSameInstantWrittenWithAnotherOffsetForACompletion() {
        Exchange ex = beforeTrigger(connection("2024-03-21T14:44:29.613498Z", null, "scheduled"));

        status(ex, connection("2024-03-21T16:44:29.613498+02:00", null, "scheduled"));

        assertThat(ex.getProperty(SyncState.STATUS)).isEqualTo("scheduled");
        assertThat(ex.getProperty(SyncState.DONE, Boolean.class)).isFalse();
    }

    @Test
    void shouldCompleteWhenSucceededAtMovesByOneMicrosecond() {
        Exchange ex = beforeTrigger(connection("2024-03-21T14:44:29.613498Z", null, "scheduled"));

        status(ex, connection("2024-03-21T14:44:29.613499Z", null, "scheduled"));

        assertThat(ex.getProperty(SyncState.STATUS)).isEqualTo("succeeded");
        assertThat(ex.getProperty(SyncState.DONE, Boolean.class)).isTrue();
    }

    @Test
    void shouldFailWhenFailedAtMovesByOneMicrosecondPastAnUnchangedSucceededAt() {
        Exchange ex = beforeTrigger(connection("2024-03-21T14:44:29.613498Z", "2024-03-01T00:00:00Z", "scheduled"));

        status(ex, connection("2024-03-21T14:44:29.613498Z", "2024-03-21T14:44:29.613499Z", "scheduled"));

        assertThat(ex.getProperty(SyncState.STATUS)).isEqualTo("failed");
    }

    @Test
    void shouldCompareMillisecondAndWholeSecondTimestampsAsInstantsToo() {
        Exchange ms = beforeTrigger(connection("2024-03-21T14:44:29.613Z", null, "scheduled"));
        status(ms, connection("2024-03-21T14:44:29.613000Z", null, "syncing"));
        assertThat(ms.getProperty(SyncState.STATUS)).as("the same instant in six digits").isEqualTo("syncing");
        status(ms, connection("2024-03-21T14:44:29.613001Z", null, "scheduled"));
        assertThat(ms.getProperty(SyncState.STATUS)).isEqualTo("succeeded");

        Exchange seconds = beforeTrigger(connection("2024-03-21T14:44:29Z", null, "scheduled"));
        status(seconds, connection("2024-03-21T14:44:29+00:00", null, "syncing"));
        assertThat(seconds.getProperty(SyncState.STATUS)).isEqualTo("syncing");
    }

    @Test
    void shouldTakeTheFirstTimestampOfANeverSyncedConnectorForTheCompletion() {
        Exchange ex = beforeTrigger(connection(null, null, "scheduled"));
        assertThat(ex.getProperty(FivetranSyncs.BASELINE)).isNull();

        status(ex, connection(null, null, "syncing"));
        assertThat(ex.getProperty(SyncState.STATUS)).isEqualTo("syncing");

        status(ex, connection("2024-03-21T14:44:29.000001Z", null, "scheduled"));
        assertThat(ex.getProperty(SyncState.STATUS)).isEqualTo("succeeded");
    }

    @Test
    void shouldWaitUntilRescheduledForWithoutRoundingItDown() {
        Instant now = CLOCK.instant();

        assertThat(FivetranSyncs.millisUntil(now, now.plusNanos(500_000))).isEqualTo(1);
        assertThat(FivetranSyncs.millisUntil(now, now.plusMillis(1500))).isEqualTo(1500);
        assertThat(FivetranSyncs.millisUntil(now, now.plusNanos(1_500_001_000))).isEqualTo(1501);
        assertThat(FivetranSyncs.millisUntil(now, now.minusSeconds(1))).isZero();
    }

    /** An exchange after the pre-trigger read of this connection (the baseline recorded). */
    private Exchange beforeTrigger(String connection) {
        Exchange ex = new DefaultExchange(new DefaultCamelContext());
        ex.setProperty(FivetranSyncs.CONNECTOR_ID, FivetranAnswers.CONNECTOR);
        ex.setProperty(FivetranSyncs.OPERATION, "sync");
        ex.setProperty(SyncState.ACCOUNT, "prod");
        SyncState.start(ex, CLOCK, Duration.ofSeconds(15), Duration.ofHours(1), true);
        ex.getMessage().setBody(connection);
        syncs.onBaseline(ex);
        return ex;
    }

    private void status(Exchange ex, String connection) {
        ex.getMessage().setBody(connection);
        syncs.onStatus(ex);
    }
}
