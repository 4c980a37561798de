package io.syncrunner.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.runs.SyncEvents;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class LineageEventsTest {
    private static final String RUN = "0190f3a4-5b6c-7d8e-9f00-112233445566";
    private static final Instant STARTED = Instant.parse("2026-12-04T10:00:00Z");
    private static final Instant ENDED = Instant.parse("2026-12-04T10:05:00Z");
    private final LineageEvents events = new LineageEvents("syncrunner", "1.2.3");

    private static SyncEvents.Step step(String workflow) {
        return new SyncEvents.Step(RUN, "prov/main/conn-1/sync", "prov", "main", "conn-1", workflow, STARTED);
    }

    @Test
    void shouldNameTheJobByProviderAccountAndTarget() {
        JsonNode start = events.start(step(null));
        assertThat(start.path("eventType").asText()).isEqualTo("START");
        assertThat(start.path("eventTime").asText()).isEqualTo("2026-12-04T10:00:00Z");
        assertThat(start.path("job").path("namespace").asText()).isEqualTo("syncrunner://prov/main");
        assertThat(start.path("job").path("name").asText()).isEqualTo("conn-1");
        assertThat(start.path("producer").asText()).isEqualTo("https://github.com/syncrunner/syncrunner/tree/1.2.3");
        assertThat(start.path("schemaURL").asText())
                .isEqualTo("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent");
        JsonNode sync = start.path("run").path("facets").path("syncrunner_sync");
        assertThat(sync.path("journalRunId").asText()).isEqualTo(RUN);
        assertThat(sync.path("stepKey").asText()).isEqualTo("prov/main/conn-1/sync");
        assertThat(sync.path("_producer").asText()).isEqualTo(start.path("producer").asText());
        assertThat(start.path("run").path("facets").has("parent")).isFalse();
    }

    @Test
    void shouldGiveEveryEventOfAStepTheSameRunIdAndOtherStepsAnother() {
        String start = events.start(step(null)).path("run").path("runId").asText();
        String end = events.end(step(null), SyncEvents.Outcome.SUCCEEDED, "{\"status\":\"succeeded\"}", null, ENDED)
                .path("run").path("runId").asText();
        // a second runner (another instance) after a restart derives the same id
        String again = new LineageEvents("other", "9").start(step(null)).path("run").path("runId").asText();
        assertThat(start).isEqualTo(end).isEqualTo(again)
                .isEqualTo(LineageEvents.runId(RUN, "prov/main/conn-1/sync").toString());
        assertThat(LineageEvents.runId(RUN, "prov/main/conn-2/sync").toString()).isNotEqualTo(start);
        assertThat(LineageEvents.runId("0190f3a4-5b6c-7d8e-9f00-112233445567", "prov/main/conn-1/sync").toString())
                .isNotEqualTo(start);
    }

    @Test
    void shouldNameTheWorkflowRunAsParent() {
        JsonNode parent = events.start(step("nightly")).path("run").path("facets").path("parent");
        assertThat(parent.path("run").path("runId").asText()).isEqualTo(RUN);
        assertThat(parent.path("job").path("namespace").asText()).isEqualTo("syncrunner://workflows");
        assertThat(parent.path("job").path("name").asText()).isEqualTo("nightly");
        assertThat(parent.path("_schemaURL").asText()).contains("ParentRunFacet.json");
    }

    @Test
    void shouldCopyTheGenericResultFieldsIntoTheSyncFacet() {
        String result = "{\"status\":\"succeeded\",\"jobId\":3000000001,\"rowsSynced\":42,\"bytesSynced\":4200,"
                + "\"secretThing\":\"x\",\"nested\":{\"a\":1}}";
        JsonNode end = events.end(step(null), SyncEvents.Outcome.SUCCEEDED, result, null, ENDED);
        assertThat(end.path("eventType").asText()).isEqualTo("COMPLETE");
        assertThat(end.path("eventTime").asText()).isEqualTo("2026-12-04T10:05:00Z");
        JsonNode sync = end.path("run").path("facets").path("syncrunner_sync");
        assertThat(sync.path("jobId").asLong()).isEqualTo(3000000001L);
        assertThat(sync.path("rowsSynced").asLong()).isEqualTo(42);
        assertThat(sync.path("bytesSynced").asLong()).isEqualTo(4200);
        assertThat(sync.path("outcome").asText()).isEqualTo("succeeded");
        assertThat(sync.has("secretThing")).isFalse();
        assertThat(sync.has("nested")).isFalse();
        assertThat(end.path("run").path("facets").has("errorMessage")).isFalse();
    }

    @Test
    void shouldMapOutcomesToCompleteFailAndAbort() {
        assertThat(LineageEvents.eventType(SyncEvents.Outcome.SUCCEEDED)).isEqualTo("COMPLETE");
        assertThat(LineageEvents.eventType(SyncEvents.Outcome.TRIGGERED)).isEqualTo("COMPLETE");
        assertThat(LineageEvents.eventType(SyncEvents.Outcome.SKIPPED)).isEqualTo("COMPLETE");
        assertThat(LineageEvents.eventType(SyncEvents.Outcome.FAILED)).isEqualTo("FAIL");
        assertThat(LineageEvents.eventType(SyncEvents.Outcome.TIMED_OUT)).isEqualTo("FAIL");
        assertThat(LineageEvents.eventType(SyncEvents.Outcome.CANCELLED)).isEqualTo("ABORT");
        assertThat(LineageEvents.eventType(SyncEvents.Outcome.STOPPED)).isEqualTo("ABORT");
    }

    @Test
    void shouldCarryTheErrorMessageOnAFailure() {
        JsonNode fail = events.end(step(null), SyncEvents.Outcome.FAILED,
                "{\"status\":\"failed\",\"syncId\":\"s-1\"}", "the sync of conn-1 failed", ENDED);
        assertThat(fail.path("eventType").asText()).isEqualTo("FAIL");
        JsonNode error = fail.path("run").path("facets").path("errorMessage");
        assertThat(error.path("message").asText()).isEqualTo("the sync of conn-1 failed");
        assertThat(error.path("programmingLanguage").asText()).isEqualTo("JAVA");
        assertThat(fail.path("run").path("facets").path("syncrunner_sync").path("syncId").asText()).isEqualTo("s-1");
    }

    @Test
    void shouldRefuseAnEndpointThatIsNotAnHttpUrlWithoutShowingIt() {
        for (String bad : new String[] {"ftp://user:pw@host/x", "not a url", "marquez.internal:5000", "http:///nohost"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Lineage.endpoint(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("syncrunner.lineage.url must be an absolute http or https URL")
                    .hasMessageNotContaining(bad);
        }
        assertThat(Lineage.endpoint("http://localhost:5000/api/v1/lineage").getPort()).isEqualTo(5000);
    }
}
