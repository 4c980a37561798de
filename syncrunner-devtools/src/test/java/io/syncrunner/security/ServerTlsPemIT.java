package io.syncrunner.security;

import io.syncrunner.support.Json;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import io.syncrunner.testsupport.TestCertificate;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TLS on the runner's HTTP server from PEM files (certificate + PKCS#8 private key) instead of a keystore. */
class ServerTlsPemIT extends RunnerTestSupport {
    private static final String TOKEN = "test-api-token-Pm62Rc";
    private static final TestCertificate CERT = TestCertificate.create("test-pem-source-password-Jx50Bn");

    @Override
    protected String apiToken() {
        return TOKEN;
    }

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("syncrunner.tls.enabled", "true");
        p.put("syncrunner.tls.certificate", CERT.certificatePem().toString());
        p.put("syncrunner.tls.private-key", CERT.privateKeyPem().toString());
        return p;
    }

    @Test
    void shouldServeTheApiAndHealthOverHttpsWithTheCertificateFromPemFiles() throws Exception {
        String id = connection("running:100ms,succeeded");
        HttpResponse<String> accepted = CERT.client().send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + httpPort() + "/api/syncs")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"provider\":\"airbyte\",\"account\":\"test\","
                        + "\"connectionId\":\"" + id + "\",\"pollInterval\":\"100ms\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);

        HttpResponse<String> live = CERT.client().send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + httpPort() + "/observe/health/live"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(Json.parse(live.body()).path("status").asText()).isEqualTo("UP");
        assertThat(LogCapture.lines()).anyMatch(l -> l.contains("HTTPS only")
                && l.contains("PEM certificate " + CERT.certificatePem()));
    }

    @Test
    void shouldRefusePlainHttp() {
        assertThatThrownBy(() -> HTTP.send(HttpRequest.newBuilder(URI.create(url("/observe/health/live")))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }
}
