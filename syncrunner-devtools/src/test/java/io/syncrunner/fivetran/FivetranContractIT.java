package io.syncrunner.fivetran;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
import io.syncrunner.testsupport.PrismProxy;
import io.syncrunner.testsupport.Specs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Fivetran flows through Prism's validating proxy with the official Fivetran spec: every request the
 * runner sends and every answer the emulator gives must conform.
 */
class FivetranContractIT extends FivetranTestSupport {
    private static PrismProxy prism;
    private static final String WEBHOOK_URL = "http://127.0.0.1:9/webhooks/fivetran";

    @Override
    protected Properties fivetranProperties() {
        if (prism == null) {
            prism = PrismProxy.start(Specs.fivetranForPrism(), FIVETRAN.baseUrl());
        }
        // the live API sends "succeeded_at": null for a connector that never synced, but the spec declares
        // the timestamps non-nullable: within this test the emulator leaves them out instead
        FIVETRAN.setNullTimestamps(false);
        Properties p = new Properties();
        p.put("syncrunner.inventory.enabled", "true"); // (off by default in the tests)
        p.put("fivetran.prism.base-url", prism.url());
        p.put("fivetran.prism.api-key", FIVETRAN_KEY);
        p.put("fivetran.prism.api-secret", FIVETRAN_SECRET);
        p.put("fivetran.prism.group-id", GROUP);
        // the registration route is started by the test that checks it (webhooks stay off for the syncs)
        p.put("fivetran.webhooks.account", "prism");
        p.put("fivetran.webhooks.public-url", WEBHOOK_URL);
        p.put("fivetran.webhooks.secret", secret("contract-webhook-secret-Pq83Ld"));
        // the connection inventory lists again every few seconds: its calls go through Prism too; a second account
        // without group-id lists the groups first
        p.put("syncrunner.inventory.refresh-interval", "3s");
        p.put("fivetran.prismgroups.base-url", prism.url());
        p.put("fivetran.prismgroups.api-key", FIVETRAN_KEY);
        p.put("fivetran.prismgroups.api-secret", FIVETRAN_SECRET);
        // an account of its own for the test whose peer answers 404 to the sync history: the runner remembers such an
        // answer per account for a while, and the other tests' syncs on "prism" must read the history
        p.put("fivetran.prismnohistory.base-url", prism.url());
        p.put("fivetran.prismnohistory.api-key", FIVETRAN_KEY);
        p.put("fivetran.prismnohistory.api-secret", FIVETRAN_SECRET);
        p.put("fivetran.prismnohistory.group-id", GROUP);
        return p;
    }

    @AfterAll
    static void stopPrism() {
        if (prism != null) {
            prism.close();
        }
        FIVETRAN.setNullTimestamps(true);
    }

    @BeforeEach
    void freshLog() {
        prism.clearOutput();
    }

    @Test
    void shouldSendAndReceiveOnlySpecConformantMessagesForASync() {
        String id = add(connector("syncing:400ms,succeeded"));

        JsonNode result = Json.parse(fivetranSync("account=prism&connectorId=" + id + "&pollInterval=100ms"));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(prism.output()).anyMatch(l -> l.contains("/sync"));
        prism.assertNoViolations();
    }

    @Test
    void shouldStayWithinTheSpecForResyncUnpauseAndManualSchedule() {
        String id = add(connector("syncing:300ms,succeeded").paused(true).scheduleType("auto"));

        Json.parse(fivetranSync("account=prism&connectorId=" + id
                + "&pollInterval=100ms&paused=unpause&setManualSchedule=true"));
        String resynced = add(connector("syncing:300ms,succeeded"));
        Json.parse(template.requestBody("kamelet:fivetran-resync?account=prism&connectorId=" + resynced
                + "&tables=public.orders&pollInterval=100ms", null, String.class));

        assertThat(prism.output()).anyMatch(l -> l.toLowerCase().contains("patch"));
        assertThat(prism.output()).anyMatch(l -> l.contains("/resync"));
        prism.assertNoViolations();
    }

