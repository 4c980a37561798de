package io.syncrunner.support;

import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Status polls hold no thread while their answer is on its way ({@code syncrunner.http.async-reads}, the
 * default): with a single waiter thread and an API that takes 1.5 s to answer a status GET, six syncs still have
 * their six polls in flight at once. A blocking client on that one thread could have one in flight, and the sixth
 * sync would poll for the first time some 7.5 s after the first.
 */
class AsyncReadsIT extends RunnerTestSupport {

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("syncrunner.wait.threads", "1");
        return p;
    }

    @Test
    void shouldKeepTheStatusPollsOfManySyncsInFlightAtOnceWithASingleWaiterThread() throws Exception {
        EMULATOR.faults().add(FaultRule.on("GET", "/jobs/[0-9]+").delay(Duration.ofMillis(1500)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(connection("running:2s,succeeded"));
        }
        List<CompletableFuture<String>> syncs = new ArrayList<>();
        for (String id : ids) {
            syncs.add(template.asyncRequestBody("kamelet:airbyte-sync?account=test&connectionId=" + id
                    + "&pollInterval=100ms", null, String.class));
        }
        List<String> jobPaths = new ArrayList<>();
        for (CompletableFuture<String> sync : syncs) {
            String result = sync.get(60, TimeUnit.SECONDS);
            assertThat(result).contains("\"status\":\"succeeded\"");
            jobPaths.add("/jobs/" + Json.parse(result).path("jobId").asLong());
        }

        // when each sync's first status GET reached the API (the log records arrival times)
        List<Instant> firstPolls = new ArrayList<>();
        for (String jobPath : jobPaths) {
            firstPolls.add(EMULATOR.requests().stream()
                    .filter(r -> r.method().equals("GET") && r.path().endsWith(jobPath))
                    .map(RecordedRequest::at).min(Comparator.naturalOrder()).orElseThrow());
        }
        Instant earliest = Collections.min(firstPolls);
        Instant latest = Collections.max(firstPolls);
        // all sent while the earliest one's answer (1.5 s) was still on its way
        assertThat(Duration.between(earliest, latest)).isLessThan(Duration.ofMillis(1400));
    }
}
