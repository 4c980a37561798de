package io.syncrunner.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.WebhookDelivery;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.TestCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * TLS on the runner's HTTP server from a PKCS12 keystore (syncrunner.tls.*): Fivetran's webhooks arrive over
 * HTTPS, every path of the port (API, status page, health, metrics) is served over HTTPS only, and the keystore
 * password is never logged.
 */
class ServerTlsIT extends FivetranTestSupport {
    private static final String KEYSTORE_PASSWORD = "test-keystore-password-Qe73Lp";
    private static final String WEBHOOK_SECRET = "test-webhook-secret-Tl58Wr";
    private static final String TOKEN = "test-api-token-Hs31Pk";
    private static final TestCertificate CERT = TestCertificate.create(KEYSTORE_PASSWORD);

    @Override
    protected String apiToken() {
        return TOKEN;
    }

    @Override
    protected Properties fivetranProperties() {
        Properties p = new Properties();
        p.put("syncrunner.tls.enabled", "true");
        p.put("syncrunner.tls.keystore", CERT.keystore().toString());
        p.put("syncrunner.tls.keystore-password", secret(KEYSTORE_PASSWORD));
        p.put("fivetran.webhooks.enabled", "true");
        p.put("fivetran.webhooks.secret", secret(WEBHOOK_SECRET));
        p.put("fivetran.webhooks.fallback-poll-interval", "30s");
        p.put("fivetran.webhooks.register", "true");
        p.put("fivetran.webhooks.account", "test");
        p.put("fivetran.webhooks.public-url", webhookUrl());
        return p;
    }

    @BeforeAll
    void fivetranTrustsTheRunnersCertificate() {
        FIVETRAN.setWebhookTrust(CERT.trust());
    }

    @AfterAll
    void fivetranTrustsTheDefaultCasAgain() {
        FIVETRAN.setWebhookTrust(null);
    }

    private String webhookUrl() {
        return "https://127.0.0.1:" + httpPort() + "/webhooks/fivetran";
    }

    private String https(String path) {
        return "https://127.0.0.1:" + httpPort() + path;
    }

    @Test
    void shouldEndAWaitingFivetranSyncByAWebhookDeliveredOverHttps() {
        await().atMost(Duration.ofSeconds(10)).until(() -> FIVETRAN.webhooks().stream()
                .anyMatch(w -> webhookUrl().equals(w.get("url"))));
        String id = add(connector("syncing:400ms,succeeded"));

        JsonNode result = Json.parse(fivetranSync("account=test&connectorId=" + id + "&pollInterval=100ms"));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("completedBy").asText()).isEqualTo("webhook");
        // the emulator records a delivery once the runner has answered it, which may be after the wait has ended
        await().atMost(Duration.ofSeconds(10)).until(() -> FIVETRAN.webhookDeliveries().stream()
                .anyMatch(d -> id.equals(d.connectorId())));
        List<WebhookDelivery> deliveries = FIVETRAN.webhookDeliveries().stream()
                .filter(d -> id.equals(d.connectorId())).toList();
        assertThat(deliveries).singleElement().satisfies(d -> {
            assertThat(d.url()).startsWith("https://");
            assertThat(d.status()).as(String.valueOf(d.error())).isEqualTo(200);
        });
        assertThat(FIVETRAN.count("GET", ".*/connections/" + id)).as("reads: only the baseline").isEqualTo(1);
    }

    @Test
    void shouldServeHealthMetricsStatusAndTheApiOverHttps() throws Exception {
        HttpClient client = CERT.client();

        HttpResponse<String> health = client.send(get(https("/observe/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(Json.parse(health.body()).path("status").asText()).isEqualTo("UP");
        HttpResponse<String> metrics = client.send(get(https("/observe/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("syncrunner_");
        HttpResponse<String> runs = client.send(get(https("/api/syncs")).header("Authorization", "Bearer " + TOKEN)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(runs.statusCode()).as(runs.body()).isEqualTo(200);
        HttpResponse<String> status = client.send(get(https("/status")).header("Authorization", "Bearer " + TOKEN)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.body()).contains("<html");
    }

    @Test
    void shouldRefusePlainHttpOnTheTlsPort() {
        for (String path : List.of("/observe/health", "/status", "/api/syncs", "/webhooks/fivetran")) {
            assertThatThrownBy(() -> HTTP.send(get("http://127.0.0.1:" + httpPort() + path).build(),
                    HttpResponse.BodyHandlers.ofString())).as(path).isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldPresentTheConfiguredCertificate() {
        // a client that trusts only the JDK's CAs refuses the self-signed certificate: it is the one served
        HttpClient defaultTrust = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        assertThatThrownBy(() -> defaultTrust.send(get(https("/observe/health")).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void shouldLogThatTlsIsOnButNeverTheKeystorePassword() {
        assertThat(LogCapture.lines()).anyMatch(l -> l.contains("HTTPS only") && l.contains("CN=localhost")
                && l.contains(CERT.keystore().toString()));
        assertThat(LogCapture.linesContainingAny(List.of(KEYSTORE_PASSWORD))).isEmpty();
    }

    private static HttpRequest.Builder get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
    }
}
