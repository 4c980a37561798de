package io.syncrunner.lineage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.runs.SyncEvents;
import io.syncrunner.testsupport.OpenLineageSchemas;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The events the runner builds, against the published OpenLineage schemas (src/test/resources/openlineage). */
class LineageEventSchemaTest {
    private final LineageEvents events = new LineageEvents("syncrunner", "0.1.0-SNAPSHOT");
    private final SyncEvents.Step step = new SyncEvents.Step("0190f3a4-5b6c-7d8e-9f00-112233445566",
            "prov/main/conn-1/sync", "prov", "main", "conn-1", "nightly", Instant.parse("2026-12-04T10:00:00Z"));
    private final Instant end = Instant.parse("2026-12-04T10:05:00Z");

    @Test
    void shouldBuildEventsThePublishedSchemasAccept() {
        assertThat(OpenLineageSchemas.problems(events.start(step))).isEmpty();
        for (SyncEvents.Outcome o : SyncEvents.Outcome.values()) {
            ObjectNode e = events.end(step, o, "{\"status\":\"failed\",\"jobId\":1,\"rowsSynced\":3}",
                    o == SyncEvents.Outcome.SUCCEEDED ? null : "it ended " + o, end);
            assertThat(OpenLineageSchemas.problems(e)).as(o.name()).isEmpty();
        }
        SyncEvents.Step own = new SyncEvents.Step(step.runId(), step.stepKey(), "prov", "main", "conn-1", null,
                step.startedAt());
        assertThat(OpenLineageSchemas.problems(events.start(own))).isEmpty();
    }

    @Test
    void shouldReportWhatTheSchemasRefuse() {
        ObjectNode noRunId = events.start(step);
        ((ObjectNode) noRunId.path("run")).remove("runId");
        assertThat(OpenLineageSchemas.problems(noRunId)).anyMatch(p -> p.contains("runId"));

        ObjectNode badType = events.start(step);
        badType.put("eventType", "FINISHED");
        assertThat(OpenLineageSchemas.problems(badType)).anyMatch(p -> p.contains("eventType"));

        ObjectNode notUuid = events.start(step);
        ((ObjectNode) notUuid.path("run")).put("runId", "run-1");
        assertThat(OpenLineageSchemas.problems(notUuid)).anyMatch(p -> p.contains("uuid"));

        ObjectNode parentWithoutJob = events.start(step);
        ((ObjectNode) parentWithoutJob.path("run").path("facets").path("parent")).remove("job");
        assertThat(OpenLineageSchemas.problems(parentWithoutJob)).anyMatch(p -> p.startsWith("run facet parent"));

        ObjectNode facetWithoutProducer = events.start(step);
        ((ObjectNode) facetWithoutProducer.path("run").path("facets").path("syncrunner_sync")).remove("_producer");
        assertThat(OpenLineageSchemas.problems(facetWithoutProducer)).anyMatch(p -> p.contains("_producer"));
    }
}