    @Test
    void shouldStayWithinTheSpecForAFailedAndARescheduledSync() {
        String failing = add(connector("syncing:300ms,failed"));
        assertThat(failureOf("kamelet:fivetran-sync?account=prism&connectorId=" + failing + "&pollInterval=100ms"))
                .hasMessageContaining("failed");
        String rescheduled = add(connector("syncing:200ms,rescheduled:500ms,syncing:200ms,succeeded"));
        Json.parse(fivetranSync("account=prism&connectorId=" + rescheduled + "&pollInterval=100ms"));

        prism.assertNoViolations();
    }

    @Test
    void shouldStayWithinTheSpecWhenTheConnectorIsUnknown() {
        assertThat(failureOf("kamelet:fivetran-sync?account=prism&connectorId=c_nobody_knows&pollInterval=100ms"))
                .hasMessageContaining("c_nobody_knows");

        assertThat(prism.output()).anyMatch(l -> l.contains("has returned 404"));
        prism.assertNoViolations(); // 404 is documented for GET /v1/connections/{id}
    }

    @Test
    void shouldStayWithinTheSpecWhenRegisteringTheWebhookAndListingConnectionsAndWebhooksInPages() throws Exception {
        add(connector("syncing:1s,succeeded"));
        add(connector("syncing:1s,succeeded"));

        context.getRouteController().startRoute("fivetran-webhook-registration");
        await().atMost(Duration.ofSeconds(10)).until(() -> FIVETRAN.webhooks().stream()
                .anyMatch(w -> WEBHOOK_URL.equals(w.get("url"))));
        JsonNode connections = Json.parse(viaPrism("/v1/connections?group_id=" + GROUP + "&limit=1"));
        JsonNode nextPage = Json.parse(viaPrism("/v1/connections?group_id=" + GROUP + "&limit=1&cursor="
                + connections.path("data").path("next_cursor").asText()));
        JsonNode inGroup = Json.parse(viaPrism("/v1/groups/" + GROUP + "/connections?limit=1"));
        JsonNode webhooks = Json.parse(viaPrism("/v1/webhooks?limit=1"));

        assertThat(prism.output()).anyMatch(l -> l.contains("post /v1/webhooks/group/" + GROUP));
        assertThat(connections.path("data").path("items")).hasSize(1);
        assertThat(connections.path("data").path("next_cursor").asText()).isNotEmpty();
        assertThat(nextPage.path("data").path("items")).hasSize(1);
        assertThat(inGroup.path("data").path("items")).hasSize(1);
        assertThat(webhooks.path("data").path("items")).hasSize(1);
        prism.assertNoViolations();
    }

    @Test
    void shouldMakePrismReportAConnectorAnswerThatBreaksTheSpec() throws Exception {
        String id = add(connector("syncing:1s,succeeded"));
        FIVETRAN.faults().add(FaultRule.on("GET", "/connections/" + id).times(1).respond(200)
                .body("{\"code\":\"Success\",\"data\":{\"id\":\"" + id + "\",\"paused\":\"no\"}}"));

        HttpResponse<String> checked = send("/v1/connections/" + id);

        assertThat(checked.statusCode()).isEqualTo(500);
        assertThat(checked.body()).contains("#VIOLATIONS").contains("paused");
        assertThat(prism.violations()).anyMatch(v -> v.contains("#VIOLATIONS"));
        assertThatThrownBy(prism::assertNoViolations).isInstanceOf(AssertionError.class);
    }

