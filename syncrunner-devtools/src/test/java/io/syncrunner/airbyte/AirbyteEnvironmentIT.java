package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.AuthKind;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The account "default" from the environment variables of the seed integration page for Airbyte Server
 * (AIRBYTE_HOST, AIRBYTE_AUTH_TYPE, USE_SERVER_AUTH, ...), read by config/application.properties in a runner
 * of its own (real environment variables), against the Airbyte emulator of this JVM.
 */
class AirbyteEnvironmentIT {
    private static final String CLIENT_ID = "env-client";
    private static final String CLIENT_SECRET = "env-client-secret-Tq82Lm";
    private static final String PASSWORD = "env-basic-password-Hw37Pz";
    private static final String TOKEN = "env-api-token-Vb51Xc";

    private static final AirbyteEmulator EMULATOR = AirbyteEmulator.builder()
            .port(0)
            .clientCredentials(CLIENT_ID, CLIENT_SECRET)
            .basicAuth("airbyte", PASSWORD)
            .tokenTtl(Duration.ofMinutes(3))
            .build()
            .start();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static {
        LogCapture.registerSecrets(List.of(CLIENT_SECRET, PASSWORD, TOKEN));
    }

    @AfterAll
    static void stopEmulator() {
        EMULATOR.close();
    }

    @Test
    void shouldSyncWithTheSeedPageSettingsOfAirbyteServer() throws Exception {
        String connection = connection();
        int before = EMULATOR.requests().size();

        try (RunnerProcess runner = RunnerProcess.builder("airbyte-host-env")
                .env("AIRBYTE_HOST", EMULATOR.baseUrl())
                .env("AIRBYTE_AUTH_TYPE", "client_credentials")
                .env("AIRBYTE_CLIENT_ID", CLIENT_ID)
                .env("AIRBYTE_CLIENT_SECRET", CLIENT_SECRET)
                .env("USE_SERVER_AUTH", "TRUE")
                .env("SYNCRUNNER_API_TOKEN", TOKEN)
                .start()) {
            JsonNode run = syncToTheEnd(runner, connection);

            assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("succeeded");
            List<RecordedRequest> calls = apiCalls(before);
            assertThat(calls).anyMatch(r -> r.isTokenRequest() && r.path().equals("/api/public/v1/applications/token"));
            assertThat(calls).filteredOn(r -> !r.isTokenRequest()).isNotEmpty()
                    .allMatch(r -> r.path().startsWith("/api/public/v1/jobs"), "under /api/public/v1")
                    .allMatch(r -> r.auth() == AuthKind.BEARER_TOKEN, "with a token from the server");
            assertThat(runner.logLines("Airbyte account 'default': API base " + EMULATOR.baseUrl()
                    + "/api/public/v1 (from airbyte.default.host=" + EMULATOR.baseUrl() + ", host and port only"))
                    .hasSize(1);
            assertThat(runner.logLines(CLIENT_SECRET)).isEmpty();
        }
    }

    @Test
    void shouldPreferAirbyteBaseUrlToAirbyteHostAndAuthenticateAsAirbyteAuthTypeSays() throws Exception {
        String connection = connection();
        int before = EMULATOR.requests().size();

        try (RunnerProcess runner = RunnerProcess.builder("airbyte-basic-env")
                .env("AIRBYTE_BASE_URL", EMULATOR.baseUrl() + "/")
                // nothing listens there: a call to it would fail the sync
                .env("AIRBYTE_HOST", "http://127.0.0.1:" + RunnerProcess.freePort())
                .env("AIRBYTE_AUTH_TYPE", "basic")
                // without AIRBYTE_AUTH_TYPE, a client id would mean client credentials
                .env("AIRBYTE_CLIENT_ID", CLIENT_ID)
                .env("AIRBYTE_USERNAME", "airbyte")
                .env("AIRBYTE_PASSWORD", PASSWORD)
                .env("SYNCRUNNER_API_TOKEN", TOKEN)
                .start()) {
            JsonNode run = syncToTheEnd(runner, connection);

            assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("succeeded");
            List<RecordedRequest> calls = apiCalls(before);
            assertThat(calls).isNotEmpty().noneMatch(RecordedRequest::isTokenRequest)
                    .allMatch(r -> r.auth() == AuthKind.BASIC, "basic auth")
                    .allMatch(r -> r.path().startsWith("/api/public/v1/jobs"), "under /api/public/v1");
            assertThat(runner.logLines("from airbyte.default.base-url=" + EMULATOR.baseUrl() + ", host and port only"))
                    .hasSize(1);
            assertThat(runner.logLines(PASSWORD)).isEmpty();
        }
    }

    /** The emulator's requests since {@code before}, but the readiness probes' GET /health (not the sync's). */
    private static List<RecordedRequest> apiCalls(int before) {
        return EMULATOR.requests().subList(before, EMULATOR.requests().size()).stream()
                .filter(r -> !r.path().equals("/health")).toList();
    }

    private static String connection() {
        String id = UUID.randomUUID().toString();
        EMULATOR.addConnection(id, "pending:200ms,running:500ms,succeeded", true, 7, 700);
        return id;
    }

    /** POST /api/syncs for the account "default", then the run once it has ended. */
    private static JsonNode syncToTheEnd(RunnerProcess runner, String connection) throws Exception {
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(runner.baseUrl() + "/api/syncs"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"provider\":\"airbyte\",\"account\":\"default\","
                        + "\"connectionId\":\"" + connection + "\",\"pollInterval\":\"200ms\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String runId = Json.parse(accepted.body()).path("runId").asText();
        return await().atMost(Duration.ofSeconds(30)).until(() -> run(runner, runId),
                r -> !r.path("state").asText().equals("accepted") && !r.path("state").asText().equals("running"));
    }

    private static JsonNode run(RunnerProcess runner, String runId) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(runner.baseUrl() + "/api/syncs/" + runId))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parse(r.body());
    }
}
