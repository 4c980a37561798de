package io.syncrunner.example;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.syncrunner.runs.SyncRun;
import io.syncrunner.runs.SyncRuns;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The example job when the Fivetran sync fails while the Airbyte job still runs: the follow-up step must not run,
 * and (cancelOthersOnFailure, on by default) the Airbyte job is cancelled and the run says so.
 */
class ExampleWorkflowFailureIT extends RunnerTestSupport {
    static final String CONNECTION = "6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a01";

    private int logStart;

    @Override
    protected Properties moreProperties() {
        logStart = LogCapture.size();
        Properties p = new Properties();
        demo(p);
        p.put("example.poll-interval", "200ms");
        p.put("emulator.fivetran.connectors", "demo_postgres=syncing:500ms,failed");
        // far longer than the Fivetran sync: it still runs when the Fivetran sync has failed
        p.put("emulator.airbyte.connections", CONNECTION + "=pending:500ms,running:5m,succeeded");
        return p;
    }

    @Test
    void shouldNotRunTheFollowUpStepWhenOneSyncFailed() {
        await().atMost(Duration.ofSeconds(30)).until(() -> LogCapture.linesSince(logStart).stream()
                .anyMatch(l -> l.contains("Workflow: stopped, the follow-up step did not run")
                        && l.contains("demo_postgres")));
        assertThat(LogCapture.linesSince(logStart)).noneMatch(l -> l.contains("Workflow: both syncs succeeded"));
    }

    @Test
    void shouldCancelTheRunningAirbyteJobWhenTheFivetranSyncFailsAndSaySoInTheRun() {
        SyncRun run = finishedWorkflowRun(context);
        AirbyteEmulator airbyte = context.getRegistry().lookupByNameAndType("airbyteEmulator", AirbyteEmulator.class);

        JobSnapshot job = airbyte.jobs().stream().filter(j -> j.connectionId().equals(CONNECTION)).findFirst()
                .orElseThrow();
        assertThat(airbyte.count("DELETE", ".*/jobs/" + job.jobId())).as("DELETE of the running job").isEqualTo(1);
        assertThat(job.cancelRequested()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> airbyte.job(job.jobId()).orElseThrow().status()
                .equals("cancelled"));

        assertThat(run.state()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("fivetran/demo/demo_postgres/sync failed")
                .contains("stopped because of it: Airbyte job " + job.jobId()).contains("was cancelled");
        JsonNode result = Json.parse(run.result());
        assertThat(result.path("failed").get(0).asText()).startsWith("fivetran/demo/demo_postgres/sync failed");
        JsonNode airbyteBranch = result.path("branches").get(0);
        assertThat(airbyteBranch.path("provider").asText()).isEqualTo("airbyte");
        assertThat(airbyteBranch.path("jobId").asLong()).isEqualTo(job.jobId());
        assertThat(airbyteBranch.path("cancelRequested").asBoolean()).isTrue();
        assertThat(airbyteBranch.path("stoppedBecause").asText()).startsWith("fivetran/demo/demo_postgres/sync failed");
        assertThat(result.path("branches").get(1).path("status").asText()).isEqualTo("failed");
        assertThat(LogCapture.linesSince(logStart)).anyMatch(l -> l.contains("Airbyte job " + job.jobId())
                && l.contains("cancelling it because fivetran/demo/demo_postgres/sync failed"));
    }

    /** The example workflow's run, once it has finished. */
    static SyncRun finishedWorkflowRun(org.apache.camel.CamelContext context) {
        SyncRuns runs = context.getRegistry().lookupByNameAndType("syncRuns", SyncRuns.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.list(r -> "example-workflow".equals(r.workflow())
                && r.finishedAt() != null).size() == 1);
        List<SyncRun> list = runs.list(r -> "example-workflow".equals(r.workflow()));
        assertThat(list).hasSize(1);
        return list.get(0);
    }
}
