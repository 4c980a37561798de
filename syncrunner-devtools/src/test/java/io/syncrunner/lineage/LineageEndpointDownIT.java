package io.syncrunner.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.syncrunner.observability.SyncMetrics;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Lineage on, but nothing listens at its URL: syncs go on as usual; failures are counted, logged once. */
class LineageEndpointDownIT extends RunnerTestSupport {
    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("syncrunner.lineage.url", "http://127.0.0.1:" + closedPort() + "/api/v1/lineage");
        return p;
    }

    private double failed() {
        Counter c = SyncMetrics.meters(context).find("syncrunner.lineage.events").tag("outcome", "failed").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void shouldSyncAsUsualAndCountTheEventsThatCouldNotBeSent() {
        // this test's lines only: the log is the whole suite's (another class's endpoint answers 500 on purpose)
        int from = LogCapture.size();
        for (int i = 0; i < 2; i++) {
            JsonNode result = Json.parse(sync("account=test&connectionId=" + connection("running:200ms,succeeded")
                    + "&pollInterval=100ms"));
            assertThat(result.path("status").asText()).isEqualTo("succeeded");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> failed() >= 4);
        // one WARN for the interval (60 s), not one per event
        assertThat(LogCapture.linesSince(from).stream().filter(l -> l.contains("lineage event") && l.contains("not sent")))
                .hasSize(1).allSatisfy(l -> assertThat(l).contains("could not be reached")
                        .doesNotContain("127.0.0.1"));
    }
}
