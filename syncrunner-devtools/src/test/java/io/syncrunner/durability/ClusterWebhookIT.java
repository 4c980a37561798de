package io.syncrunner.durability;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.EmulatedConnector;
import io.syncrunner.fivetran.WebhookSignature;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.EmbeddedPostgresSupport;
import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fivetran webhooks in a cluster: two runners share one PostgreSQL journal; Fivetran's webhook is registered with
 * runner B only, and the sync is run by runner A. The sync_end reaches B, which records it in the journal; A reads
 * it there and its sync ends by the webhook, long before its fallback poll (60 s). A repeated delivery (to either
 * runner) and an earlier sync's late sync_end end nothing; an event for a connector no run waits on is answered
 * 200 and changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterWebhookIT {
    private static final String WEBHOOK_SECRET = "cluster-webhook-secret-Qw82Mz";
    private final SyncFleet fleet = new SyncFleet();
    private final EmbeddedPostgresSupport postgres = new EmbeddedPostgresSupport().start();

    @AfterAll
    void close() {
        fleet.close();
        postgres.close();
    }

    @Test
    void shouldEndTheWaitOfARunOnOneRunnerWithTheSyncEndDeliveredToAnother() throws Exception {
        String connector = "c_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Instant previous = Instant.now().minusSeconds(3600);
        fleet.fivetran.addConnector(EmulatedConnector.of(connector, SyncFleet.GROUP).script("syncing:5s,succeeded")
                .scheduleType("manual").succeededAt(previous));
        int portB = RunnerProcess.freePort();
        String hookB = "http://127.0.0.1:" + portB + "/webhooks/fivetran";
        try (RunnerProcess a = node("hook-a").start();
             RunnerProcess b = node("hook-b").port(portB).property("fivetran.webhooks.register", "true")
                     .property("fivetran.webhooks.public-url", hookB).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> fleet.fivetran.webhooks().stream()
                    .anyMatch(w -> hookB.equals(w.get("url"))));
            String runId = submit(a, "{\"provider\":\"fivetran\",\"account\":\"default\",\"connectorId\":\""
                    + connector + "\",\"pollInterval\":\"60s\",\"waitTimeout\":\"5m\"}");
            long submitted = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).until(() -> fleet.fivetran.triggerCount(connector) == 1);

            // the sync_end of a sync before the last completion, delivered late to B: recorded, relayed, but it does not end A's wait
            String stale = event(connector, "old-sync-1", previous.minusSeconds(60).toString(), "SUCCESSFUL");
            assertThat(post(b.baseUrl(), stale).statusCode()).isEqualTo(200);
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> a.logContains("ignored a sync_end webhook"));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("runner A did not ignore the late sync_end; the connector's requests: "
                        + fleet.fivetran.requests().stream().filter(r -> r.path().contains(connector)).toList(), e);
            }
            assertThat(SyncFleet.run(a, runId).path("state").asText()).isEqualTo("running");

            // an event of a connector nobody waits for: 200, nothing changes
            HttpResponse<String> unknown = post(b.baseUrl(), event("c_nobody_waits", "s-x", Instant.now().toString(),
                    "SUCCESSFUL"));
            assertThat(unknown.statusCode()).isEqualTo(200);
            assertThat(Json.parse(unknown.body()).path("woke").asInt()).isZero();

            // the emulator's own sync_end goes to B; A's run ends by it
            await().atMost(Duration.ofSeconds(30)).until(() -> finished(a, runId));
            Duration took = Duration.ofNanos(System.nanoTime() - submitted);
            JsonNode run = SyncFleet.run(a, runId);
            assertThat(run.path("state").asText()).isEqualTo("succeeded");
            assertThat(run.path("result").path("completedBy").asText()).isEqualTo("webhook");
            assertThat(took).as("well before the 60 s fallback poll").isLessThan(Duration.ofSeconds(25));
            assertThat(fleet.fivetran.webhookDeliveries()).anyMatch(d -> d.connectorId().equals(connector)
                    && d.url().equals(hookB) && d.successful());
            assertThat(a.logContains("received by runner hook-b: woke 1 waiting sync(s) here")).isTrue();
            assertThat(fleet.fivetran.count("GET", ".*/connections/" + connector))
                    .as("A read the connector only for its baseline: no poll ended the sync").isEqualTo(1);

            // the same sync_end delivered again, to B and to A: answered 200, recorded once, nothing woken
            String syncId = run.path("result").path("syncId").asText();
            assertThat(syncId).isNotEmpty();
            String again = event(connector, syncId, Instant.now().toString(), "SUCCESSFUL");
            for (String runner : new String[] {b.baseUrl(), a.baseUrl()}) {
                HttpResponse<String> r = post(runner, again);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("repeated delivery");
            }
            assertThat(SyncFleet.run(a, runId).path("finishedAt").asText()).isEqualTo(run.path("finishedAt").asText());
            assertThat(fleet.fivetran.runs(connector)).hasSize(1);
            System.out.printf("CLUSTER WEBHOOK TEST: runners=2 journal=PostgreSQL endedBy=%s after=%d ms"
                            + " (fallback poll 60 s) staleIgnored=true duplicatesWoke=0%n",
                    run.path("result").path("completedBy").asText(), took.toMillis());
        }
    }

    private static String event(String connector, String syncId, String created, String status) {
        return "{\"event\":\"sync_end\",\"created\":\"" + created + "\",\"connector_type\":\"postgres\","
                + "\"connector_id\":\"" + connector + "\",\"sync_id\":\"" + syncId + "\",\"destination_group_id\":\""
                + SyncFleet.GROUP + "\",\"data\":{\"status\":\"" + status + "\"}}";
    }

    private static HttpResponse<String> post(String runner, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return SyncFleet.HTTP.send(HttpRequest.newBuilder(URI.create(runner + "/webhooks/fivetran"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .header(WebhookSignature.HEADER, WebhookSignature.sign(bytes, WEBHOOK_SECRET))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static boolean finished(RunnerProcess runner, String runId) throws Exception {
        String state = SyncFleet.run(runner, runId).path("state").asText();
        return state.equals("succeeded") || state.equals("failed");
    }

    private static String submit(RunnerProcess runner, String body) throws Exception {
        HttpResponse<String> r = SyncFleet.HTTP.send(HttpRequest.newBuilder(URI.create(runner.baseUrl() + "/api/syncs"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + SyncFleet.TOKEN).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return Json.parse(r.body()).path("runId").asText();
    }

    private RunnerProcess.Builder node(String nodeId) {
        return fleet.clusterNode(postgres, nodeId)
                .env("FIVETRAN_WEBHOOK_SECRET", WEBHOOK_SECRET)
                .property("fivetran.webhooks.enabled", "true")
                .property("fivetran.webhooks.fallback-poll-interval", "60s")
                .property("fivetran.default.group-id", SyncFleet.GROUP)
                .property("syncrunner.signals.poll-interval", "500ms")
                .property("syncrunner.schedules.clustered", "false");
    }
}
