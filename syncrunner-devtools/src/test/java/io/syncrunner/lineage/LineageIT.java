package io.syncrunner.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.syncrunner.observability.SyncMetrics;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
import io.syncrunner.testsupport.LineageReceiver;
import io.syncrunner.testsupport.OpenLineageSchemas;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The runner with lineage on, against a local OpenLineage endpoint: every sync step sends START, then COMPLETE,
 * FAIL or ABORT, each valid against the published schemas; an endpoint that answers 500 or hangs never fails or
 * holds a sync up, and its failures are counted.
 */
class LineageIT extends FivetranTestSupport {
    private static final String FAST = "&pollInterval=100ms";
    private static final String LINEAGE_KEY = "test-lineage-key-Qp38Zv";
    private static final LineageReceiver RECEIVER = new LineageReceiver();

    @Override
    protected Properties fivetranProperties() {
        Properties p = new Properties();
        p.put("syncrunner.lineage.url", RECEIVER.url());
        p.put("syncrunner.lineage.api-key", secret(LINEAGE_KEY));
        // longer than any sync here: a sync that waited for a hanging endpoint would take at least this long
        p.put("syncrunner.lineage.timeout", "60s");
        return p;
    }

    @AfterEach
    void endpointAcceptsAgain() {
        RECEIVER.release();
        RECEIVER.mode(LineageReceiver.Mode.ACCEPT);
    }

    @AfterAll
    void stopReceiver() {
        context.stop(); // its last events go out first
        RECEIVER.close();
    }

    /** The START and the end event of the job, once both arrived; each valid, with the same run id. */
    private static List<JsonNode> startAndEnd(String jobName) {
        await().atMost(Duration.ofSeconds(20)).until(() -> RECEIVER.eventsOf(jobName).size() >= 2);
        List<JsonNode> events = RECEIVER.eventsOf(jobName);
        assertThat(events).hasSize(2);
        for (JsonNode e : events) {
            assertThat(OpenLineageSchemas.problems(e)).as(e.toString()).isEmpty();
        }
        assertThat(events.get(0).path("eventType").asText()).isEqualTo("START");
        JsonNode start = events.get(0);
        JsonNode end = events.get(1);
        assertThat(end.path("run").path("runId").asText()).isEqualTo(start.path("run").path("runId").asText());
        // the run id is the one derived from the journal's run and step: a restart sends the same
        JsonNode sync = end.path("run").path("facets").path("syncrunner_sync");
        assertThat(start.path("run").path("runId").asText()).isEqualTo(LineageEvents.runId(
                sync.path("journalRunId").asText(), sync.path("stepKey").asText()).toString());
        return events;
    }

    private double lineageEvents(String outcome) {
        Counter c = SyncMetrics.meters(context).find("syncrunner.lineage.events").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void shouldSendStartThenCompleteForAnAirbyteSync() {
        String id = connection("running:300ms,succeeded", 1200, 56000);
        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        List<JsonNode> events = startAndEnd(id);
        JsonNode end = events.get(1);
        assertThat(end.path("eventType").asText()).isEqualTo("COMPLETE");
        assertThat(end.path("job").path("namespace").asText()).isEqualTo("syncrunner://airbyte/test");
        JsonNode sync = end.path("run").path("facets").path("syncrunner_sync");
        assertThat(sync.path("jobId").asLong()).isEqualTo(result.path("jobId").asLong()).isPositive();
        assertThat(sync.path("rowsSynced").asLong()).isEqualTo(1200);
        assertThat(sync.path("bytesSynced").asLong()).isEqualTo(56000);
        assertThat(sync.path("status").asText()).isEqualTo("succeeded");
        assertThat(end.path("run").path("facets").has("parent")).isFalse();
        assertThat(RECEIVER.authorizations()).contains("Bearer " + LINEAGE_KEY);
    }

    @Test
    void shouldSendStartThenCompleteForAFivetranSync() {
        String id = add(connector("syncing:300ms,succeeded"));
        fivetranSync("account=test&connectorId=" + id + FAST);

        JsonNode end = startAndEnd(id).get(1);
        assertThat(end.path("eventType").asText()).isEqualTo("COMPLETE");
        assertThat(end.path("job").path("namespace").asText()).isEqualTo("syncrunner://fivetran/test");
        JsonNode sync = end.path("run").path("facets").path("syncrunner_sync");
        assertThat(sync.path("target").asText()).isEqualTo(id);
        assertThat(sync.path("operation").asText()).isEqualTo("sync");
        assertThat(sync.path("outcome").asText()).isEqualTo("succeeded");
    }

    @Test
    void shouldSendFailWithTheErrorForAFailedSync() {
        String id = connection("running:200ms,failed");
        Throwable failure = syncFailure("account=test&connectionId=" + id + FAST);

        JsonNode end = startAndEnd(id).get(1);
        assertThat(end.path("eventType").asText()).isEqualTo("FAIL");
        assertThat(end.path("run").path("facets").path("errorMessage").path("message").asText())
                .isEqualTo(failure.getMessage());
        assertThat(end.path("run").path("facets").path("syncrunner_sync").path("status").asText()).isEqualTo("failed");
    }

    @Test
    void shouldSendAbortForACancelledSync() {
        String id = connection("running:200ms,cancelled");
        syncFailure("account=test&connectionId=" + id + FAST);

        JsonNode end = startAndEnd(id).get(1);
        assertThat(end.path("eventType").asText()).isEqualTo("ABORT");
        assertThat(end.path("run").path("facets").path("syncrunner_sync").path("outcome").asText())
                .isEqualTo("cancelled");
    }

    @Test
    void shouldSyncAsUsualWhenTheEndpointAnswers500AndCountTheFailures() {
        RECEIVER.mode(LineageReceiver.Mode.FAIL);
        double failedBefore = lineageEvents("failed");
        String id = connection("running:200ms,succeeded");
        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        await().atMost(Duration.ofSeconds(20)).until(() -> lineageEvents("failed") >= failedBefore + 2);
        assertThat(RECEIVER.eventsOf(id)).hasSize(2);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS) // a sync held by the endpoint would take its 60 s timeout
    void shouldNotHoldASyncWhileTheEndpointHangs() {
        RECEIVER.mode(LineageReceiver.Mode.HANG);
        double sentBefore = lineageEvents("sent");
        String id = connection("running:200ms,succeeded");
        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        // the START is still held by the endpoint (nothing answered yet): the sync ended without its answer
        await().atMost(Duration.ofSeconds(20)).until(() -> RECEIVER.eventsOf(id).size() >= 1);
        assertThat(lineageEvents("sent")).isEqualTo(sentBefore);
        RECEIVER.release();
        await().atMost(Duration.ofSeconds(20)).until(() -> lineageEvents("sent") >= sentBefore + 2);
        assertThat(RECEIVER.eventsOf(id)).extracting(e -> e.path("eventType").asText())
                .containsExactly("START", "COMPLETE");
    }
}
