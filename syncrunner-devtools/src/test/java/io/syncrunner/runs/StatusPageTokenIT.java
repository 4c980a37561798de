package io.syncrunner.runs;

import io.syncrunner.support.Json;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Once syncrunner.api.token is set, reads of run data need it (syncrunner.status-page.require-token, default true):
 * the status page and its data as the API; health and metrics stay open for probes and scrapers.
 */
class StatusPageTokenIT extends RunnerTestSupport {
    private static final String TOKEN = "test-status-token-Kw17Ve";

    @Override
    protected String apiToken() {
        return TOKEN;
    }

    @Test
    void shouldAnswer401ToReadsOfRunDataWithoutTheTokenAnd200WithIt() throws Exception {
        String runId = acceptedRun();
        for (String path : List.of("/status", "/status/runs", "/api/syncs", "/api/syncs/" + runId)) {
            assertThat(get(path, null).statusCode()).as(path + " without a token").isEqualTo(401);
            assertThat(get(path, "Bearer wrong-" + TOKEN).statusCode()).as(path + " with a wrong token").isEqualTo(401);
            assertThat(get(path, "Bearer " + TOKEN).statusCode()).as(path + " with the token").isEqualTo(200);
        }
        assertThat(get("/status/runs", "Bearer " + TOKEN).body()).contains(runId);
    }

    @Test
    void shouldLetABrowserSignInToTheStatusPageWithTheTokenAsPassword() throws Exception {
        HttpResponse<String> challenge = get("/status", null);
        assertThat(challenge.statusCode()).isEqualTo(401);
        assertThat(challenge.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Basic realm=\"syncrunner\""));
        assertThat(challenge.body()).doesNotContain("<table");

        assertThat(get("/status", basic("anyone", TOKEN)).statusCode()).isEqualTo(200);
        assertThat(get("/status/runs", basic("operator", TOKEN)).statusCode()).isEqualTo(200);
        assertThat(get("/status", basic("operator", "wrong")).statusCode()).isEqualTo(401);
        assertThat(get("/status", "Basic not-base64!").statusCode()).as("a malformed header").isEqualTo(401);
        assertThat(get("/status", basic(TOKEN, "")).statusCode()).as("the token as user name").isEqualTo(401);
        assertThat(get("/api/syncs", basic("operator", TOKEN)).statusCode()).as("the API takes bearer tokens only")
                .isEqualTo(401);
    }

    @Test
    void shouldKeepHealthAndMetricsOpenWithoutAToken() throws Exception {
        for (String path : List.of("/observe/health", "/observe/health/live", "/observe/health/ready")) {
            HttpResponse<String> r = get(path, null);
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            assertThat(Json.parse(r.body()).path("status").asText()).isEqualTo("UP");
        }
        HttpResponse<String> metrics = get("/observe/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("syncrunner_");
    }

    private String acceptedRun() throws Exception {
        String id = connection("running:100ms,succeeded");
        HttpResponse<String> accepted = postSync("{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\""
                + id + "\",\"pollInterval\":\"100ms\"}", TOKEN, "application/json");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Json.parse(accepted.body()).path("runId").asText();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
