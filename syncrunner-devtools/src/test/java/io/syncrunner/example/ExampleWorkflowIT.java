package io.syncrunner.example;

import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The demo's example job: both emulators, an Airbyte and a Fivetran sync in parallel. */
class ExampleWorkflowIT extends RunnerTestSupport {

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        demo(p);
        p.put("example.poll-interval", "200ms");
        return p;
    }

    @Test
    void shouldRunTheFollowUpStepOnlyAfterBothSyncsSucceeded() {
        await().atMost(Duration.ofSeconds(30)).until(() -> LogCapture.lines().stream()
                .anyMatch(l -> l.contains("Workflow: both syncs succeeded")));
        String line = LogCapture.lines().stream().filter(l -> l.contains("Workflow: both syncs succeeded")).findFirst()
                .orElseThrow();
        assertThat(line).contains("\"provider\":\"airbyte\"").contains("\"provider\":\"fivetran\"")
                .contains("\"status\":\"succeeded\"");
    }
}