    private String viaPrism(String pathAndQuery) throws Exception {
        HttpResponse<String> r = send(pathAndQuery);
        assertThat(r.statusCode()).as(pathAndQuery + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    private HttpResponse<String> send(String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(prism.url() + pathAndQuery))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (FIVETRAN_KEY + ":" + FIVETRAN_SECRET).getBytes(StandardCharsets.UTF_8)))
                .header("Accept", "application/json;version=2").GET().build(), HttpResponse.BodyHandlers.ofString());
    }
    @Test
    void shouldListGroupsAndConnectionsForTheInventoryWithinTheSpec() {
        add(connector("syncing:200ms,succeeded"));

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).untilAsserted(() -> {
            List<String> out = prism.output();
            assertThat(out).anyMatch(l -> l.contains("] get /v1/groups "));
            assertThat(out).anyMatch(l -> l.contains("] get /v1/connections "));
        });
        prism.assertNoViolations();
    }

    @Test
    void shouldReadTheSyncHistoryWithinTheDocumentedContract() throws Exception {
        String id = add(connector("syncing:400ms,succeeded"));

        JsonNode first = Json.parse(fivetranSync("account=prism&connectorId=" + id + "&pollInterval=100ms"));
        JsonNode second = Json.parse(fivetranSync("account=prism&connectorId=" + id + "&pollInterval=100ms"));
        JsonNode newest = Json.parse(viaPrism("/v1/connections/" + id + "/sync-history?limit=1"));
        JsonNode older = Json.parse(viaPrism("/v1/connections/" + id + "/sync-history?limit=1&cursor="
                + newest.path("data").path("next_cursor").asText()));

        assertThat(prism.output()).as("the runner's own sync-history reads passed Prism")
                .anyMatch(l -> l.contains("Forwarding \"get\" request to ")
                        && l.contains("/v1/connections/" + id + "/sync-history?start_time="))
                .anyMatch(l -> l.contains("upstream call to /v1/connections/" + id + "/sync-history has returned 200"));
        assertThat(first.path("syncId").asText()).isEqualTo(FIVETRAN.runs(id).get(0).syncId());
        assertThat(second.path("syncId").asText()).isEqualTo(FIVETRAN.runs(id).get(1).syncId());
        assertThat(newest.path("data").path("items").get(0).path("sync_id").asText()).isEqualTo(
                second.path("syncId").asText());
        assertThat(older.path("data").path("items").get(0).path("sync_id").asText()).isEqualTo(
                first.path("syncId").asText());
        prism.assertNoViolations(); // requests and answers, against the overlay's parameters and record schema
    }

    @Test
    void shouldMakePrismReportASyncHistoryRequestOrAnswerThatBreaksTheOverlay() throws Exception {
        String id = add(connector("syncing:1s,succeeded"));
        FIVETRAN.faults().add(FaultRule.on("GET", "/connections/" + id + "/sync-history").times(1).respond(200)
                .body("{\"code\":\"Success\",\"data\":{\"items\":[{\"sync_id\":\"s1\",\"start_time\":12}]}}"));

        HttpResponse<String> badAnswer = send("/v1/connections/" + id + "/sync-history");
        HttpResponse<String> badRequest = send("/v1/connections/" + id + "/sync-history?limit=5000");

        assertThat(badAnswer.statusCode()).as(badAnswer.body()).isEqualTo(500);
        assertThat(badAnswer.body()).contains("#VIOLATIONS").contains("start_time");
        assertThat(badRequest.statusCode()).as(badRequest.body()).isBetween(400, 499);
        assertThat(badRequest.body()).contains("limit");
        assertThat(prism.violations()).isNotEmpty();
        assertThatThrownBy(prism::assertNoViolations).isInstanceOf(AssertionError.class);
    }

    @Test
    void shouldFallBackToTheTimestampsWhenThePeerAnswers404ToTheSyncHistory() {
        String id = add(connector("syncing:600ms,succeeded"));
        FIVETRAN.setSyncHistoryRefusal(404);
        JsonNode result;
        try {
            result = Json.parse(fivetranSync("account=prismnohistory&connectorId=" + id + "&pollInterval=100ms"));
        } finally {
            FIVETRAN.setSyncHistoryRefusal(0);
        }

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("completedBy").asText()).isEqualTo("poll");
        assertThat(java.time.Instant.parse(result.path("succeededAt").asText())).as("this sync's end, not an earlier one")
                .isAfterOrEqualTo(FIVETRAN.runs(id).get(0).startedAt().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        assertThat(result.path("syncId").isNull()).as("no history, no webhook: the sync id is unknown").isTrue();
        assertThat(prism.output()).anyMatch(l -> l.contains("/v1/connections/" + id + "/sync-history")
                && l.contains("has returned 404"));
        prism.assertNoViolations(); // 404 is a documented answer of the sync history
    }
}
