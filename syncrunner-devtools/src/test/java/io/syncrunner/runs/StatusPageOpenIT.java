package io.syncrunner.runs;

import io.syncrunner.support.Json;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With syncrunner.status-page.require-token=false the status page stays open to anyone who reaches the port, as
 * before the option; the sync API still needs its token.
 */
class StatusPageOpenIT extends RunnerTestSupport {
    private static final String TOKEN = "test-status-token-Ry49Dm";

    @Override
    protected String apiToken() {
        return TOKEN;
    }

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("syncrunner.status-page.require-token", "false");
        return p;
    }

    @Test
    void shouldServeTheStatusPageWithoutATokenButKeepTheApiClosed() throws Exception {
        String id = connection("running:100ms,succeeded");
        HttpResponse<String> accepted = postSync("{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\""
                + id + "\",\"pollInterval\":\"100ms\"}", TOKEN, "application/json");
        String runId = Json.parse(accepted.body()).path("runId").asText();

        assertThat(get("/status").statusCode()).isEqualTo(200);
        HttpResponse<String> runs = get("/status/runs");
        assertThat(runs.statusCode()).isEqualTo(200);
        assertThat(runs.body()).contains(runId);
        assertThat(get("/api/syncs").statusCode()).isEqualTo(401);
        assertThat(get("/api/syncs/" + runId).statusCode()).isEqualTo(401);
        assertThat(get("/observe/health").statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
