package io.syncrunner.example;

import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The example job when the Fivetran sync fails: the follow-up step must not run. */
class ExampleWorkflowFailureTest extends RunnerTestSupport {

    private int logStart;

    @Override
    protected Properties moreProperties() {
        logStart = LogCapture.size();
        Properties p = new Properties();
        p.put("emulator.enabled", "true");
        p.put("example.workflow.enabled", "true");
        p.put("example.poll-interval", "200ms");
        p.put("emulator.fivetran.connectors", "demo_postgres=syncing:500ms,failed");
        return p;
    }

    @Test
    void shouldNotRunTheFollowUpStepWhenOneSyncFailed() {
        await().atMost(Duration.ofSeconds(30)).until(() -> LogCapture.linesSince(logStart).stream()
                .anyMatch(l -> l.contains("Workflow: stopped, the follow-up step did not run")
                        && l.contains("demo_postgres")));
        assertThat(LogCapture.linesSince(logStart)).noneMatch(l -> l.contains("Workflow: both syncs succeeded"));
    }
}
