package io.syncrunner.durability;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.testsupport.LineageReceiver;
import io.syncrunner.testsupport.OpenLineageSchemas;
import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 of a runner with lineage on while its syncs run; started again on the same journal, it carries them on and
 * each step's events name the same OpenLineage run as before the kill (START again, then one end event).
 */
class LineageRestartIT {
    private final SyncFleet fleet = new SyncFleet();
    private final LineageReceiver receiver = new LineageReceiver();

    @AfterEach
    void close() {
        fleet.close();
        receiver.close();
    }

    @Test
    void shouldKeepEachStepsRunIdAcrossAKillAndRestart() throws Exception {
        fleet.add(2, 1, Duration.ofSeconds(4));
        RunnerProcess.Builder builder = fleet.configure(RunnerProcess.builder("lineage-restart"))
                .property("syncrunner.lineage.url", receiver.url());
        try (RunnerProcess first = builder.start()) {
            fleet.submitAll(first);
            // every sync triggered (its step journaled as started) and its START received
            await().atMost(Duration.ofSeconds(60)).until(() -> fleet.triggersSeen() >= 3
                    && receiver.events().stream().filter(e -> "START".equals(e.path("eventType").asText())).count() >= 3);
            first.killHard();
        }
        assertThat(receiver.events()).as("no sync had ended before the kill")
                .allSatisfy(e -> assertThat(e.path("eventType").asText()).isEqualTo("START"));

        try (RunnerProcess second = builder.start()) {
            await().atMost(Duration.ofSeconds(90)).until(() -> fleet.finished(second) == fleet.runs.size());
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.events().stream()
                    .filter(e -> !"START".equals(e.path("eventType").asText())).count() >= 3);
        }
        for (SyncFleet.Target t : fleet.runs.values()) {
            List<JsonNode> events = receiver.eventsOf(t.id());
            events.forEach(e -> assertThat(OpenLineageSchemas.problems(e)).as(e.toString()).isEmpty());
            // START by the first runner, START again by the second (carrying it on), then its end
            assertThat(events).extracting(e -> e.path("eventType").asText())
                    .containsExactly("START", "START", "succeeded".equals(t.expected()) ? "COMPLETE" : "FAIL");
            assertThat(events.stream().map(e -> e.path("run").path("runId").asText()).distinct()).hasSize(1);
            // the START again keeps the step's first start as its time
            assertThat(events.get(1).path("eventTime").asText()).isEqualTo(events.get(0).path("eventTime").asText());
        }
    }
}
