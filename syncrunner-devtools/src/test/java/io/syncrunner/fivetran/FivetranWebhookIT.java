package io.syncrunner.fivetran;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncWaiter;
import io.syncrunner.testsupport.FivetranTestSupport;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Webhook completion: registration, sync_end ends the wait at once, signatures, polling fallback. */
class FivetranWebhookIT extends FivetranTestSupport {
    private static final String WEBHOOK_SECRET = "test-webhook-secret-Vb61Ty";

    @Override
    protected Properties fivetranProperties() {
        Properties p = new Properties();
        p.put("fivetran.webhooks.enabled", "true");
        p.put("fivetran.webhooks.secret", secret(WEBHOOK_SECRET));
        p.put("fivetran.webhooks.fallback-poll-interval", "3s");
        p.put("fivetran.webhooks.register", "true");
        p.put("fivetran.webhooks.account", "test");
        p.put("fivetran.webhooks.public-url", webhookUrl());
        return p;
    }


    private String webhookUrl() {
        return "http://127.0.0.1:" + httpPort() + "/webhooks/fivetran";
    }

    @Test
    void shouldRegisterTheWebhookWithFivetranAtStart() {
        await().atMost(Duration.ofSeconds(10)).until(() -> FIVETRAN.webhooks().stream()
                .anyMatch(w -> webhookUrl().equals(w.get("url"))));
        assertThat(requestsOfThisClass("POST", "/webhooks/group/" + GROUP)).as("registrations by this runner")
                .hasSize(1);
        assertThat(FIVETRAN.webhooks()).filteredOn(w -> webhookUrl().equals(w.get("url"))).hasSize(1);
    }

    @Test
    void shouldCompleteTheSyncFromTheWebhookWithNoFurtherPolls() {
        awaitRegistration();
        String id = add(connector("syncing:400ms,succeeded"));

        JsonNode result = Json.parse(fivetranSync("account=test&connectorId=" + id + "&pollInterval=100ms"));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("completedBy").asText()).isEqualTo("webhook");
        assertThat(result.path("syncId").asText()).isEqualTo(FIVETRAN.runs(id).get(0).syncId());
        // no poll at the fallback interval (3 s): that would read the connection again. The one request after the
        // trigger is the sync-history read that names the webhook's sync, sent after the sync_end was delivered
        assertThat(FIVETRAN.count("GET", ".*/connections/" + id)).as("connection reads: only the baseline").isEqualTo(1);
        List<io.syncrunner.devtools.emulator.RecordedRequest> history = requestsOfThisClass("GET",
                "/connections/" + id + "/sync-history");
        Instant delivered = await().atMost(Duration.ofSeconds(10)).until(() -> FIVETRAN.webhookDeliveries().stream()
                .filter(d -> id.equals(d.connectorId())).map(d -> d.at()).findFirst(), java.util.Optional::isPresent)
                .orElseThrow(); // the emulator records a delivery once its POST is answered
        assertThat(history).as("sync-history reads").hasSize(1);
        assertThat(history.get(0).at()).as("the history is read because of the webhook").isAfter(delivered);
    }

    @Test
    void shouldNotEndTheWaitForASyncEndWebhookOfAnotherSyncId() throws Exception {
        awaitRegistration();
        String id = add(connector("syncing:1500ms,succeeded"));
        SyncWaiter waiter = context.getRegistry().lookupByNameAndType("syncWaiter", SyncWaiter.class);
        Future<String> running = template.asyncRequestBody("kamelet:fivetran-sync?account=test&connectorId=" + id
                + "&pollInterval=100ms", null, String.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> !FIVETRAN.runs(id).isEmpty());
        String other = "{\"event\":\"sync_end\",\"created\":\"" + Instant.now() + "\",\"connector_id\":\"" + id
                + "\",\"sync_id\":\"another-sync\",\"data\":{\"status\":\"FAILURE_WITH_TASK\"}}";

        assertThat(post(other, WebhookSignature.sign(other.getBytes(StandardCharsets.UTF_8), WEBHOOK_SECRET))
                .statusCode()).isEqualTo(200);

        JsonNode result = Json.parse(running.get(20, TimeUnit.SECONDS));
        assertThat(result.path("status").asText()).as("another sync's failure is not this one's").isEqualTo("succeeded");
        assertThat(result.path("syncId").asText()).isEqualTo(FIVETRAN.runs(id).get(0).syncId());
    }

    @Test
    void shouldReportAFailureFromTheWebhook() {
        awaitRegistration();
        String id = add(connector("syncing:300ms,failed"));

        Throwable e = fivetranFailure("account=test&connectorId=" + id + "&pollInterval=100ms");

        assertThat(e).hasMessageContaining(id).hasMessageContaining("failed");
        assertThat(FIVETRAN.count("GET", ".*/connections/" + id)).isEqualTo(1);
    }

    @Test
    void shouldRejectABadOrMissingSignatureWith401AndChangeNothing() throws Exception {
        awaitRegistration();
        String id = add(connector("syncing:1500ms,succeeded").suppressWebhooks(true));
        SyncWaiter waiter = context.getRegistry().lookupByNameAndType("syncWaiter", SyncWaiter.class);
        Future<String> running = template.asyncRequestBody("kamelet:fivetran-sync?account=test&connectorId=" + id
                + "&pollInterval=100ms", null, String.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> waiter.parkedCount() >= 1);
        String forged = "{\"event\":\"sync_end\",\"connector_id\":\"" + id
                + "\",\"sync_id\":\"forged\",\"data\":{\"status\":\"FAILURE_WITH_TASK\"}}";

        assertThat(post(forged, WebhookSignature.sign(forged.getBytes(StandardCharsets.UTF_8), "wrong-secret")).statusCode())
                .isEqualTo(401);
        assertThat(post(forged, null).statusCode()).isEqualTo(401);

        assertThat(running).isNotDone();
        assertThat(waiter.parkedCount()).isGreaterThanOrEqualTo(1);
        JsonNode result = Json.parse(running.get(20, TimeUnit.SECONDS));
        assertThat(result.path("status").asText()).as("the forged failure changed nothing").isEqualTo("succeeded");
        assertThat(result.path("completedBy").asText()).as("no webhook came: the fallback poll ended it")
                .isEqualTo("poll");
    }

    @Test
    void shouldAcceptAValidSignatureInUpperOrLowerCase() throws Exception {
        String body = "{\"event\":\"sync_end\",\"connector_id\":\"nobody_waits\",\"data\":{\"status\":\"SUCCESSFUL\"}}";
        String sig = WebhookSignature.sign(body.getBytes(StandardCharsets.UTF_8), WEBHOOK_SECRET);

        assertThat(post(body, sig.toUpperCase()).statusCode()).isEqualTo(200);
        assertThat(post(body, sig).statusCode()).isEqualTo(200);
    }

    private void awaitRegistration() {
        await().atMost(Duration.ofSeconds(10)).until(() -> FIVETRAN.webhooks().stream()
                .anyMatch(w -> webhookUrl().equals(w.get("url"))));
    }

    private HttpResponse<String> post(String body, String signature) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(webhookUrl())).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) {
            b.header(WebhookSignature.HEADER, signature);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
