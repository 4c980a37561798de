package io.syncrunner.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.EmulatedConnector;
import io.syncrunner.devtools.emulator.FivetranEmulator;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The connection inventory of a runner against emulators of its own (so every connection listed is this class's):
 * Airbyte with three connections and Fivetran with three in the account's group (page size 2: two pages on each),
 * plus a second Fivetran account with its own group.
 */
class ConnectionInventoryIT extends FivetranTestSupport {
    private static final String TOKEN = "inventory-api-token-Xq71";
    private static final String A1 = "00000000-0000-0000-0000-0000000000a1";
    private static final String A2 = "00000000-0000-0000-0000-0000000000a2";
    private static final String A3 = "00000000-0000-0000-0000-0000000000a3";
    private static final Instant NOW = Instant.now();

    private static final AirbyteEmulator AB = AirbyteEmulator.builder().port(0)
            .clientCredentials(CLIENT_ID, CLIENT_SECRET).build().start()
            .addConnection(A1, "running:200ms,succeeded")
            .addConnection(A2, "running:200ms,succeeded", false)
            .addConnection(A3, "running:200ms,failed");
    private static final FivetranEmulator FT = FivetranEmulator.builder().port(0)
            .apiKey(FIVETRAN_KEY, FIVETRAN_SECRET).build().start()
            .addConnector(EmulatedConnector.of("fresh_orders", "g1").succeededAt(NOW.minus(Duration.ofHours(1))))
            .addConnector(EmulatedConnector.of("old_invoices", "g1").succeededAt(NOW.minus(Duration.ofDays(3)))
                    .failedAt(NOW.minus(Duration.ofHours(2))))
            .addConnector(EmulatedConnector.of("manual_crm", "g1").scheduleType("manual").script("syncing:300ms,succeeded")
                    .succeededAt(NOW.minus(Duration.ofHours(2))));
    /** The second account's: it has no group-id, so its groups are listed. */
    private static final FivetranEmulator FT2 = FivetranEmulator.builder().port(0)
            .apiKey(FIVETRAN_KEY, FIVETRAN_SECRET).build().start()
            .addConnector(EmulatedConnector.of("other_events", "g2").succeededAt(NOW.minus(Duration.ofMinutes(5))))
            .addConnector(EmulatedConnector.of("late_billing", "g2").succeededAt(NOW.minus(Duration.ofDays(2))));
    private static final String WEBHOOK_SECRET = "inventory-webhook-secret-Lm30";

    @AfterAll
    static void stopEmulators() {
        AB.close();
        FT.close();
        FT2.close();
    }

    @Override
    protected String apiToken() {
        return TOKEN;
    }

    @Override
    protected Properties moreProperties() {
        Properties p = super.moreProperties();
        p.put("syncrunner.inventory.enabled", "true"); // (off by default in the tests)
        p.put("airbyte.test.base-url", AB.selfManagedApiUrl());
        p.put("fivetran.test.base-url", FT.baseUrl());
        p.put("fivetran.test.group-id", "g1");
        // one request a second: the inventory's requests of the account are paced by it
        p.put("fivetran.test.requests-per-hour", "3600");
        p.put("fivetran.other.base-url", FT2.baseUrl());
        p.put("fivetran.other.api-key", FIVETRAN_KEY);
        p.put("fivetran.other.api-secret", FIVETRAN_SECRET);
        p.put("syncrunner.inventory.page-size", "2");
        p.put("syncrunner.inventory.refresh-interval", "1h");
        p.put("syncrunner.health.freshness", "true");
        p.put("fivetran.webhooks.enabled", "true");
        p.put("fivetran.webhooks.secret", secret(WEBHOOK_SECRET));
        // no webhook comes for the runner's own syncs here (none is registered): their waits poll
        p.put("fivetran.webhooks.fallback-poll-interval", "200ms");
        // the Airbyte account is judged by 12 hours, one Fivetran connection by 1 minute
        p.put("airbyte.test.freshness", "12h");
        p.put("syncrunner.freshness.fivetran.other.other_events", "PT1M");
        return p;
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode connections(String query) throws Exception {
        HttpResponse<String> r = get("/api/connections" + query, TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parse(r.body());
    }

    private static JsonNode find(JsonNode answer, String id) {
        return StreamSupport.stream(answer.get("connections").spliterator(), false)
                .filter(c -> id.equals(c.get("connectionId").asText())).findFirst().orElse(null);
    }

    private static List<String> ids(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        answer.get("connections").forEach(c -> ids.add(c.get("connectionId").asText()));
        return ids;
    }

    private JsonNode listed() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> ids(connections("")).size() == 8);
        return connections("");
    }

    @Test
    void shouldListEveryConnectionOfEveryAccountOverSeveralPagesWithScheduleAndFreshness() throws Exception {
        JsonNode all = listed();

        assertThat(ids(all)).containsExactlyInAnyOrder(A1, A2, A3, "fresh_orders", "old_invoices", "manual_crm",
                "other_events", "late_billing");
        assertThat(all.get("refreshedAt").isTextual()).isTrue();
        JsonNode fresh = find(all, "fresh_orders");
        assertThat(fresh.get("provider").asText()).isEqualTo("fivetran");
        assertThat(fresh.get("account").asText()).isEqualTo("test");
        assertThat(fresh.get("schedule").asText()).isEqualTo("every 360 min");
        assertThat(fresh.get("paused").asBoolean()).isFalse();
        assertThat(fresh.get("stale").asBoolean()).isFalse();
        assertThat(fresh.get("freshnessThreshold").asText()).isEqualTo("PT24H");
        assertThat(fresh.get("secondsSinceSuccess").asLong()).isBetween(3590L, 4200L);
        assertThat(fresh.get("lastSync").get("status").asText()).isEqualTo("succeeded");
        assertThat(fresh.get("lastSync").get("startedBy").asText()).isEqualTo("provider");
        assertThat(fresh.get("uiUrl").asText()).contains("fresh_orders");
        JsonNode old = find(all, "old_invoices");
        assertThat(old.get("stale").asBoolean()).isTrue();
        assertThat(old.get("lastSync").get("status").asText()).isEqualTo("failed");
        assertThat(Instant.parse(old.get("lastSuccessAt").asText())).isBefore(NOW.minus(Duration.ofDays(2)));
        // a connection's own threshold
        assertThat(find(all, "other_events").get("freshnessThreshold").asText()).isEqualTo("PT1M");
        assertThat(find(all, "other_events").get("stale").asBoolean()).isTrue();
        // Airbyte: never synced, so stale unless inactive (paused)
        JsonNode a2 = find(all, A2);
        assertThat(a2.get("paused").asBoolean()).isTrue();
        assertThat(a2.get("stale").asBoolean()).isFalse();
        assertThat(a2.get("lastSync").isNull()).isTrue();
        assertThat(find(all, A1).get("freshnessThreshold").asText()).isEqualTo("PT12H");
        assertThat(find(all, A1).get("schedule").asText()).isEqualTo("manual");
        assertThat(find(all, A1).get("uiUrl").asText()).endsWith("/connections/" + A1 + "/status");

        // both providers were read page after page
        assertThat(AB.requests().stream().filter(r -> "/connections".equals(r.apiPath())).count()).isEqualTo(2);
        assertThat(FT.requests().stream().filter(r -> "/connections".equals(r.apiPath())
                && r.query().contains("group_id=g1")).count()).isGreaterThanOrEqualTo(2);
        assertThat(FT2.requests().stream().filter(r -> "/groups".equals(r.apiPath())).count())
                .as("account 'other' has no group-id: its groups are listed").isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldFilterByAccountProviderAndStaleness() throws Exception {
        listed();

        assertThat(ids(connections("?provider=airbyte"))).containsExactlyInAnyOrder(A1, A2, A3);
        assertThat(ids(connections("?provider=fivetran&account=other")))
                .containsExactlyInAnyOrder("other_events", "late_billing");
        assertThat(ids(connections("?stale=true&account=test&provider=fivetran"))).containsExactly("old_invoices");
        assertThat(ids(connections("?stale=false&account=test&provider=fivetran")))
                .containsExactlyInAnyOrder("fresh_orders", "manual_crm");
    }

    @Test
    void shouldRefuseUnknownFiltersAndValuesWithTheReasonAndAnUnauthorizedCaller() throws Exception {
        HttpResponse<String> provider = get("/api/connections?provider=stitch", TOKEN);
        HttpResponse<String> stale = get("/api/connections?stale=maybe", TOKEN);
        HttpResponse<String> account = get("/api/connections?account=nobody", TOKEN);
        HttpResponse<String> filter = get("/api/connections?owner=me", TOKEN);

        assertThat(provider.statusCode()).isEqualTo(400);
        assertThat(Json.parse(provider.body()).get("error").asText()).contains("provider 'stitch'", "airbyte");
        assertThat(stale.statusCode()).isEqualTo(400);
        assertThat(Json.parse(stale.body()).get("error").asText()).contains("stale must be true or false");
        assertThat(account.statusCode()).isEqualTo(400);
        assertThat(Json.parse(account.body()).get("error").asText()).contains("account 'nobody'");
        assertThat(filter.statusCode()).isEqualTo(400);
        assertThat(Json.parse(filter.body()).get("error").asText()).contains("unknown filter 'owner'");
        assertThat(get("/api/connections", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/connections", "wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void shouldServeGaugesPerConnectionAndBeNotReadyNamingTheStaleConnections() throws Exception {
        listed();

        String metrics = get("/observe/metrics", null).body();
        assertThat(metrics).containsPattern("syncrunner_connection_seconds_since_success\\{account=\"test\","
                + "connection=\"old_invoices\",provider=\"fivetran\"} 2[0-9]{5}");
        assertThat(metrics).contains("syncrunner_connection_stale{account=\"test\",connection=\"old_invoices\","
                + "provider=\"fivetran\"} 1.0");
        assertThat(metrics).contains("syncrunner_connection_stale{account=\"test\",connection=\"fresh_orders\","
                + "provider=\"fivetran\"} 0.0");
        assertThat(metrics).contains("syncrunner_connection_last_outcome{account=\"test\",connection=\"old_invoices\","
                + "outcome=\"failed\",provider=\"fivetran\"} 1.0");
        HttpResponse<String> ready = get("/observe/health/ready", null);
        assertThat(ready.statusCode()).isEqualTo(503);
        JsonNode check = StreamSupport.stream(Json.parse(ready.body()).get("checks").spliterator(), false)
                .filter(c -> "connections-freshness".equals(c.get("name").asText())).findFirst().orElseThrow();
        assertThat(check.get("status").asText()).isEqualTo("DOWN");
        assertThat(check.get("message").asText()).contains("fivetran:test:old_invoices", "fivetran:other:other_events")
                .doesNotContain("fivetran:test:fresh_orders");
    }

    @Test
    void shouldShowASyncOfThisRunnerAsStartedByTheRunnerOnceItEnds() throws Exception {
        listed();

        fivetranSync("account=test&connectorId=manual_crm&pollInterval=100ms");
        sync("account=test&connectionId=" + A1 + "&pollInterval=50ms");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode all = connections("");
            JsonNode crm = find(all, "manual_crm");
            assertThat(crm.get("lastSync").get("startedBy").asText()).isEqualTo("runner");
            assertThat(Instant.parse(crm.get("lastSuccessAt").asText())).isAfter(NOW);
            JsonNode a1 = find(all, A1);
            assertThat(a1.get("lastSync").get("status").asText()).isEqualTo("succeeded");
            assertThat(a1.get("lastSync").get("startedBy").asText()).isEqualTo("runner");
            assertThat(a1.get("lastSync").get("jobId").isNumber()).isTrue();
            assertThat(a1.get("stale").asBoolean()).isFalse();
        });
    }

    @Test
    void shouldKeepTheInventoryRequestsOfAFivetranAccountWithinItsBudget() throws Exception {
        listed();

        // requests-per-hour=3600: the listing's requests of account 'test' go out at least a second apart
        List<Instant> times = FT.requests().stream()
                .filter(r -> "/connections".equals(r.apiPath()) && r.query() != null && r.query().contains("group_id=g1"))
                .map(RecordedRequest::at).sorted().toList();
        assertThat(times).hasSizeGreaterThanOrEqualTo(2);
        for (int i = 1; i < times.size(); i++) {
            assertThat(Duration.between(times.get(i - 1), times.get(i))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        }
    }

    @Test
    void shouldRefreshAConnectionAtOnceWhenAFivetranWebhookSaysItsSyncEnded() throws Exception {
        assertThat(find(listed(), "late_billing").get("stale").asBoolean()).isTrue();
        FT2.addConnector(EmulatedConnector.of("late_billing", "g2").succeededAt(Instant.now()));
        String body = "{\"event\":\"sync_end\",\"connector_id\":\"late_billing\",\"data\":{\"status\":\"SUCCESSFUL\"}}";

        HttpResponse<String> delivered = HTTP.send(HttpRequest.newBuilder(URI.create(url("/webhooks/fivetran")))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .header(io.syncrunner.fivetran.WebhookSignature.HEADER, io.syncrunner.fivetran.WebhookSignature.sign(
                        body.getBytes(java.nio.charset.StandardCharsets.UTF_8), WEBHOOK_SECRET))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(delivered.statusCode()).isEqualTo(200);
        // the full refresh is an hour away: only the webhook can have refreshed it
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(find(connections(""), "late_billing").get("stale").asBoolean()).isFalse());
    }
}
