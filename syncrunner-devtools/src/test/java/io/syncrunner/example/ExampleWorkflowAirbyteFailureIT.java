package io.syncrunner.example;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.runs.SyncRun;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static io.syncrunner.example.ExampleWorkflowFailureIT.CONNECTION;
import static org.assertj.core.api.Assertions.assertThat;

/** The example job when the Airbyte sync fails while the Fivetran sync runs: the Fivetran wait ends, and says why. */
class ExampleWorkflowAirbyteFailureIT extends RunnerTestSupport {

    private int logStart;

    @Override
    protected Properties moreProperties() {
        logStart = LogCapture.size();
        Properties p = new Properties();
        demo(p);
        p.put("example.poll-interval", "200ms");
        p.put("emulator.fivetran.connectors", "demo_postgres=syncing:5m,succeeded");
        p.put("emulator.airbyte.connections", CONNECTION + "=pending:500ms,running:500ms,failed");
        return p;
    }

    @Test
    void shouldStopWaitingForTheFivetranSyncWhenTheAirbyteSyncFailsAndSayFivetranCannotCancel() {
        SyncRun run = ExampleWorkflowFailureIT.finishedWorkflowRun(context);

        assertThat(run.state()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("airbyte/demo/" + CONNECTION + "/sync failed")
                .contains("stopped because of it: Stopped waiting for the Fivetran sync of")
                .contains("Fivetran has no endpoint to cancel a sync");
        JsonNode fivetran = Json.parse(run.result()).path("branches").get(1);
        assertThat(fivetran.path("provider").asText()).isEqualTo("fivetran");
        assertThat(fivetran.path("cancelRequested").asBoolean()).isFalse();
        assertThat(fivetran.path("stoppedBecause").asText()).startsWith("airbyte/demo/" + CONNECTION + "/sync failed");
        assertThat(LogCapture.linesSince(logStart)).noneMatch(l -> l.contains("Workflow: both syncs succeeded"));
    }
}
