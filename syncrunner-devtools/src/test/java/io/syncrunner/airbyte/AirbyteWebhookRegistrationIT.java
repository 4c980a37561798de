package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * airbyte.webhooks.register=true: at start the runner sets its notification URL as the workspace's webhook of
 * failed and successful syncs (the emulator's one workspace, listed by the account's credentials), keeps the
 * workspace's other notification settings, and sends nothing when it is already there. Polling falls back to 10 s
 * here, so an end seen sooner came by the registered webhook.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the first test counts the requests of the start
class AirbyteWebhookRegistrationIT extends RunnerTestSupport {
    private static final String WEBHOOK_SECRET = "airbyte-registered-secret-Hv52Rk";
    private static final String WORKSPACE = "/workspaces/" + AirbyteEmulator.workspaceId();
    private static final String EMAILS = "{\"success\": {\"email\": {\"enabled\": true}},"
            + " \"failure\": {\"email\": {\"enabled\": true}},"
            + " \"syncDisabled\": {\"email\": {\"enabled\": false}, \"webhook\": {\"enabled\": true,"
            + " \"url\": \"https://hooks.example.com/disabled\"}}}";
    /** The emulator's requests before this class's runner started (it is shared with the other classes). */
    private long getsBefore;
    private long patchesBefore;

    @Override
    protected Properties moreProperties() {
        // the workspace as a user left it, before the runner starts (this is called before the context is built)
        EMULATOR.setWorkspaceNotifications(Json.parse(EMAILS));
        getsBefore = EMULATOR.count("GET", ".*" + WORKSPACE);
        patchesBefore = EMULATOR.count("PATCH", ".*" + WORKSPACE);
        Properties p = new Properties();
        p.put("airbyte.webhooks.secret", secret(WEBHOOK_SECRET));
        p.put("airbyte.webhooks.fallback-poll-interval", "10s");
        p.put("airbyte.webhooks.register", "true");
        p.put("airbyte.webhooks.account", "test");
        p.put("airbyte.webhooks.public-url", url("/webhooks/airbyte/"));
        return p;
    }

    @AfterAll
    void resetTheWorkspace() {
        EMULATOR.setWorkspaceNotifications(null); // the emulator is shared with other test classes
    }

    private String registeredUrl() {
        return url("/webhooks/airbyte/" + WEBHOOK_SECRET);
    }

    private void awaitRegistered() {
        await().atMost(Duration.ofSeconds(30)).until(() -> EMULATOR.count("PATCH", ".*" + WORKSPACE) > patchesBefore);
    }

    @Test
    @Order(1)
    void shouldRegisterTheNotificationWebhookInTheWorkspaceAtStartKeepingItsOtherSettings() {
        awaitRegistered();

        JsonNode n = EMULATOR.workspaceNotifications();
        for (String kind : List.of("success", "failure")) {
            assertThat(n.path(kind).path("webhook").path("enabled").asBoolean()).as(kind).isTrue();
            assertThat(n.path(kind).path("webhook").path("url").asText()).as(kind).isEqualTo(registeredUrl());
            assertThat(n.path(kind).path("email").path("enabled").asBoolean()).as(kind + " e-mail kept").isTrue();
        }
        assertThat(n.path("syncDisabled")).isEqualTo(Json.parse(EMAILS).path("syncDisabled"));
        assertThat(EMULATOR.count("PATCH", ".*" + WORKSPACE)).isEqualTo(patchesBefore + 1);
        assertThat(EMULATOR.count("GET", ".*" + WORKSPACE)).isEqualTo(getsBefore + 1);
        assertThat(LogCapture.lines()).anyMatch(l -> l.contains("Registered " + url("/webhooks/airbyte/***"))
                && l.contains(AirbyteEmulator.workspaceId()));
    }

    @Test
    void shouldNotPatchAgainWhenTheWorkspaceAlreadyHasTheWebhook() {
        awaitRegistered();
        long gets = EMULATOR.count("GET", ".*" + WORKSPACE);
        long patches = EMULATOR.count("PATCH", ".*" + WORKSPACE);
        int logFrom = LogCapture.size();

        template.sendBody("direct:airbyte-webhook-register", null); // as a restart does

        assertThat(EMULATOR.count("GET", ".*" + WORKSPACE)).isEqualTo(gets + 1);
        assertThat(EMULATOR.count("PATCH", ".*" + WORKSPACE)).isEqualTo(patches);
        assertThat(LogCapture.linesSince(logFrom)).anyMatch(l -> l.contains("already sends its sync notifications")
                && l.contains(url("/webhooks/airbyte/***")));
    }

    @Test
    void shouldEndASyncsWaitByTheNotificationOfTheWebhookItRegistered() {
        awaitRegistered();
        String id = connection("running:1500ms,succeeded", 3, 300);

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + "&pollInterval=100ms"));
        Instant ended = Instant.now();

        long jobId = result.path("jobId").asLong();
        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        // the emulator records its post once the runner has answered it (the wait may end before that)
        AirbyteEmulator.Notification sent = await().atMost(Duration.ofSeconds(10)).until(() -> EMULATOR
                .notifications().stream().filter(x -> x.jobId() == jobId).findFirst(), java.util.Optional::isPresent)
                .orElseThrow();
        assertThat(sent.url()).isEqualTo(registeredUrl());
        assertThat(sent.status()).isEqualTo(200);
        assertThat(Duration.between(sent.at(), ended)).as("from the notification to the end of the wait")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(EMULATOR.count("GET", ".*/jobs/" + jobId)).as("status reads: only the confirming one")
                .isEqualTo(1);
    }

    @Test
    void shouldLogOneWarningNamingTheWorkspaceAndStatusWhenTheRegistrationFailsAndStillSync() {
        awaitRegistered();
        EMULATOR.setWorkspaceNotifications(Json.parse(EMAILS)); // the webhooks removed in Airbyte's settings
        EMULATOR.faults().add(FaultRule.on("PATCH", "/workspaces/.*").respond(403));
        int logFrom = LogCapture.size();

        template.sendBody("direct:airbyte-webhook-register", null);

        List<String> warnings = LogCapture.linesSince(logFrom).stream()
                .filter(l -> l.contains("Could not register the notification webhook")).toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("WARN").contains("workspace " + AirbyteEmulator.workspaceId())
                .contains("HTTP 403").doesNotContain(WEBHOOK_SECRET);
        assertThat(EMULATOR.workspaceNotifications()).isEqualTo(Json.parse(EMAILS));
        // the runner goes on: a sync still ends (by polling, no webhook is registered now)
        String id = connection("running:200ms,succeeded");
        assertThat(Json.parse(sync("account=test&connectionId=" + id + "&pollInterval=100ms")).path("status")
                .asText()).isEqualTo("succeeded");
        // registered again once the workspace answers (for the other tests of this class)
        EMULATOR.faults().clear();
        template.sendBody("direct:airbyte-webhook-register", null);
        assertThat(EMULATOR.workspaceNotifications().at("/success/webhook/url").asText()).isEqualTo(registeredUrl());
    }
}
