package io.syncrunner.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.syncrunner.observability.SyncMetrics;
import io.syncrunner.runs.SyncEvents;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncFailedException;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Alerts on failed syncs and stale connections, against a real SMTP server (GreenMail) and a local Slack-compatible
 * webhook receiver: every failed sync is emailed (syncrunner.alerts.on-failure=email); a route's doCatch also posts it
 * to Slack (the notify-on-failure template); stale notices go to Slack (on-stale). Each test uses connections of its
 * own. Alerts go out in order on one thread, so "nothing else was sent" is shown by a later alert (a marker) arriving
 * alone, not by waiting.
 */
class AlertsIT extends RunnerTestSupport {
    private static final String SMTP_PASSWORD = "smtp-password-Qx81Lm";
    private static final String WEBHOOK_TOKEN = "webhookTokenZ93kWq" + UUID.randomUUID().toString().replace("-", "");
    private static final String PUBLIC_URL = "https://syncrunner.example.com";
    private static final int SMTP_PORT = closedPort();

    private static GreenMail smtp = startSmtp();
    private static final List<String> POSTS = new CopyOnWriteArrayList<>();
    private static final AtomicInteger WEBHOOK_STATUS = new AtomicInteger(200);
    private static final HttpServer WEBHOOK = startWebhook();

