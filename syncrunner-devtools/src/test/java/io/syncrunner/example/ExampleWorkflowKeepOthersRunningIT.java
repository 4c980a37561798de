package io.syncrunner.example;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.syncrunner.runs.SyncRun;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static io.syncrunner.example.ExampleWorkflowFailureIT.CONNECTION;
import static org.assertj.core.api.Assertions.assertThat;

/** The example job with cancelOthersOnFailure=false: a failed Fivetran sync leaves the Airbyte job to its end. */
class ExampleWorkflowKeepOthersRunningIT extends RunnerTestSupport {

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        demo(p);
        p.put("example.poll-interval", "200ms");
        p.put("example.workflow.cancel-others-on-failure", "false");
        p.put("emulator.fivetran.connectors", "demo_postgres=syncing:500ms,failed");
        p.put("emulator.airbyte.connections", CONNECTION + "=pending:500ms,running:3s,succeeded");
        return p;
    }

    @Test
    void shouldLeaveTheAirbyteJobRunningAndAwaitItWhenCancelOthersOnFailureIsFalse() {
        SyncRun run = ExampleWorkflowFailureIT.finishedWorkflowRun(context);
        AirbyteEmulator airbyte = context.getRegistry().lookupByNameAndType("airbyteEmulator", AirbyteEmulator.class);
        JobSnapshot job = airbyte.jobs().stream().filter(j -> j.connectionId().equals(CONNECTION)).findFirst()
                .orElseThrow();

        assertThat(airbyte.count("DELETE", ".*/jobs/.*")).as("cancels sent").isZero();
        assertThat(job.status()).isEqualTo("succeeded");
        assertThat(run.state()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("fivetran/demo/demo_postgres/sync failed")
                .contains("cancelOthersOnFailure=false").doesNotContain("stopped because");
        JsonNode result = Json.parse(run.result());
        assertThat(result.path("branches").get(0).path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("branches").get(0).has("stoppedBecause")).isFalse();
        assertThat(result.path("stopped")).isEmpty();
    }
}
