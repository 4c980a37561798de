package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncWaiter;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Airbyte's sync notifications end waits: the runner against the Airbyte emulator posting its notifications to
 * {@code /webhooks/airbyte/{secret}}. Polling falls back to 10 s here, so an end seen sooner came by webhook.
 */
class AirbyteWebhookIT extends RunnerTestSupport {
    private static final String WEBHOOK_SECRET = "airbyte-webhook-secret-Qp73Zn";
    private static final Duration FALLBACK = Duration.ofSeconds(10);

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("syncrunner.inventory.enabled", "true"); // (off by default in the tests)
        p.put("airbyte.webhooks.secret", secret(WEBHOOK_SECRET));
        p.put("airbyte.webhooks.fallback-poll-interval", FALLBACK.toSeconds() + "s");
        p.put("syncrunner.inventory.refresh-interval", "1h");
        return p;
    }

    @AfterEach
    void stopNotifications() {
        EMULATOR.setNotificationWebhookUrl(null); // the emulator is shared with other test classes
    }

    private String webhookUrl(String secret) {
        return url("/webhooks/airbyte/" + secret);
    }

    @Test
    void shouldEndTheWaitWithinASecondOfTheNotificationAfterOneConfirmingStatusRead() {
        EMULATOR.setNotificationWebhookUrl(webhookUrl(WEBHOOK_SECRET));
        // a first sync, so that the status reads' HTTP client of this runner is warm (its first request opens it)
        assertThat(Json.parse(sync("account=test&connectionId=" + connection("running:200ms,succeeded")
                + "&pollInterval=100ms")).path("status").asText()).isEqualTo("succeeded");
        String id = connection("running:1500ms,succeeded", 7, 700);
        int logFrom = LogCapture.size();

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + "&pollInterval=100ms"));
        Instant ended = Instant.now();

        long jobId = result.path("jobId").asLong();
        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("rowsSynced").asLong()).isEqualTo(7);
        AirbyteEmulator.Notification sent = EMULATOR.notifications().stream().filter(n -> n.jobId() == jobId)
                .findFirst().orElseThrow();
        assertThat(sent.status()).isEqualTo(200);
        assertThat(Duration.between(sent.at(), ended)).as("from the notification to the end of the wait")
                .isLessThan(Duration.ofSeconds(1));
        assertThat(EMULATOR.count("GET", ".*/jobs/" + jobId)).as("status reads: only the confirming one")
                .isEqualTo(1);
        assertThat(LogCapture.linesSince(logFrom)).anyMatch(l -> l.contains("Airbyte job " + jobId)
                && l.contains("ended by webhook"));
    }

    @Test
    void shouldPollAtTheFallbackIntervalWhileWebhooksAreOn() throws Exception {
        String id = connection("running:1h,succeeded");
        Future<String> running = template.asyncRequestBody("kamelet:airbyte-sync?account=test&connectionId=" + id
                + "&pollInterval=100ms&waitTimeout=1s&cancelOnTimeout=true", null, String.class);
        long jobId = awaitParked(id);

        // the poll of 100 ms became the fallback of 10 s: the timeout (1 s) comes first, with the one read at it
        Throwable failure = failureOf(running);
        assertThat(failure).hasMessageContaining("did not finish within");
        assertThat(EMULATOR.count("GET", ".*/jobs/" + jobId)).isEqualTo(1);
    }

    @Test
    void shouldRefuseAWrongSecretWith401AndChangeNothing() throws Exception {
        EMULATOR.setNotificationWebhookUrl(webhookUrl(WEBHOOK_SECRET));
        String id = connection("running:2s,succeeded");
        Future<String> running = template.asyncRequestBody("kamelet:airbyte-sync?account=test&connectionId=" + id
                + "&pollInterval=100ms", null, String.class);
        long jobId = awaitParked(id);
        AirbyteWebhooks webhooks = webhooks();
        long received = webhooks.receivedCount();

        HttpResponse<String> r = post(webhookUrl("wrong-secret"), notification(jobId, false));

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("the secret in the URL is wrong").doesNotContain(WEBHOOK_SECRET);
        assertThat(webhooks.receivedCount()).isEqualTo(received);
        assertThat(running).isNotDone();
        assertThat(EMULATOR.count("GET", ".*/jobs/" + jobId)).as("no status read").isZero();
        // the real notification still ends it (before the 10 s fallback poll)
        JsonNode result = Json.parse(running.get(FALLBACK.toSeconds() - 2, TimeUnit.SECONDS));
        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(EMULATOR.count("GET", ".*/jobs/" + jobId)).isEqualTo(1);
    }

    @Test
    void shouldRefuseAMalformedNotificationWith400AndTheReason() throws Exception {
        AirbyteWebhooks webhooks = webhooks();
        long received = webhooks.receivedCount();
        long unmatched = webhooks.unmatchedCount();

        assertRefused("{not json", "the body is not JSON");
        assertRefused("{\"data\": {\"success\": true}}", "has no jobId");
        assertRefused("{\"data\": {\"jobId\": \"abc\", \"success\": true}}", "is not an int64");
        assertRefused("{\"data\": {\"jobId\": 12.5}}", "is not an int64");

        assertThat(webhooks.receivedCount()).isEqualTo(received);
        assertThat(webhooks.unmatchedCount()).isEqualTo(unmatched);
    }

    @Test
    void shouldAcceptANotificationOfAnUnknownJobAndOnlyCountIt() throws Exception {
        AirbyteWebhooks webhooks = webhooks();
        long unmatched = webhooks.unmatchedCount();
        long requests = EMULATOR.requests().size();

        HttpResponse<String> r = post(webhookUrl(WEBHOOK_SECRET), notification(987654321L, true));

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode answer = Json.parse(r.body());
        assertThat(answer.path("woke").asInt()).isZero();
        assertThat(webhooks.unmatchedCount()).isEqualTo(unmatched + 1);
        assertThat(EMULATOR.requests()).as("nothing was asked of Airbyte").hasSize((int) requests);
    }

    @Test
    void shouldRefreshTheConnectionInTheInventoryWhenANotificationTellsOfAJobNoSyncWaitsFor() throws Exception {
        String id = connection("running:300ms,succeeded");
        io.syncrunner.inventory.ConnectionInventory inventory = inventory();
        inventory.refreshSoon();
        await().atMost(Duration.ofSeconds(30)).until(() -> listed(inventory, id) != null && !inventory.refreshPending());
        // triggered and not waited for: the job runs at Airbyte with no sync of this runner waiting for it; the
        // trigger's end refreshes the connection once (GET /connections/{id})
        long jobId = Json.parse(template.requestBody("kamelet:airbyte-sync?account=test&connectionId=" + id
                + "&wait=false", null, String.class)).path("jobId").asLong();
        String oneConnection = ".*/connections/" + id;
        await().atMost(Duration.ofSeconds(10)).until(() -> EMULATOR.count("GET", oneConnection) == 1
                && listed(inventory, id).lastSync() != null && listed(inventory, id).lastSync().jobId() == jobId);
        await().atMost(Duration.ofSeconds(10)).until(() -> EMULATOR.jobFinishedAt(jobId).isPresent());

        HttpResponse<String> r = post(webhookUrl(WEBHOOK_SECRET), notification(jobId, true)
                .replace("\"id\": \"c\"", "\"id\": \"" + id + "\""));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("woke").asInt()).isZero();
        // the notification refreshed the connection once more (the full refresh is an hour away): it shows the end
        await().atMost(Duration.ofSeconds(10)).until(() -> EMULATOR.count("GET", oneConnection) == 2
                && "succeeded".equals(lastStatus(inventory, id)));
        assertThat(listed(inventory, id).lastSync().jobId()).isEqualTo(jobId);
    }

    private static io.syncrunner.inventory.ListedConnection listed(io.syncrunner.inventory.ConnectionInventory inventory,
            String connectionId) {
        return inventory.views().stream().map(io.syncrunner.inventory.ConnectionInventory.View::listed)
                .filter(c -> c.provider().equals("airbyte") && c.connectionId().equals(connectionId))
                .findFirst().orElse(null);
    }

    private static String lastStatus(io.syncrunner.inventory.ConnectionInventory inventory, String connectionId) {
        io.syncrunner.inventory.ListedConnection c = listed(inventory, connectionId);
        return c == null || c.lastSync() == null ? null : c.lastSync().status();
    }

    @Test
    void shouldNotEndTheRunWhenTheNotificationSaysSuccessButTheStatusReadSaysRunning() throws Exception {
        EMULATOR.setNotificationWebhookUrl(webhookUrl(WEBHOOK_SECRET));
        String id = connection("running:2500ms,succeeded");
        Future<String> running = template.asyncRequestBody("kamelet:airbyte-sync?account=test&connectionId=" + id
                + "&pollInterval=100ms", null, String.class);
        long jobId = awaitParked(id);
        SyncWaiter waiter = context.getRegistry().lookupByNameAndType("syncWaiter", SyncWaiter.class);

        HttpResponse<String> r = post(webhookUrl(WEBHOOK_SECRET), notification(jobId, true));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("woke").asInt()).isEqualTo(1);

        // the one confirming read says running: the wait goes on (parked again under the job's key)
        await().atMost(Duration.ofSeconds(5)).until(() -> EMULATOR.count("GET", ".*/jobs/" + jobId) == 1
                && waiter.parkedCount() >= 1);
        assertThat(running).isNotDone();
        assertThat(EMULATOR.job(jobId)).get().extracting(JobSnapshot::status).isEqualTo("running");

        // the real end: Airbyte's own notification (at 2.5 s), confirmed, before the 10 s fallback poll
        JsonNode result = Json.parse(running.get(FALLBACK.toSeconds() - 2, TimeUnit.SECONDS));
        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(EMULATOR.count("GET", ".*/jobs/" + jobId)).isEqualTo(2);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Waits until the sync of the connection waits for its job; returns the job id. */
    private long awaitParked(String connectionId) {
        SyncWaiter waiter = context.getRegistry().lookupByNameAndType("syncWaiter", SyncWaiter.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> waiter.parkedCount() >= 1
                && EMULATOR.jobs().stream().anyMatch(j -> j.connectionId().equals(connectionId)));
        return EMULATOR.jobs().stream().filter(j -> j.connectionId().equals(connectionId)).findFirst().orElseThrow()
                .jobId();
    }

    private AirbyteWebhooks webhooks() {
        return context.getRegistry().lookupByNameAndType("airbyteWebhooks", AirbyteWebhooks.class);
    }

    private static Throwable failureOf(Future<String> running) throws Exception {
        try {
            running.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable t = e.getCause();
            return t instanceof org.apache.camel.CamelExecutionException && t.getCause() != null ? t.getCause() : t;
        }
        throw new AssertionError("the sync was expected to fail");
    }

    private void assertRefused(String body, String reason) throws Exception {
        HttpResponse<String> r = post(webhookUrl(WEBHOOK_SECRET), body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(Json.parse(r.body()).path("error").asText()).contains(reason);
    }

    private static String notification(long jobId, boolean success) {
        return "{\"text\": \"Job ID: " + jobId + "\", \"data\": {\"jobId\": " + jobId + ", \"success\": " + success
                + ", \"connection\": {\"id\": \"c\", \"name\": \"n\"}}}";
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