    private static GreenMail startSmtp() {
        GreenMail mail = new GreenMail(new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
                .withConfiguration(GreenMailConfiguration.aConfig().withUser("alerts-user", SMTP_PASSWORD));
        mail.start();
        return mail;
    }

    private static HttpServer startWebhook() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/services/", ex -> {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                boolean right = "POST".equals(ex.getRequestMethod())
                        && ex.getRequestURI().getPath().endsWith("/" + WEBHOOK_TOKEN)
                        && String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")).startsWith("application/json");
                int status = right ? WEBHOOK_STATUS.get() : 404;
                if (status == 200) {
                    POSTS.add(body);
                }
                byte[] answer = (status == 200 ? "ok" : "no_service").getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status, answer.length);
                ex.getResponseBody().write(answer);
                ex.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String webhookUrl() {
        return "http://127.0.0.1:" + WEBHOOK.getAddress().getPort() + "/services/T0ALERTS/B0ALERTS/" + WEBHOOK_TOKEN;
    }

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("syncrunner.inventory.enabled", "true"); // (off by default in the tests)
        p.put("camel.main.routes-include-pattern", "file:routes/*.yaml,classpath:alerts/*.yaml");
        p.put("syncrunner.public-url", PUBLIC_URL + "/");
        p.put("syncrunner.alerts.on-failure", "email");
        p.put("syncrunner.alerts.on-stale", "slack");
        // full inventory refreshes only when a test asks for one (refreshSoon)
        p.put("syncrunner.inventory.refresh-interval", "1h");
        p.put("syncrunner.alerts.email.host", "127.0.0.1");
        p.put("syncrunner.alerts.email.port", String.valueOf(SMTP_PORT));
        p.put("syncrunner.alerts.email.username", "alerts-user");
        p.put("syncrunner.alerts.email.password", secret(SMTP_PASSWORD));
        p.put("syncrunner.alerts.email.from", "syncrunner@example.com");
        p.put("syncrunner.alerts.email.to", "data-oncall@example.com");
        p.put("syncrunner.alerts.slack.webhook-url", secret(webhookUrl()));
        secret(WEBHOOK_TOKEN);
        return p;
    }

    /**
     * The inventory's first full refresh (at start) is done: one still under way would find the connections a test
     * creates never synced, hence stale, and send their stale notices into the test.
     */
    @org.junit.jupiter.api.BeforeEach
    void noInventoryRefreshUnderWay() {
        io.syncrunner.inventory.ConnectionInventory inventory = inventory();
        await().atMost(Duration.ofSeconds(30)).until(() -> inventory.refreshedAt() != null
                && !inventory.refreshPending());
    }

    @AfterAll
    void stopReceivers() {
        smtp.stop();
        WEBHOOK.stop(0);
    }

    @Test
    void shouldEmailAndPostOneAlertWithTheRunsSummaryWhenAnAirbyteSyncFails() throws Exception {
        String id = connection("running:300ms,failed");
        Exchange done = template.send("direct:sync-with-slack-alert", ex -> ex.setProperty("testConnectionId", id));
        assertThat(done.getException()).isNull();
        assertThat(done.getMessage().getBody(String.class)).as("the doCatch went on").isEqualTo("caught");
        SyncEvents.Ended ended = done.getProperty(SyncEvents.ENDED, SyncEvents.Ended.class);
        assertThat(ended.status()).isEqualTo("failed");
        long jobId = EMULATOR.jobs().stream().filter(j -> j.connectionId().equals(id)).findFirst().orElseThrow().jobId();

        await().atMost(Duration.ofSeconds(20)).until(() -> emailsAbout(id).size() == 1 && postsAbout(id).size() == 1);
        marker();
        assertThat(emailsAbout(id)).hasSize(1);
        assertThat(postsAbout(id)).hasSize(1);

        MimeMessage mail = emailsAbout(id).get(0);
        assertThat(mail.getSubject()).isEqualTo("[syncrunner] airbyte sync failed: test/" + id);
        assertThat(Arrays.toString(mail.getRecipients(Message.RecipientType.TO))).contains("data-oncall@example.com");
        assertThat(Arrays.toString(mail.getFrom())).contains("syncrunner@example.com");
        // (GreenMail gives the text without its last line break)
        String body = GreenMailUtil.getBody(mail).replace("\r\n", "\n").strip() + "\n";
        String runLink = PUBLIC_URL + "/status?run=" + ended.step().runId();
        assertThat(body).contains("provider: airbyte\n", "account: test\n", "connection: " + id + "\n",
                "status: failed\n", "job/sync id: " + jobId + "\n", "run: " + ended.step().runId() + "\n",
                "status page: " + runLink + "\n").containsPattern("error: .*" + id + ".*ended failed")
                // the provider's page of the connection (the emulator's webapp: no workspace id configured here)
                .containsPattern("provider page: http://127\\.0\\.0\\.1:[0-9]+/")
                .containsPattern("duration: [0-9.]+s\n");
        assertThat(body).doesNotContain(SMTP_PASSWORD).doesNotContain(WEBHOOK_TOKEN);

        String text = Json.text(Json.parse(postsAbout(id).get(0)), "text");
        assertThat(text).startsWith("[syncrunner] airbyte sync failed: test/" + id + "\n")
                .contains("status: failed\n", "job/sync id: " + jobId + "\n", "status page: " + runLink + "\n")
                .doesNotContain(WEBHOOK_TOKEN).doesNotContain(SMTP_PASSWORD);
    }

    @Test
    void shouldSendNothingWhenTheSyncSucceeds() throws Exception {
        String id = connection("running:200ms,succeeded");
        Exchange done = template.send("direct:sync-with-slack-alert", ex -> ex.setProperty("testConnectionId", id));
        assertThat(Json.text(Json.parse(done.getMessage().getBody(String.class)), "status")).isEqualTo("succeeded");
        String direct = connection("running:100ms,succeeded");
        sync("account=test&pollInterval=100ms&connectionId=" + direct);

        marker();
        assertThat(emailsAbout(id)).isEmpty();
        assertThat(postsAbout(id)).isEmpty();
        assertThat(emailsAbout(direct)).isEmpty();
    }

    @Test
    void shouldSendOneAlertWhenTheSameConnectionFailsTwiceWithinTheInterval() throws Exception {
        String id = connection("running:100ms,failed");
        double suppressed = alerts("email", "suppressed");
        asSyncFailure(syncFailure("account=test&pollInterval=100ms&connectionId=" + id));
        asSyncFailure(syncFailure("account=test&pollInterval=100ms&connectionId=" + id));

        marker();
        assertThat(emailsAbout(id)).hasSize(1);
        assertThat(alerts("email", "suppressed")).isEqualTo(suppressed + 1);
    }

    @Test
    void shouldKeepTheSyncsOutcomeAndCountTheFailedAlertWhenTheSmtpServerIsDown() throws Exception {
        smtp.stop();
        try {
            String id = connection("running:100ms,failed");
            double failed = alerts("email", "failed");
            int logged = LogCapture.size();
            SyncFailedException failure = asSyncFailure(
                    syncFailure("account=test&pollInterval=100ms&connectionId=" + id));
            assertThat(Json.text(Json.parse(failure.result()), "status")).isEqualTo("failed");
            assertThat(failure).hasMessageContaining("ended failed");

            await().atMost(Duration.ofSeconds(40)).until(() -> alerts("email", "failed") == failed + 1);
            List<String> warns = LogCapture.linesSince(logged).stream()
                    .filter(l -> l.contains("Alert by email not sent") && l.contains(id)).toList();
            assertThat(warns).hasSize(1);
            assertThat(warns.get(0)).contains("WARN").doesNotContain(SMTP_PASSWORD);
        } finally {
            smtp = startSmtp();
        }
        // the channel is back: the next alert goes out
        String next = connection("running:100ms,failed");
        asSyncFailure(syncFailure("account=test&pollInterval=100ms&connectionId=" + next));
        await().atMost(Duration.ofSeconds(20)).until(() -> emailsAbout(next).size() == 1);
    }

    @Test
    void shouldMaskTheWebhookUrlWhenTheWebhookRefusesTheAlert() throws Exception {
        WEBHOOK_STATUS.set(500);
        try {
            String id = connection("running:100ms,failed");
            double failed = alerts("slack", "failed");
            int logged = LogCapture.size();
            Exchange done = template.send("direct:sync-with-slack-alert",
                    ex -> ex.setProperty("testConnectionId", id));
            assertThat(done.getMessage().getBody(String.class)).isEqualTo("caught");
            await().atMost(Duration.ofSeconds(20)).until(() -> alerts("slack", "failed") == failed + 1);
            List<String> warns = LogCapture.linesSince(logged).stream()
                    .filter(l -> l.contains("Alert by slack not sent") && l.contains(id)).toList();
            assertThat(warns).hasSize(1);
            assertThat(warns.get(0)).contains("WARN", "500", "http://127.0.0.1:" + WEBHOOK.getAddress().getPort() + "/***")
                    .doesNotContain(WEBHOOK_TOKEN).doesNotContain("/services/");
            marker(); // the email of the same failure went out too
        } finally {
            WEBHOOK_STATUS.set(200);
        }
    }

    @Test
    void shouldFormatAStaleNoticeWithTheConnectionsLastSyncAndLinks() throws Exception {
        String id = UUID.randomUUID().toString();
        String notice = """
                {"provider": "airbyte", "account": "test", "connectionId": "%s", "name": "Postgres → Snowflake",
                 "schedule": "0 0 2 * * ?", "paused": false,
                 "lastSync": {"status": "failed", "startedAt": "2026-12-01T02:00:00Z", "endedAt": "2026-12-01T02:05:00Z",
                              "startedBy": "runner", "jobId": 3000000042, "syncId": null},
                 "lastSuccessAt": "2026-11-29T02:04:10Z", "secondsSinceSuccess": 187200, "stale": true,
                 "freshnessThreshold": "PT24H", "uiUrl": "https://cloud.airbyte.com/workspaces/w1/connections/%s"}
                """.formatted(id, id);
        template.sendBody("direct:notify-stale", notice);
        await().atMost(Duration.ofSeconds(20)).until(() -> postsAbout(id).size() == 1);
        String text = Json.text(Json.parse(postsAbout(id).get(0)), "text");
        assertThat(text).isEqualTo("[syncrunner] airbyte connection stale: test/Postgres → Snowflake\n"
                + "provider: airbyte\n"
                + "account: test\n"
                + "connection: " + id + " (Postgres → Snowflake)\n"
                + "last sync: failed\n"
                + "stale: no success since 2026-11-29T02:04:10Z (2d 4h ago); threshold 1d\n"
                + "job/sync id: 3000000042\n"
                + "status page: " + PUBLIC_URL + "/status\n"
                + "provider page: https://cloud.airbyte.com/workspaces/w1/connections/" + id + "\n");

        // the template takes a stale notice too, on the channel it is given
        template.sendBody("kamelet:notify-on-failure?channel=email", notice.replace(id, id + "-by-template"));
        await().atMost(Duration.ofSeconds(20)).until(() -> emailsAbout(id + "-by-template").size() == 1);
        assertThat(emailsAbout(id + "-by-template").get(0).getSubject())
                .isEqualTo("[syncrunner] airbyte connection stale: test/Postgres → Snowflake");
    }

    @Test
    void shouldPostAStaleNoticeOnceWhenTheInventoryFindsAConnectionGoneStale() throws Exception {
        // a connection of the emulator's workspace that never succeeded: stale at the next full refresh
        String id = connection("running:100ms,succeeded");
        io.syncrunner.inventory.ConnectionInventory inventory = inventory();
        inventory.refreshSoon();
        // (and no refresh left pending, which would notice the next test's connections)
        await().atMost(Duration.ofSeconds(30)).until(() -> postsAbout(id).size() == 1 && !inventory.refreshPending());
        String text = Json.text(Json.parse(postsAbout(id).get(0)), "text");
        assertThat(text).startsWith("[syncrunner] airbyte connection stale: test/")
                .contains("connection: " + id, "stale: no success since (never)");

        // the next refresh finds it still stale: no second notice (not even one the rate limit holds back)
        double suppressed = alerts("slack", "suppressed");
        double sent = alerts("slack", "sent");
        java.time.Instant first = inventory.refreshedAt();
        inventory.refreshSoon();
        await().atMost(Duration.ofSeconds(30)).until(() -> inventory.refreshedAt().isAfter(first)
                && !inventory.refreshPending());
        marker();
        assertThat(postsAbout(id)).hasSize(1);
        assertThat(alerts("slack", "suppressed")).isEqualTo(suppressed);
        assertThat(alerts("slack", "sent")).isEqualTo(sent);
    }

    @Test
    void shouldRefuseAStaleNoticeThatIsNotAConnectionOfTheInventory() {
        Exchange ex = template.send("direct:notify-stale", e -> e.getMessage().setBody("{\"stale\": true}"));
        assertThat(ex.getException()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A stale notice is one connection of GET /api/connections: it has no provider or"
                        + " connectionId");
        Exchange notJson = template.send("direct:notify-stale", e -> e.getMessage().setBody("stale!"));
        assertThat(notJson.getException()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Not JSON");
    }

    /** A failed sync whose email arrives last: every alert handed over before it has been sent (one thread, in order). */
    private void marker() throws Exception {
        String id = connection("running:100ms,failed");
        asSyncFailure(syncFailure("account=test&pollInterval=100ms&connectionId=" + id));
        await().atMost(Duration.ofSeconds(20)).until(() -> emailsAbout(id).size() == 1);
    }

    private static List<MimeMessage> emailsAbout(String id) throws Exception {
        List<MimeMessage> found = new ArrayList<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            if (m.getSubject().contains(id) || GreenMailUtil.getBody(m).contains(id)) {
                found.add(m);
            }
        }
        return found;
    }

    private static List<String> postsAbout(String id) {
        return POSTS.stream().filter(p -> p.contains(id)).toList();
    }

    private double alerts(String channel, String outcome) {
        MeterRegistry registry = context.getRegistry().lookupByNameAndType(SyncMetrics.METER_REGISTRY,
                MeterRegistry.class);
        Counter c = registry.find("syncrunner.alerts").tags("channel", channel, "outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }
}
