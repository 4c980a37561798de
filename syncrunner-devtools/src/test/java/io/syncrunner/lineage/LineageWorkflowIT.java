package io.syncrunner.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.testsupport.LineageReceiver;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.OpenLineageSchemas;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The demo's example workflow with lineage on: both sync steps name the workflow's run as their parent. */
class LineageWorkflowIT extends RunnerTestSupport {
    private static final LineageReceiver RECEIVER = new LineageReceiver();

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        demo(p);
        p.put("example.poll-interval", "200ms");
        p.put("syncrunner.lineage.url", RECEIVER.url());
        return p;
    }

    @AfterAll
    void stopReceiver() {
        context.stop();
        RECEIVER.close();
    }

    @Test
    void shouldNameTheWorkflowRunAsParentOfBothSyncSteps() {
        await().atMost(Duration.ofSeconds(30)).until(() -> LogCapture.lines().stream()
                .anyMatch(l -> l.contains("Workflow: both syncs succeeded")));
        await().atMost(Duration.ofSeconds(20)).until(() -> RECEIVER.events().size() >= 4);
        List<JsonNode> events = RECEIVER.events();
        assertThat(events).hasSize(4);
        events.forEach(e -> assertThat(OpenLineageSchemas.problems(e)).as(e.toString()).isEmpty());

        List<JsonNode> parents = events.stream().map(e -> e.path("run").path("facets").path("parent")).toList();
        assertThat(parents).allSatisfy(p -> {
            assertThat(p.path("job").path("namespace").asText()).isEqualTo("syncrunner://workflows");
            assertThat(p.path("job").path("name").asText()).isEqualTo("example-workflow");
        });
        // one workflow run, two sync steps (two runs of their own), each START before its end
        assertThat(parents.stream().map(p -> p.path("run").path("runId").asText()).distinct()).hasSize(1);
        assertThat(events.stream().map(e -> e.path("job").path("name").asText()).distinct())
                .containsExactlyInAnyOrder("6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a01", "demo_postgres");
        for (String job : List.of("6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a01", "demo_postgres")) {
            List<JsonNode> of = RECEIVER.eventsOf(job);
            assertThat(of).extracting(e -> e.path("eventType").asText()).containsExactly("START", "COMPLETE");
            assertThat(of.get(0).path("run").path("runId").asText())
                    .isEqualTo(of.get(1).path("run").path("runId").asText());
        }
        String parentRun = parents.get(0).path("run").path("runId").asText();
        assertThat(events.get(0).path("run").path("facets").path("syncrunner_sync").path("journalRunId").asText())
                .isEqualTo(parentRun);
    }
}
