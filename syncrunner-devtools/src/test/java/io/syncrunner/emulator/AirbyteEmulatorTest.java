package io.syncrunner.devtools.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class AirbyteEmulatorTest extends EmulatorTestSupport {

    private static final String CLIENT_ID = "demo-client";
    private static final String CLIENT_SECRET = "demo-secret";
    private static final String API_KEY = "legacy-portal-key";
    private static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString("airbyte:password".getBytes(StandardCharsets.UTF_8));
    private static final String CONN = "e735894a-e773-4938-969f-45f53957b75b";
    private static final String CONN2 = "0c2f3e1a-5d6b-4c7d-8e9f-a0b1c2d3e4f5";

    private AirbyteEmulator airbyte;

    @BeforeEach
    void startDefault() {
        airbyte = startEmulator(b -> { });
    }

    private AirbyteEmulator startEmulator(Consumer<AirbyteEmulator.Builder> settings) {
        AirbyteEmulator.Builder b = AirbyteEmulator.builder().port(0)
                .clientCredentials(CLIENT_ID, CLIENT_SECRET).apiKey(API_KEY);
        settings.accept(b);
        return closeAfterTest(b.build().start());
    }

    // ------------------------------------------------------------------------------------------- HTTP helpers

    private HttpResponse<String> call(String method, String url, String body, String... headers) {
        try {
            return callOrThrow(method, url, body, headers);
        } catch (IOException e) {
            throw new AssertionError("request failed: " + method + " " + url, e);
        }
    }

    /** A call with {@code Content-Type: application/json} when it has a body (the headers may replace it). */
    private HttpResponse<String> callOrThrow(String method, String url, String body, String... headers)
            throws IOException {
        if (body == null) {
            return send(method, url, null, headers);
        }
        return send(method, url, body,
                Stream.concat(Stream.of("Content-Type", "application/json"), Arrays.stream(headers))
                        .toArray(String[]::new));
    }

    private String api(AirbyteEmulator e) {
        return e.selfManagedApiUrl();
    }

    private String token(AirbyteEmulator e) {
        HttpResponse<String> r = call("POST", api(e) + "/applications/token",
                "{\"client_id\":\"" + CLIENT_ID + "\",\"client_secret\":\"" + CLIENT_SECRET + "\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        return json(r).get("access_token").asText();
    }

    private HttpResponse<String> trigger(AirbyteEmulator e, String connectionId) {
        return call("POST", api(e) + "/jobs", "{\"connectionId\":\"" + connectionId + "\",\"jobType\":\"sync\"}",
                "Authorization", BASIC);
    }

    private long triggerOk(AirbyteEmulator e, String connectionId) {
        HttpResponse<String> r = trigger(e, connectionId);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).get("jobId").asLong();
    }

    private HttpResponse<String> getJob(AirbyteEmulator e, long jobId) {
        return call("GET", api(e) + "/jobs/" + jobId, null, "Authorization", BASIC);
    }

    private String statusOf(AirbyteEmulator e, long jobId) {
        return json(getJob(e, jobId)).get("status").asText();
    }

    /** Removes consecutive duplicates: the sequence of distinct phases observed. */
    private static List<String> collapse(List<String> statuses) {
        List<String> out = new ArrayList<>();
        for (String s : statuses) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(s)) {
                out.add(s);
            }
        }
        return out;
    }

    private static void assertProblem(HttpResponse<String> r, int status, String title) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode n = json(r);
        assertThat(n.get("status").asInt()).isEqualTo(status);
        assertThat(n.get("title").asText()).isEqualTo(title);
        assertThat(n.get("type").asText()).startsWith("https://reference.airbyte.com/reference/errors");
    }

    // ------------------------------------------------------------------------------------------- notifications

    @Test
    void shouldPostAirbytesSyncNotificationToTheWebhookWhenAJobSucceedsOrFails() throws IOException {
        FivetranEmulatorTest.Receiver receiver = closeAfterTest(new FivetranEmulatorTest.Receiver());
        airbyte.setNotificationWebhookUrl(receiver.url());
        airbyte.addConnection(CONN, "running:300ms,succeeded", true, 1400, 288179);
        airbyte.addConnection(CONN2, "running:300ms,failed");
        long ok = triggerOk(airbyte, CONN);
        long failed = triggerOk(airbyte, CONN2);

        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.hits.size() == 2);
        JsonNode success = receiver.hits.stream().map(FivetranEmulatorTest.Receiver.Hit::json)
                .filter(j -> j.path("data").path("jobId").asLong() == ok).findFirst().orElseThrow();
        assertThat(success.get("text").asText()).contains("succeeded");
        JsonNode data = success.get("data");
        assertThat(data.get("success").asBoolean()).isTrue();
        assertThat(data.get("connection").get("id").asText()).isEqualTo(CONN);
        assertThat(data.get("workspace").get("id").asText()).isEqualTo(AirbyteEmulator.WORKSPACE_ID);
        assertThat(data.get("source").get("id").asText()).isNotBlank();
        assertThat(data.get("destination").get("name").asText()).isNotBlank();
        assertThat(data.get("recordsCommitted").asLong()).isEqualTo(1400);
        assertThat(data.get("bytesEmitted").asLong()).isEqualTo(288179);
        assertThat(data.get("errorMessage").isNull()).isTrue();
        assertThat(Instant.parse(data.get("finishedAt").asText()))
                .isAfterOrEqualTo(Instant.parse(data.get("startedAt").asText()));
        JsonNode failure = receiver.hits.stream().map(FivetranEmulatorTest.Receiver.Hit::json)
                .filter(j -> j.path("data").path("jobId").asLong() == failed).findFirst().orElseThrow();
        assertThat(failure.get("data").get("success").asBoolean()).isFalse();
        assertThat(failure.get("data").get("errorMessage").asText()).isNotBlank();
        assertThat(receiver.hits).allSatisfy(h -> assertThat(h.header("Content-Type")).isEqualTo("application/json"));
        assertThat(airbyte.notifications()).extracting(AirbyteEmulator.Notification::status).containsOnly(200);
        // the job reads terminal by the time its notification arrives
        assertThat(statusOf(airbyte, ok)).isEqualTo("succeeded");
    }

    @Test
    void shouldSendNoNotificationWithoutAWebhookUrlNorForACancelledJob() throws IOException {
        FivetranEmulatorTest.Receiver receiver = closeAfterTest(new FivetranEmulatorTest.Receiver());
        airbyte.addConnection(CONN, "running:100ms,succeeded");
        long unnotified = triggerOk(airbyte, CONN);
        await().atMost(Duration.ofSeconds(10)).until(() -> "succeeded".equals(statusOf(airbyte, unnotified)));

        airbyte.setNotificationWebhookUrl(receiver.url());
        airbyte.addConnection(CONN2, "running:1h,succeeded");
        long cancelled = triggerOk(airbyte, CONN2);
        assertThat(call("DELETE", api(airbyte) + "/jobs/" + cancelled, null, "Authorization", BASIC).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> "cancelled".equals(statusOf(airbyte, cancelled)));
        airbyte.addConnection(CONN, "running:100ms,succeeded");
        long notified = triggerOk(airbyte, CONN);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.hits.size() == 1);
        assertThat(receiver.hits.get(0).json().get("data").get("jobId").asLong()).isEqualTo(notified);
        assertThat(airbyte.notifications()).extracting(AirbyteEmulator.Notification::jobId).containsExactly(notified);
    }

    @Test
    void shouldReadAndPatchTheWorkspacesNotificationsInTheVendorsShape() {
        // GET/PATCH /workspaces/{workspaceId}: WorkspaceResponse (workspaceId, name, dataResidency, notifications),
        // WorkspaceUpdateRequest.notifications a NotificationsConfig of NotificationConfig {email, webhook}
        String ws = api(airbyte) + "/workspaces/" + AirbyteEmulator.workspaceId();
        JsonNode read = json(call("GET", ws, null, "Authorization", BASIC));
        assertThat(read.get("workspaceId").asText()).isEqualTo(AirbyteEmulator.workspaceId());
        assertThat(read.get("name").isTextual()).isTrue();
        assertThat(read.get("dataResidency").asText()).isEqualTo("auto");
        assertThat(read.get("notifications").isObject()).isTrue();
        airbyte.setWorkspaceNotifications(io.syncrunner.support.Json.parse("{\"failure\": {\"email\": {\"enabled\": true}}}"));

        HttpResponse<String> patched = call("PATCH", ws, "{\"notifications\": {\"success\": {\"email\":"
                + " {\"enabled\": false}, \"webhook\": {\"enabled\": true, \"url\": \"https://h.example.com/a\"}}}}",
                "Authorization", "Bearer " + token(airbyte));

        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        JsonNode n = json(patched).get("notifications");
        assertThat(json(patched).get("workspaceId").asText()).isEqualTo(AirbyteEmulator.workspaceId());
        assertThat(n.at("/success/webhook/url").asText()).isEqualTo("https://h.example.com/a");
        assertThat(n.at("/success/webhook/enabled").asBoolean()).isTrue();
        assertThat(n.at("/failure/email/enabled").asBoolean()).as("a kind the PATCH leaves out stays").isTrue();
        assertThat(json(call("GET", ws, null, "Authorization", BASIC)).get("notifications")).isEqualTo(n);

        for (String bad : List.of("[]", "{\"notifications\": []}", "{\"notifications\": {\"sometimes\": {}}}",
                "{\"notifications\": {\"success\": {\"webhook\": {\"enabled\": \"yes\"}}}}",
                "{\"notifications\": {\"success\": {\"pager\": {}}}}",
                "{\"notifications\": {\"failure\": {\"webhook\": {\"url\": 7}}}}")) {
            assertProblem(call("PATCH", ws, bad, "Authorization", BASIC), 400, "bad-request");
        }
        assertThat(airbyte.workspaceNotifications()).as("nothing changed by a refused PATCH").isEqualTo(n);
        String other = api(airbyte) + "/workspaces/" + java.util.UUID.randomUUID();
        assertProblem(call("GET", other, null, "Authorization", BASIC), 404, "resource-not-found");
        assertProblem(call("PATCH", other, "{}", "Authorization", BASIC), 404, "resource-not-found");
        assertProblem(call("PATCH", ws, "{}"), 401, "invalid-api-key");
        assertThat(call("POST", ws, "{}", "Authorization", BASIC).statusCode()).isEqualTo(405);
        airbyte.setWorkspaceNotifications(null);
    }

    @Test
    void shouldPostNotificationsToTheWebhooksRegisteredThroughTheApi() throws IOException {
        FivetranEmulatorTest.Receiver successes = closeAfterTest(new FivetranEmulatorTest.Receiver());
        FivetranEmulatorTest.Receiver failures = closeAfterTest(new FivetranEmulatorTest.Receiver());
        String ws = api(airbyte) + "/workspaces/" + AirbyteEmulator.workspaceId();
        assertThat(call("PATCH", ws, "{\"notifications\": {\"success\": {\"webhook\": {\"enabled\": true, \"url\": \""
                + successes.url() + "\"}}, \"failure\": {\"webhook\": {\"enabled\": true, \"url\": \""
                + failures.url() + "\"}}}}", "Authorization", BASIC).statusCode()).isEqualTo(200);
        airbyte.addConnection(CONN, "running:200ms,succeeded");
        airbyte.addConnection(CONN2, "running:200ms,failed");
        long ok = triggerOk(airbyte, CONN);
        long failed = triggerOk(airbyte, CONN2);

        await().atMost(Duration.ofSeconds(10)).until(() -> successes.hits.size() == 1 && failures.hits.size() == 1);
        assertThat(successes.hits.get(0).json().at("/data/jobId").asLong()).isEqualTo(ok);
        assertThat(failures.hits.get(0).json().at("/data/jobId").asLong()).isEqualTo(failed);

        // a disabled webhook gets nothing
        assertThat(call("PATCH", ws, "{\"notifications\": {\"success\": {\"webhook\": {\"enabled\": false, \"url\": \""
                + successes.url() + "\"}}}}", "Authorization", BASIC).statusCode()).isEqualTo(200);
        airbyte.addConnection(CONN, "running:100ms,succeeded");
        long unnotified = triggerOk(airbyte, CONN);
        airbyte.addConnection(CONN2, "running:100ms,failed");
        long failedAgain = triggerOk(airbyte, CONN2);
        await().atMost(Duration.ofSeconds(10)).until(() -> failures.hits.size() == 2);
        assertThat(failures.hits.get(1).json().at("/data/jobId").asLong()).isEqualTo(failedAgain);
        assertThat(statusOf(airbyte, unnotified)).isEqualTo("succeeded");
        assertThat(successes.hits).hasSize(1);
        assertThat(airbyte.notifications()).extracting(AirbyteEmulator.Notification::jobId)
                .doesNotContain(unnotified);
        airbyte.setNotificationWebhookUrl(null);
    }

    // ------------------------------------------------------------------------------------------- tokens & auth

    @Test
    void shouldIssueAJwtLikeBearerTokenWithExpiresInAndAcceptIt() throws Exception {
        HttpResponse<String> r = call("POST", api(airbyte) + "/applications/token",
                "{\"client_id\":\"demo-client\",\"client_secret\":\"demo-secret\",\"grant-type\":\"client_credentials\"}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = json(r);
        assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(body.get("expires_in").asLong()).isEqualTo(180);
        String token = body.get("access_token").asText();
        String[] parts = token.split("\\.");
        assertThat(parts).hasSize(3);
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(claims.get("sub").asText()).isEqualTo(CLIENT_ID);
        assertThat(claims.get("exp").asLong()).isBetween(Instant.now().getEpochSecond() + 170, Instant.now().getEpochSecond() + 190);
        assertThat(claims.hasNonNull("jti")).isTrue();

        HttpResponse<String> list = call("GET", api(airbyte) + "/jobs", null, "Authorization", "Bearer " + token);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(airbyte.requests()).last().satisfies(req -> assertThat(req.auth()).isEqualTo(AuthKind.BEARER_TOKEN));
        assertThat(airbyte.tokenRequests()).isEqualTo(1);
    }

    @Test
    void shouldAcceptAFormEncodedTokenRequestWithGrantType() {
        HttpResponse<String> r = call("POST", airbyte.cloudApiUrl() + "/applications/token",
                "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
                "Content-Type", "application/x-www-form-urlencoded");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("expires_in").asLong()).isEqualTo(180);
    }

    @Test
    void shouldAnswer401ForWrongClientSecretAnd400ForMissingOrUnparseableFields() {
        assertProblem(call("POST", api(airbyte) + "/applications/token",
                "{\"client_id\":\"demo-client\",\"client_secret\":\"nope\"}"), 401, "invalid-api-key");
        assertProblem(call("POST", api(airbyte) + "/applications/token",
                "{\"client_id\":\"demo-client\"}"), 400, "bad-request");
        assertProblem(call("POST", api(airbyte) + "/applications/token", "{not json"), 400, "bad-request");
        assertThat(airbyte.tokenRequests()).isEqualTo(3);
    }

    @Test
    void shouldIssueAConfigApiStyleTokenWithoutExpiresIn() {
        HttpResponse<String> r = call("POST", airbyte.baseUrl() + "/api/v1/applications/token",
                "{\"client_id\":\"demo-client\",\"client_secret\":\"demo-secret\",\"grant_type\":\"client_credentials\"}");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.has("access_token")).isTrue();
        assertThat(body.has("expires_in")).isFalse();
        assertThat(body.has("token_type")).isFalse();
        assertThat(call("GET", airbyte.cloudApiUrl() + "/jobs", null,
                "Authorization", "Bearer " + body.get("access_token").asText()).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRejectATokenOnceItsTtlHasPassed() {
        airbyte.setTokenTtl(Duration.ofSeconds(1));
        HttpResponse<String> r = call("POST", api(airbyte) + "/applications/token",
                "{\"client_id\":\"demo-client\",\"client_secret\":\"demo-secret\"}");
        assertThat(json(r).get("expires_in").asLong()).isEqualTo(1);
        String token = json(r).get("access_token").asText();

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertProblem(call("GET", api(airbyte) + "/jobs", null, "Authorization", "Bearer " + token),
                        401, "invalid-api-key"));
        assertThat(airbyte.requests()).last().satisfies(req -> assertThat(req.auth()).isEqualTo(AuthKind.INVALID));
    }

    @Test
    void shouldRejectEveryTokenAfterRevokeAll() {
        String token = token(airbyte);
        assertThat(call("GET", api(airbyte) + "/jobs", null, "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);

        airbyte.revokeAllTokens();

        assertProblem(call("GET", api(airbyte) + "/jobs", null, "Authorization", "Bearer " + token), 401, "invalid-api-key");
        String fresh = token(airbyte);
        assertThat(call("GET", api(airbyte) + "/jobs", null, "Authorization", "Bearer " + fresh).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAcceptBasicAuthAndApiKeysAndRecordTheAuthKind() {
        assertThat(call("GET", api(airbyte) + "/jobs", null, "Authorization", BASIC).statusCode()).isEqualTo(200);
        assertThat(call("GET", api(airbyte) + "/jobs", null, "Authorization", "Bearer " + API_KEY).statusCode()).isEqualTo(200);

        assertThat(airbyte.requests()).extracting(RecordedRequest::auth).containsExactly(AuthKind.BASIC, AuthKind.API_KEY);
    }

    @Test
    void shouldAnswer401ProblemForMissingOrWrongCredentials() {
        String wrongBasic = "Basic " + Base64.getEncoder().encodeToString("airbyte:wrong".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> none = call("GET", api(airbyte) + "/jobs", null);
        assertProblem(none, 401, "invalid-api-key");
        assertThat(json(none).get("type").asText()).isEqualTo("https://reference.airbyte.com/reference/errors#invalid-api-key");
        assertProblem(call("GET", api(airbyte) + "/jobs", null, "Authorization", wrongBasic), 401, "invalid-api-key");
        assertProblem(call("GET", api(airbyte) + "/jobs", null, "Authorization", "Bearer made-up"), 401, "invalid-api-key");

        assertThat(airbyte.requests()).extracting(RecordedRequest::auth)
                .containsExactly(AuthKind.NONE, AuthKind.INVALID, AuthKind.INVALID);
    }

    @Test
    void shouldAcceptAnonymousCallsWhenAuthIsNotRequired() {
        airbyte.setRequireAuth(false);

        assertThat(call("GET", api(airbyte) + "/jobs", null).statusCode()).isEqualTo(200);
        assertThat(airbyte.requests()).last().satisfies(req -> assertThat(req.auth()).isEqualTo(AuthKind.NONE));
    }

    @Test
    void shouldServeTheSameApiUnderBothPrefixes() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        String token = token(airbyte);

        HttpResponse<String> viaCloud = call("POST", airbyte.cloudApiUrl() + "/jobs",
                "{\"connectionId\":\"" + CONN + "\",\"jobType\":\"sync\"}", "Authorization", "Bearer " + token);
        long jobId = json(viaCloud).get("jobId").asLong();
        HttpResponse<String> viaSelfManaged = call("GET", airbyte.selfManagedApiUrl() + "/jobs/" + jobId, null,
                "Authorization", "Bearer " + token);

        assertThat(viaCloud.statusCode()).isEqualTo(200);
        assertThat(json(viaSelfManaged).get("status").asText()).isEqualTo("running");
        assertThat(airbyte.count("POST", "/jobs")).isEqualTo(1);
        assertThat(airbyte.count("GET", "/api/public/v1/jobs/\\d+")).isEqualTo(1);
    }

    @Test
    void shouldAnswerHealthChecksWithoutAuth() {
        for (String url : List.of(airbyte.baseUrl() + "/health", airbyte.cloudApiUrl() + "/health",
                airbyte.selfManagedApiUrl() + "/health")) {
            HttpResponse<String> r = call("GET", url, null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("Successful operation");
        }
    }

    @Test
    void shouldListItsWorkspaceInTheVendorsShapeToAnAuthenticatedCallerOnly() {
        // WorkspacesResponse {data: [WorkspaceResponse]}; WorkspaceResponse requires workspaceId, name,
        // dataResidency, notifications (airbyte/api.yaml, GET /workspaces)
        for (String url : List.of(airbyte.selfManagedApiUrl(), airbyte.cloudApiUrl())) {
            HttpResponse<String> r = call("GET", url + "/workspaces?limit=1", null,
                    "Authorization", "Bearer " + token(airbyte));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode data = json(r).get("data");
            assertThat(data.isArray()).isTrue();
            assertThat(data).hasSize(1);
            JsonNode w = data.get(0);
            assertThat(w.get("workspaceId").asText()).matches("[0-9a-f-]{36}");
            assertThat(w.get("name").isTextual()).isTrue();
            assertThat(w.get("dataResidency").asText()).isEqualTo("auto");
            assertThat(w.get("notifications").isObject()).isTrue();
        }
        assertThat(json(call("GET", api(airbyte) + "/workspaces?offset=1", null, "Authorization", BASIC))
                .get("data")).isEmpty();

        assertProblem(call("GET", api(airbyte) + "/workspaces?limit=1", null), 401, "invalid-api-key");
        assertProblem(call("GET", api(airbyte) + "/workspaces?limit=1", null, "Authorization", "Bearer made-up"), 401,
                "invalid-api-key");
        assertThat(call("GET", api(airbyte) + "/workspaces?limit=0", null, "Authorization", BASIC).statusCode())
                .isEqualTo(400);
        assertThat(call("POST", api(airbyte) + "/workspaces", "{}", "Authorization", BASIC).statusCode())
                .isEqualTo(405);
    }

    @Test
    void shouldListTheConnectionsOfAWorkspaceInPagesWithNextLinks() {
        airbyte.addConnection("00000000-0000-0000-0000-00000000000a", "running:1s,succeeded");
        airbyte.addConnection("00000000-0000-0000-0000-00000000000b", "running:1s,succeeded", false);
        airbyte.addConnection("00000000-0000-0000-0000-00000000000c", "running:1s,succeeded");
        String auth = "Bearer " + token(airbyte);
        String workspace = json(call("GET", api(airbyte) + "/workspaces", null, "Authorization", auth)).get("data")
                .get(0).get("workspaceId").asText();

        JsonNode first = json(call("GET", api(airbyte) + "/connections?workspaceIds=" + workspace + "&limit=2", null,
                "Authorization", auth));
        JsonNode second = json(call("GET", first.get("next").asText(), null, "Authorization", auth));

        // ConnectionsResponse {next, previous, data: [ConnectionResponse]} (airbyte/api.yaml, GET /connections)
        assertThat(first.get("data").findValuesAsText("connectionId")).containsExactly(
                "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b");
        assertThat(first.has("previous")).isFalse();
        assertThat(second.get("data").findValuesAsText("connectionId"))
                .containsExactly("00000000-0000-0000-0000-00000000000c");
        assertThat(second.has("next")).isFalse();
        assertThat(second.get("previous").asText()).contains("offset=0");
        JsonNode c = first.get("data").get(1);
        for (String required : List.of("connectionId", "name", "sourceId", "destinationId", "workspaceId", "status",
                "schedule", "configurations", "createdAt", "tags")) {
            assertThat(c.has(required)).as("ConnectionResponse." + required).isTrue();
        }
        assertThat(c.get("status").asText()).isEqualTo("inactive");
        assertThat(c.get("schedule").get("scheduleType").asText()).isEqualTo("manual");
        assertThat(json(call("GET", api(airbyte) + "/connections?workspaceIds=" + java.util.UUID.randomUUID(), null,
                "Authorization", auth)).get("data")).isEmpty();
        assertThat(call("GET", api(airbyte) + "/connections?workspaceIds=not-a-uuid", null, "Authorization", auth)
                .statusCode()).isEqualTo(400);
        assertThat(call("GET", api(airbyte) + "/connections?limit=101", null, "Authorization", auth).statusCode())
                .isEqualTo(400);
        assertProblem(call("GET", api(airbyte) + "/connections", null), 401, "invalid-api-key");
    }

    @Test
    void shouldAnswer404ProblemForUnknownPaths() {
        assertProblem(call("GET", airbyte.baseUrl() + "/nothing/here", null), 404, "resource-not-found");
        assertProblem(call("GET", api(airbyte) + "/sources", null, "Authorization", BASIC), 404, "resource-not-found");
    }

    // ------------------------------------------------------------------------------------------- jobs

    @Test
    void shouldMoveAJobFromPendingThroughRunningToSucceededOverTime() {
        airbyte.addConnection(CONN, "pending:300ms,running:700ms,succeeded", true, 1234, 56789);

        HttpResponse<String> created = trigger(airbyte, CONN);

        assertThat(created.statusCode()).isEqualTo(200);
        JsonNode job = json(created);
        long id = job.get("jobId").asLong();
        assertThat(id).isEqualTo(AirbyteEmulator.DEFAULT_FIRST_JOB_ID);
        assertThat(job.get("status").asText()).isEqualTo("pending");
        assertThat(job.get("jobType").asText()).isEqualTo("sync");
        assertThat(job.get("connectionId").asText()).isEqualTo(CONN);
        assertThat(job.get("startTime").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d)?Z");
        assertThat(job.has("duration")).isFalse();
        assertThat(job.has("lastUpdatedAt")).isFalse();
        assertThat(job.has("id")).isFalse();
        assertThat(job.get("rowsSynced").asLong()).isZero();
        assertThat(job.get("bytesSynced").asLong()).isZero();

        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                .until(() -> statusOf(airbyte, id), "running"::equals);
        JsonNode running = json(getJob(airbyte, id));
        assertThat(running.get("duration").asText()).startsWith("PT");
        assertThat(running.has("lastUpdatedAt")).isFalse();

        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                .until(() -> statusOf(airbyte, id), "succeeded"::equals);
        JsonNode done = json(getJob(airbyte, id));
        assertThat(done.get("rowsSynced").asLong()).isEqualTo(1234);
        assertThat(done.get("bytesSynced").asLong()).isEqualTo(56789);
        assertThat(done.get("lastUpdatedAt").asText()).endsWith("Z");
        assertThat(done.get("duration").asText()).matches("PT\\d+S");
        assertThat(airbyte.jobFinishedAt(id)).isPresent();
        assertThat(airbyte.job(id)).hasValueSatisfying(s -> assertThat(s.status()).isEqualTo("succeeded"));
    }

    @Test
    void shouldReportQueuedIncompleteAndUnknownStatusesFromTheScript() {
        ManualClock clock = new ManualClock();
        AirbyteEmulator e = startEmulator(b -> b.clock(clock));
        e.addConnection(CONN, "pending:100ms,queued:300ms,running:500ms,incomplete:200ms,running:300ms,failed");
        e.addConnection(CONN2, "running:2s,weird_status:1s,succeeded");
        long first = triggerOk(e, CONN);
        long second = triggerOk(e, CONN2);

        List<String> seen = new ArrayList<>();
        List<String> seen2 = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            seen.add(statusOf(e, first));
            seen2.add(statusOf(e, second));
            clock.advance(Duration.ofMillis(100));
        }

        assertThat(collapse(seen)).containsExactly("pending", "queued", "running", "incomplete", "running", "failed");
        assertThat(collapse(seen2)).containsExactly("running", "weird_status", "succeeded");
        assertThat(json(getJob(e, first)).get("rowsSynced").asLong()).isZero();
        assertThat(json(getJob(e, first)).get("duration").asText()).isEqualTo("PT1S");
    }

    @Test
    void shouldAnswer409WhileASyncIsRunningAndAcceptANewTriggerOnceItFinished() {
        ManualClock clock = new ManualClock();
        AirbyteEmulator e = startEmulator(b -> b.clock(clock));
        e.addConnection(CONN, "running:10s,succeeded");
        triggerOk(e, CONN);

        HttpResponse<String> second = trigger(e, CONN);

        assertProblem(second, 409, "try-again-later");
        JsonNode body = json(second);
        assertThat(body.get("type").asText()).isEqualTo("https://reference.airbyte.com/reference/errors#try-again-later");
        assertThat(body.get("detail").asText()).isEqualTo("Please try again later.");
        assertThat(body.at("/data/message").asText()).isEqualTo("A sync is already running for: " + CONN);

        clock.advance(Duration.ofSeconds(10));
        assertThat(triggerOk(e, CONN)).isEqualTo(AirbyteEmulator.DEFAULT_FIRST_JOB_ID + 1);
        assertThat(e.triggerCount(CONN)).isEqualTo(3);
    }

    @Test
    void shouldAnswer404ForAnUnknownConnection() {
        HttpResponse<String> r = trigger(airbyte, CONN);

        assertProblem(r, 404, "resource-not-found");
        assertThat(json(r).at("/data/resourceType").asText()).isEqualTo("connection");
        assertThat(json(r).at("/data/resourceId").asText()).isEqualTo(CONN);
        assertProblem(call("GET", api(airbyte) + "/connections/" + CONN, null, "Authorization", BASIC), 404, "resource-not-found");
    }

    @Test
    void shouldAnswer409StateConflictForAnInactiveConnection() {
        airbyte.addConnection(CONN, "running:1s,succeeded", false);

        HttpResponse<String> r = trigger(airbyte, CONN);

        assertProblem(r, 409, "state-conflict");
        assertThat(json(r).at("/data/message").asText()).isEqualTo("Could not fulfill request");
        assertThat(airbyte.jobs()).isEmpty();
    }

    @Test
    void shouldAnswer422ForRefreshAnd400ForABadJobRequest() {
        airbyte.addConnection(CONN, "running:1s,succeeded");

        HttpResponse<String> refresh = call("POST", api(airbyte) + "/jobs",
                "{\"connectionId\":\"" + CONN + "\",\"jobType\":\"refresh\"}", "Authorization", BASIC);
        assertProblem(refresh, 422, "unprocessable-entity");
        assertThat(json(refresh).at("/data/message").asText()).isEqualTo("Refreshes are not supported in the public API");

        assertProblem(call("POST", api(airbyte) + "/jobs", "{\"connectionId\":\"" + CONN + "\"}",
                "Authorization", BASIC), 400, "bad-request");
        assertProblem(call("POST", api(airbyte) + "/jobs", "not json", "Authorization", BASIC), 400, "bad-request");
        assertProblem(getJob(airbyte, 99), 404, "resource-not-found");
        assertThat(json(getJob(airbyte, 99)).at("/data/resourceType").asText()).isEqualTo("job");
    }

    @Test
    void shouldCreateResetAndClearJobsWithTheirType() {
        airbyte.addConnection(CONN, "succeeded");

        HttpResponse<String> reset = call("POST", api(airbyte) + "/jobs",
                "{\"connectionId\":\"" + CONN + "\",\"jobType\":\"reset\"}", "Authorization", BASIC);
        HttpResponse<String> clear = call("POST", api(airbyte) + "/jobs",
                "{\"connectionId\":\"" + CONN + "\",\"jobType\":\"clear\"}", "Authorization", BASIC);

        assertThat(json(reset).get("jobType").asText()).isEqualTo("reset");
        assertThat(json(reset).get("status").asText()).isEqualTo("succeeded");
        assertThat(json(clear).get("jobType").asText()).isEqualTo("clear");
    }

    @Test
    void shouldCancelARunningJobImmediatelyByDefault() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        long jobId = triggerOk(airbyte, CONN);

        HttpResponse<String> r = call("DELETE", api(airbyte) + "/jobs/" + jobId, null, "Authorization", BASIC);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("status").asText()).isEqualTo("cancelled");
        assertThat(json(r).has("lastUpdatedAt")).isTrue();
        assertThat(airbyte.job(jobId)).hasValueSatisfying(s -> {
            assertThat(s.status()).isEqualTo("cancelled");
            assertThat(s.cancelRequested()).isTrue();
        });
        assertThat(triggerOk(airbyte, CONN)).isEqualTo(jobId + 1);
    }

    @Test
    void shouldCancelAfterTheConfiguredDelayAndStillShowTheCurrentStatusInTheDeleteAnswer() {
        ManualClock clock = new ManualClock();
        AirbyteEmulator e = startEmulator(b -> b.clock(clock).cancelDelay(Duration.ofSeconds(2)));
        e.addConnection(CONN, "running:1h,succeeded");
        long jobId = triggerOk(e, CONN);

        HttpResponse<String> r = call("DELETE", api(e) + "/jobs/" + jobId, null, "Authorization", BASIC);

        assertThat(json(r).get("status").asText()).isEqualTo("running");
        assertThat(e.job(jobId)).hasValueSatisfying(s -> assertThat(s.cancelRequested()).isTrue());
        clock.advance(Duration.ofMillis(1999));
        assertThat(statusOf(e, jobId)).isEqualTo("running");
        clock.advance(Duration.ofMillis(1));
        assertThat(statusOf(e, jobId)).isEqualTo("cancelled");
        assertThat(e.jobFinishedAt(jobId)).contains(Instant.parse("2026-11-23T10:15:32Z"));
    }

    @Test
    void shouldAnswer409WhenCancellingAFinishedJobAnd404ForAnUnknownOne() {
        airbyte.addConnection(CONN, "succeeded");
        long jobId = triggerOk(airbyte, CONN);

        HttpResponse<String> finished = call("DELETE", api(airbyte) + "/jobs/" + jobId, null, "Authorization", BASIC);
        assertProblem(finished, 409, "state-conflict");
        assertThat(json(finished).at("/data/message").asText()).isEqualTo("Job is not currently running");

        assertProblem(call("DELETE", api(airbyte) + "/jobs/777", null, "Authorization", BASIC), 404, "resource-not-found");
    }

    @Test
    void shouldNumberJobsAboveTwoToThe31AsJsonIntegersAndCountUpFromAConfiguredFirstId() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        airbyte.addConnection(CONN2, "running:1h,succeeded");

        JsonNode first = json(trigger(airbyte, CONN));
        long second = triggerOk(airbyte, CONN2);

        assertThat(first.get("jobId").isIntegralNumber()).as("jobId is a JSON integer, int64 in the spec").isTrue();
        long id = first.get("jobId").asLong();
        assertThat(id).isGreaterThan(Integer.MAX_VALUE).isEqualTo(AirbyteEmulator.DEFAULT_FIRST_JOB_ID);
        assertThat(second).isEqualTo(id + 1);
        assertThat(json(getJob(airbyte, id)).get("jobId").asLong()).isEqualTo(id);
        JsonNode listed = json(call("GET", api(airbyte) + "/jobs?connectionId=" + CONN, null, "Authorization", BASIC));
        assertThat(listed.get("data").get(0).get("jobId").asLong()).isEqualTo(id);
        HttpResponse<String> cancelled = call("DELETE", api(airbyte) + "/jobs/" + id, null, "Authorization", BASIC);
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        assertThat(json(cancelled).get("jobId").asLong()).isEqualTo(id);

        AirbyteEmulator configured = startEmulator(b -> b.firstJobId(5_000_000_000L));
        configured.addConnection(CONN, "running:1h,succeeded");
        assertThat(triggerOk(configured, CONN)).isEqualTo(5_000_000_000L);
        assertThatThrownBy(() -> AirbyteEmulator.builder().firstJobId(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("firstJobId");
    }

    @Test
    void shouldWriteJobTimesLikeOffsetDateTimeToStringInUtcAndLastUpdatedAtOnlyWhenTerminal() {
        ManualClock clock = new ManualClock(); // 2026-11-23T10:15:30Z
        AirbyteEmulator e = startEmulator(b -> b.clock(clock));
        e.addConnection(CONN, "pending:10s,running:20s,succeeded");
        e.addConnection(CONN2, "running:1s,succeeded");

        JsonNode pending = json(trigger(e, CONN));
        clock.advance(Duration.ofSeconds(30)); // 10:16:00: Java's OffsetDateTime.toString() leaves out ":00"
        JsonNode onTheMinute = json(trigger(e, CONN2));

        assertThat(pending.get("startTime").asText()).isEqualTo("2026-11-23T10:15:30Z");
        assertThat(pending.get("status").asText()).isEqualTo("pending");
        assertThat(pending.has("duration")).as("no duration while pending").isFalse();
        assertThat(pending.has("lastUpdatedAt")).isFalse();
        assertThat(onTheMinute.get("startTime").asText()).isEqualTo("2026-11-23T10:16Z");
        JsonNode done = json(getJob(e, pending.get("jobId").asLong()));
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.get("lastUpdatedAt").asText()).isEqualTo("2026-11-23T10:16Z");
        assertThat(done.get("duration").asText()).isEqualTo("PT30S");
    }

    @Test
    void shouldAnswerEachErrorStatusWithTheProblemThatApiProblemsYamlDefines() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        long id = triggerOk(airbyte, CONN);
        // status, title, type, detail, data.message expected
        Object[][] problems = {
                {400, "bad-request", "#bad-request", "The request could not be understood by the server due to malformed syntax.", true},
                {401, "invalid-api-key", "#invalid-api-key", "The API key in the Authorization header is invalid.", false},
                {403, "forbidden", "#forbidden", "The request is forbidden.", true},
                {404, "resource-not-found", "#resource-not-found", "The requested resource could not be found.", false},
                {408, "Request timeout exceeded", null, "The request has exceeded the timeout associated with this endpoint.", false},
                {409, "try-again-later", "#try-again-later", "Please try again later.", true},
                {422, "unprocessable-entity", "#unprocessable-entity", "The body of the request was not understood", true},
                {500, "unexpected-problem", "", "An unexpected problem has occurred. If this is an error that needs to be"
                        + " addressed, please submit a pull request or github issue.", true},
                {503, "service-unavailable", "", "The server is currently unable to handle the request.", false},
        };
        for (Object[] p : problems) {
            int status = (Integer) p[0];
            airbyte.faults().add(FaultRule.on("GET", "/jobs/.+").times(1).respond(status));

            HttpResponse<String> r = getJob(airbyte, id);

            assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode n = json(r);
            assertThat(n.get("status").asInt()).as(r.body()).isEqualTo(status);
            assertThat(n.get("title").asText()).as(r.body()).isEqualTo(p[1]);
            assertThat(n.get("type").asText()).as(r.body()).isEqualTo(p[2] == null ? "error:request-timeout-exceeded"
                    : "https://reference.airbyte.com/reference/errors" + p[2]);
            assertThat(n.get("detail").asText()).as(r.body()).isEqualTo(p[3]);
            assertThat(n.path("data").hasNonNull("message")).as(r.body()).isEqualTo(p[4]);
        }

        airbyte.faults().add(FaultRule.on("GET", "/jobs/.+").times(1).respond(429));
        HttpResponse<String> shed = getJob(airbyte, id);
        assertThat(shed.statusCode()).isEqualTo(429);
        assertThat(shed.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(shed.headers().firstValue("Retry-After")).as("a hard limit, not a back-off signal").isEmpty();
        assertThat(shed.body()).isEqualTo("{\"message\":\"You are being rate limited.\"}");
    }

    @Test
    void shouldAnswerTheRealProblemsForAnUnknownJobAConflictAndARefresh() {
        airbyte.addConnection(CONN, "running:1s,succeeded", false);

        JsonNode unknown = json(getJob(airbyte, 4_000_000_000L));
        JsonNode inactive = json(trigger(airbyte, CONN));
        JsonNode refresh = json(call("POST", api(airbyte) + "/jobs",
                "{\"connectionId\":\"" + CONN + "\",\"jobType\":\"refresh\"}", "Authorization", BASIC));

        assertThat(unknown.get("title").asText()).isEqualTo("resource-not-found");
        assertThat(unknown.get("data").get("resourceId").asText()).isEqualTo("4000000000");
        assertThat(inactive.get("status").asInt()).isEqualTo(409);
        assertThat(inactive.get("type").asText()).isEqualTo("https://reference.airbyte.com/reference/errors#409-state-conflict");
        assertThat(inactive.get("title").asText()).isEqualTo("state-conflict");
        assertThat(inactive.get("detail").asText()).isEqualTo("State conflict");
        assertThat(inactive.get("data").get("message").asText()).isEqualTo("Could not fulfill request");
        assertThat(refresh.get("status").asInt()).isEqualTo(422);
        assertThat(refresh.get("data").get("message").asText()).isEqualTo("Refreshes are not supported in the public API");
    }

    @Test
    void shouldListJobsOldestFirstByDefaultAndNewestFirstWithOrderByDesc() {
        ManualClock clock = new ManualClock();
        AirbyteEmulator e = startEmulator(b -> b.clock(clock).firstJobId(1));
        e.addConnection(CONN, "running:1s,succeeded");
        e.addConnection(CONN2, "running:1s,succeeded");
        for (int i = 0; i < 3; i++) {
            triggerOk(e, CONN);
            clock.advance(Duration.ofSeconds(1));
            triggerOk(e, CONN2);
            clock.advance(Duration.ofSeconds(1));
        }

        JsonNode asc = json(call("GET", api(e) + "/jobs?connectionId=" + CONN, null, "Authorization", BASIC));
        JsonNode desc = json(call("GET", api(e) + "/jobs?connectionId=" + CONN + "&jobType=sync&orderBy=createdAt%7CDESC&limit=2",
                null, "Authorization", BASIC));

        assertThat(asc.get("data").findValuesAsText("jobId")).containsExactly("1", "3", "5");
        assertThat(asc.has("next")).isFalse();
        assertThat(asc.has("previous")).isFalse();
        assertThat(desc.get("data").findValuesAsText("jobId")).containsExactly("5", "3");
        assertThat(desc.get("next").asText()).contains("offset=2").contains("limit=2").startsWith(e.baseUrl() + "/api/public/v1/jobs?");

        JsonNode page2 = json(call("GET", desc.get("next").asText(), null, "Authorization", BASIC));
        assertThat(page2.get("data").findValuesAsText("jobId")).containsExactly("1");
        assertThat(page2.get("previous").asText()).contains("offset=0");
        assertThat(page2.has("next")).isFalse();
    }

    @Test
    void shouldFilterJobListByStatusAndRejectAnInvalidOrderBy() {
        ManualClock clock = new ManualClock();
        AirbyteEmulator e = startEmulator(b -> b.clock(clock));
        e.addConnection(CONN, "succeeded");
        e.addConnection(CONN2, "running:1h,succeeded");
        triggerOk(e, CONN);
        triggerOk(e, CONN2);

        JsonNode running = json(call("GET", api(e) + "/jobs?status=running", null, "Authorization", BASIC));
        assertThat(running.get("data").findValuesAsText("connectionId")).containsExactly(CONN2);
        JsonNode byUpdate = json(call("GET", api(e) + "/jobs?orderBy=updatedAt%7CDESC", null, "Authorization", BASIC));
        assertThat(byUpdate.get("data")).hasSize(2);

        HttpResponse<String> bad = call("GET", api(e) + "/jobs?orderBy=startTime%7CDESC", null, "Authorization", BASIC);
        assertProblem(bad, 400, "bad-request");
        assertThat(json(bad).at("/data/message").asText()).isEqualTo("Invalid order by clause provided");
        assertProblem(call("GET", api(e) + "/jobs?orderBy=createdAt", null, "Authorization", BASIC), 400, "bad-request");
        assertProblem(call("GET", api(e) + "/jobs?limit=101", null, "Authorization", BASIC), 400, "bad-request");
    }

    @Test
    void shouldReturnAMinimalConnectionResponse() {
        airbyte.addConnection(CONN, "succeeded", false);

        HttpResponse<String> r = call("GET", api(airbyte) + "/connections/" + CONN, null, "Authorization", BASIC);

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode c = json(r);
        assertThat(c.get("connectionId").asText()).isEqualTo(CONN);
        assertThat(c.get("status").asText()).isEqualTo("inactive");
        assertThat(c.at("/schedule/scheduleType").asText()).isEqualTo("manual");
        assertThat(c.get("createdAt").isIntegralNumber()).isTrue();
        assertThat(c.get("tags").isArray()).isTrue();
        assertThat(c.get("configurations").isObject()).isTrue();
        for (String field : List.of("name", "sourceId", "destinationId", "workspaceId")) {
            assertThat(c.hasNonNull(field)).as(field).isTrue();
        }
    }

    @Test
    void shouldUseTheChangedScriptOnlyForFutureJobs() {
        ManualClock clock = new ManualClock();
        AirbyteEmulator e = startEmulator(b -> b.clock(clock));
        e.addConnection(CONN, "running:1s,failed");
        long first = triggerOk(e, CONN);
        e.setConnectionScript(CONN, "running:1s,succeeded");
        clock.advance(Duration.ofSeconds(1));
        long second = triggerOk(e, CONN);
        clock.advance(Duration.ofSeconds(1));

        assertThat(statusOf(e, first)).isEqualTo("failed");
        assertThat(statusOf(e, second)).isEqualTo("succeeded");
        assertThat(e.jobFinishedAt(first)).contains(Instant.parse("2026-11-23T10:15:31Z"));
        assertThat(e.jobFinishedAt(999)).isEmpty();
    }

    @Test
    void shouldRejectAnInvalidScript() {
        assertThatThrownBy(() -> airbyte.addConnection(CONN, "running:1s")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> airbyte.addConnection(CONN, "running:fast,succeeded")).isInstanceOf(IllegalArgumentException.class);
        assertThat(JobScript.parse("pending:1.5s,running:2m,queued:1h,succeeded").totalDuration())
                .isEqualTo(Duration.ofMillis(1500).plusMinutes(2).plusHours(1));
    }

    // ------------------------------------------------------------------------------------------- faults

    @Test
    void shouldAnswerTheFaultStatusWithRetryAfterForTheFirstNRequests() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        long jobId = triggerOk(airbyte, CONN);
        airbyte.faults().add(FaultRule.on("GET", "/jobs/\\d+").times(2).respond(429).retryAfter(3));

        HttpResponse<String> first = getJob(airbyte, jobId);
        HttpResponse<String> second = getJob(airbyte, jobId);
        HttpResponse<String> third = getJob(airbyte, jobId);

        assertThat(first.statusCode()).isEqualTo(429);
        assertThat(first.headers().firstValue("Retry-After")).contains("3");
        assertThat(json(first).get("message").asText()).isEqualTo("You are being rate limited.");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(airbyte.faults().injectedCount()).isEqualTo(2);
        assertThat(airbyte.requests()).extracting(RecordedRequest::faulted).containsExactly(false, true, true, false);
    }

    @Test
    void shouldAnswerAProblemBodyForAnInjected503AndCountTheFaultedTrigger() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        airbyte.faults().add(FaultRule.on("POST", "/jobs").times(1).respond(503).retryAfter(1));

        HttpResponse<String> r = trigger(airbyte, CONN);

        assertProblem(r, 503, "service-unavailable");
        assertThat(r.headers().firstValue("Retry-After")).contains("1");
        assertThat(airbyte.jobs()).isEmpty();
        assertThat(airbyte.triggerCount(CONN)).isEqualTo(1);
    }

    @Test
    void shouldDelayASlowAnswerAndThenHandleTheRequestNormally() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        airbyte.faults().add(FaultRule.on("*", "/jobs").times(1).delay(Duration.ofMillis(400)));

        long t0 = System.nanoTime();
        HttpResponse<String> r = trigger(airbyte, CONN);
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(elapsedMs).isGreaterThanOrEqualTo(400);
        assertThat(airbyte.jobs()).hasSize(1);
    }

    @Test
    void shouldDelayThenRespondWithTheFaultStatus() {
        airbyte.faults().add(FaultRule.on("GET", "/jobs").times(1).delay(Duration.ofMillis(300)).respond(504));

        long t0 = System.nanoTime();
        HttpResponse<String> r = call("GET", api(airbyte) + "/jobs", null, "Authorization", BASIC);

        assertThat(r.statusCode()).isEqualTo(504);
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(300);
    }

    @Test
    void shouldDropTheConnectionWithoutAnyResponse() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        airbyte.faults().add(FaultRule.on("POST", "/jobs").times(1).drop());
        airbyte.faults().add(FaultRule.on("GET", "/health").drop());

        assertThatThrownBy(() -> callOrThrow("POST", api(airbyte) + "/jobs",
                "{\"connectionId\":\"" + CONN + "\",\"jobType\":\"sync\"}", "Authorization", BASIC))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> callOrThrow("GET", airbyte.baseUrl() + "/health", null))
                .isInstanceOf(IOException.class);

        assertThat(airbyte.jobs()).isEmpty();
        assertThat(trigger(airbyte, CONN).statusCode()).isEqualTo(200);
        assertThat(airbyte.triggerCount(CONN)).isEqualTo(2);
        assertThat(airbyte.requests()).first().satisfies(req -> {
            assertThat(req.status()).isZero();
            assertThat(req.faulted()).isTrue();
        });
    }

    @Test
    void shouldCreateTheJobButAnswer500WhenTheFaultIsAfterProcessing() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        airbyte.faults().add(FaultRule.on("POST", "/jobs").times(1).afterProcessing().respond(500));

        HttpResponse<String> r = trigger(airbyte, CONN);

        assertProblem(r, 500, "unexpected-problem");
        assertThat(airbyte.jobs()).singleElement().satisfies(j -> {
            assertThat(j.connectionId()).isEqualTo(CONN);
            assertThat(j.status()).isEqualTo("running");
        });
        JsonNode listed = json(call("GET", api(airbyte) + "/jobs?connectionId=" + CONN + "&orderBy=createdAt%7CDESC",
                null, "Authorization", BASIC));
        assertThat(listed.get("data")).hasSize(1);
        assertProblem(trigger(airbyte, CONN), 409, "try-again-later");
        assertThat(airbyte.triggerCount(CONN)).isEqualTo(2);
    }

    @Test
    void shouldCreateTheJobAndThenDropTheConnectionWhenDropIsAfterProcessing() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        airbyte.faults().add(FaultRule.on("POST", "/jobs").times(1).afterProcessing().drop());

        assertThatThrownBy(() -> callOrThrow("POST", api(airbyte) + "/jobs",
                "{\"connectionId\":\"" + CONN + "\",\"jobType\":\"sync\"}", "Authorization", BASIC))
                .isInstanceOf(IOException.class);
        assertThat(airbyte.jobs()).hasSize(1);
    }

    @Test
    void shouldHoldATriggerUntilReleasedAndThenHandleIt() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        FaultRule hold = airbyte.faults().add(FaultRule.on("POST", "/jobs").times(1).hold());

        CompletableFuture<HttpResponse<String>> held = CompletableFuture.supplyAsync(() -> trigger(airbyte, CONN));
        await().atMost(Duration.ofSeconds(10)).until(() -> hold.heldCount() == 1);

        assertThat(airbyte.jobs()).as("not handled while held").isEmpty();
        assertThat(held).isNotDone();
        hold.release();
        HttpResponse<String> r = held.join();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(airbyte.jobs()).singleElement().satisfies(j -> assertThat(j.jobId())
                .isEqualTo(json(r).get("jobId").asLong()));
        assertThat(hold.heldCount()).isZero();
    }

    @Test
    void shouldCreateTheJobAtOnceAndHoldItsAnswerWhenTheHoldIsAfterProcessing() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        airbyte.addConnection(CONN2, "running:1h,succeeded");
        FaultRule hold = airbyte.faults().add(FaultRule.on("POST", "/jobs").times(1).afterProcessing().hold());

        CompletableFuture<HttpResponse<String>> held = CompletableFuture.supplyAsync(() -> trigger(airbyte, CONN));
        await().atMost(Duration.ofSeconds(10)).until(() -> hold.heldCount() == 1);

        assertThat(airbyte.jobs()).as("created before the answer").singleElement()
                .satisfies(j -> assertThat(j.connectionId()).isEqualTo(CONN));
        assertThat(held).isNotDone();
        assertThat(triggerOk(airbyte, CONN2)).as("the rule is used up: the next trigger is answered at once")
                .isPositive();
        hold.release();
        HttpResponse<String> r = held.join();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("jobId").asLong()).isEqualTo(airbyte.jobs().stream()
                .filter(j -> j.connectionId().equals(CONN)).findFirst().orElseThrow().jobId());
    }

    @Test
    void shouldAnswerAtOnceOnceAHoldIsReleasedAndRejectARuleThatDoesNothing() {
        airbyte.addConnection(CONN, "running:1h,succeeded");
        FaultRule hold = airbyte.faults().add(FaultRule.on("POST", "/jobs").hold());
        hold.release();

        assertThat(trigger(airbyte, CONN).statusCode()).isEqualTo(200);
        assertThat(hold.injectedCount()).isEqualTo(1);
        assertThatThrownBy(() -> airbyte.faults().add(FaultRule.on("GET", "/jobs").afterProcessing()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a fault rule needs respond(status), delay(duration), hold() or drop()");
    }

    @Test
    void shouldInjectFaultsAtASeededRateReproducibly() {
        AirbyteEmulator other = startEmulator(b -> { });
        for (AirbyteEmulator e : List.of(airbyte, other)) {
            e.faults().add(FaultRule.on("GET", "/health").rate(0.3).seed(42).respond(502));
        }

        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            a.add(call("GET", airbyte.baseUrl() + "/health", null).statusCode());
            b.add(call("GET", other.baseUrl() + "/health", null).statusCode());
        }

        assertThat(a).isEqualTo(b);
        long faulted = a.stream().filter(s -> s == 502).count();
        assertThat(faulted).isBetween(3L, 25L);
        assertThat(airbyte.faults().injectedCount()).isEqualTo(faulted);
        assertThat(airbyte.faults().rules()).singleElement()
                .satisfies(rule -> assertThat(rule.matchedCount()).isEqualTo(40));
    }

    @Test
    void shouldStopInjectingAfterClear() {
        airbyte.faults().add(FaultRule.on("*", ".*").respond(500));
        assertThat(call("GET", airbyte.baseUrl() + "/health", null).statusCode()).isEqualTo(500);

        airbyte.faults().clear();

        assertThat(call("GET", airbyte.baseUrl() + "/health", null).statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------- admin

    @Test
    void shouldBeDrivableThroughTheAdminEndpoints() {
        String admin = airbyte.baseUrl() + "/__emulator";

        HttpResponse<String> conn = call("POST", admin + "/connections",
                "{\"connectionId\":\"" + CONN + "\",\"script\":\"running:1h,succeeded\",\"active\":true,\"rowsSynced\":5,\"bytesSynced\":50}");
        assertThat(conn.statusCode()).isEqualTo(200);
        assertThat(json(conn).get("script").asText()).isEqualTo("running:1h,succeeded");
        HttpResponse<String> fault = call("POST", admin + "/faults",
                "{\"method\":\"POST\",\"path\":\"/jobs\",\"status\":500,\"afterProcessing\":true,\"times\":1}");
        assertThat(fault.statusCode()).isEqualTo(200);
        assertThat(json(fault).get("id").asLong()).isPositive();
        assertProblem(call("POST", admin + "/faults", "{\"method\":\"GET\"}"), 400, "bad-request");

        assertThat(trigger(airbyte, CONN).statusCode()).isEqualTo(500);
        token(airbyte);

        JsonNode requests = json(call("GET", admin + "/requests", null));
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).get("method").asText()).isEqualTo("POST");
        assertThat(requests.get(0).get("apiPath").asText()).isEqualTo("/jobs");
        assertThat(requests.get(0).get("status").asInt()).isEqualTo(500);
        assertThat(requests.get(0).get("fault").asBoolean()).isTrue();
        assertThat(requests.get(0).get("auth").asText()).isEqualTo("BASIC");
        assertThat(requests.get(0).get("connectionId").asText()).isEqualTo(CONN);

        JsonNode stats = json(call("GET", admin + "/stats", null));
        assertThat(stats.get("requests").asLong()).isEqualTo(2);
        assertThat(stats.get("tokenRequests").asLong()).isEqualTo(1);
        assertThat(stats.get("triggers").asLong()).isEqualTo(1);
        assertThat(stats.get("faultsInjected").asLong()).isEqualTo(1);
        assertThat(stats.at("/jobsByStatus/running").asLong()).isEqualTo(1);

        JsonNode jobs = json(call("GET", admin + "/jobs", null));
        assertThat(jobs.get(0).get("status").asText()).isEqualTo("running");
        long id = jobs.get(0).get("jobId").asLong();

        call("POST", admin + "/faults", "{\"path\":\"/jobs/\\\\d+\",\"status\":503}");
        assertThat(getJob(airbyte, id).statusCode()).isEqualTo(503);
        HttpResponse<String> cleared = call("DELETE", admin + "/faults", null);
        assertThat(json(cleared).get("cleared").asInt()).isEqualTo(2);
        assertThat(getJob(airbyte, id).statusCode()).isEqualTo(200);

        HttpResponse<String> settings = call("POST", admin + "/settings", "{\"requireAuth\":false,\"cancelDelayMs\":0}");
        assertThat(json(settings).get("requireAuth").asBoolean()).isFalse();
        assertThat(call("GET", api(airbyte) + "/jobs", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRevokeTokensThroughTheAdminEndpoint() {
        String token = token(airbyte);

        call("POST", airbyte.baseUrl() + "/__emulator/tokens/revoke", null);

        assertProblem(call("GET", api(airbyte) + "/jobs", null, "Authorization", "Bearer " + token), 401, "invalid-api-key");
    }

    @Test
    void shouldServeRequestsOnNamedDaemonWorkerThreads() {
        assertThat(call("GET", airbyte.baseUrl() + "/health", null).statusCode()).isEqualTo(200);

        assertThat(Thread.getAllStackTraces().keySet())
                .filteredOn(t -> t.getName().startsWith("airbyte-emulator-"))
                .isNotEmpty()
                .allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
    }

    @Test
    void shouldKeepManyJobsCheap() {
        ManualClock clock = new ManualClock();
        AirbyteEmulator e = startEmulator(b -> b.clock(clock));
        e.addConnection(CONN, "pending:1s,running:5s,succeeded");
        for (int i = 0; i < 500; i++) {
            triggerOk(e, CONN);
            clock.advance(Duration.ofSeconds(6));
        }

        assertThat(e.jobs()).hasSize(500).allSatisfy(j -> assertThat(j.status()).isEqualTo("succeeded"));
        assertThat(e.stats().get("jobs")).isEqualTo(500L);
    }
}
