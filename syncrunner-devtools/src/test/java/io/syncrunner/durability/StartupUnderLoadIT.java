package io.syncrunner.durability;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.CpuLoad;
import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A runner started with unfinished runs in its journal while every core of the machine is busy twice over: each run
 * it carries on at start must reach its sync's real outcome. Under contention the first reads of the carried-on runs
 * once went out on an asynchronous HTTP client that had not been set up yet, and those runs failed by timing alone.
 */
class StartupUnderLoadIT {

    @Test
    void shouldCarryOnEveryUnfinishedRunToSuccessWhenStartedWithTheCpuSaturated() throws Exception {
        // every sync succeeds at the providers, so any failed run is the runner's own doing
        SyncFleet fleet = new SyncFleet().add(24, 12, Duration.ofSeconds(8), 0);
        try {
            // many starter threads: the carried-on runs make their first API reads at the same moment
            RunnerProcess.Builder builder = fleet.configure(RunnerProcess.builder("startup-under-load"))
                    .property("syncrunner.trigger.threads", "16")
                    .startupTimeout(Duration.ofSeconds(120));
            try (RunnerProcess first = builder.start()) {
                fleet.submitAll(first);
                await().atMost(Duration.ofSeconds(60)).until(() -> fleet.triggersSeen() == fleet.runs.size());
                first.killHard();
            }

            int cores = Runtime.getRuntime().availableProcessors();
            int busy = cores * 2;
            try (CpuLoad load = CpuLoad.start(0, busy); RunnerProcess second = builder.start()) {
                int carriedOn = second.logLines("Carrying on run").size();
                await().atMost(Duration.ofSeconds(180)).until(() -> fleet.finished(second) == fleet.runs.size());
                SyncFleet.Verdict v = fleet.verdict(second);
                JsonNode ready = readiness(second);
                System.out.printf("STARTUP UNDER LOAD: busy=%d (cores %d) syncs=%d carriedOn=%d restart=%d ms"
                                + " duplicates=%d lost=%d wrongState=%d%n", busy, cores, v.syncs(),
                        carriedOn, second.startupTime().toMillis(), v.duplicates(), v.lost(), v.wrongState());

                assertThat(load.allRunning()).as("the load ran throughout").isTrue();
                assertThat(carriedOn).as("runs were unfinished in the journal at the start").isPositive();
                assertThat(v.problems()).isEmpty();
                for (String runId : fleet.runs.keySet()) {
                    assertThat(SyncFleet.run(second, runId).path("state").asText()).as(runId).isEqualTo("succeeded");
                }
                List<String> unconfigured = second.logLines("Failed to resolve endpoint");
                assertThat(unconfigured).as("no call went to a client that was not set up").isEmpty();
                assertThat(second.logLines("ended with an error")).isEmpty();
                assertThat(check(ready, "runner-started").path("status").asText()).isEqualTo("UP");
            }
        } finally {
            fleet.close();
        }
    }

    private static JsonNode readiness(RunnerProcess runner) throws Exception {
        HttpResponse<String> r = SyncFleet.HTTP.send(HttpRequest.newBuilder(URI.create(runner.baseUrl()
                + "/observe/health/ready")).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.parse(r.body());
    }

    private static JsonNode check(JsonNode health, String id) {
        for (JsonNode c : health.path("checks")) {
            if (id.equals(c.path("name").asText())) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
