package io.syncrunner.devtools.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class FivetranEmulatorTest extends EmulatorTestSupport {

    private static final String KEY = "api-key-1";
    private static final String SECRET = "api-secret-1";
    private static final String KEY2 = "api-key-2";
    private static final String SECRET2 = "api-secret-2";
    private static final String CONN = "quiet_sunset";
    private static final String CONN2 = "loud_sunrise";
    private static final String GROUP = "warehouse_group";
    private static final String GROUP2 = "other_group";
    private static final String V2 = "application/json;version=2";
    /** A timestamp as the live API writes it: UTC, exactly six fractional digits. */
    private static final String MICROS_TIMESTAMP = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z";

    private final ManualClock clock = new ManualClock();
    private FivetranEmulator fivetran;

    /** A webhook receiver on 127.0.0.1 recording what it got. */
    static final class Receiver implements AutoCloseable {
        record Hit(Map<String, List<String>> headers, byte[] body) {
            String header(String name) {
                return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                        .map(e -> e.getValue().get(0)).findFirst().orElse(null);
            }

            JsonNode json() {
                try {
                    return JSON.readTree(body);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        }

        final List<Hit> hits = new CopyOnWriteArrayList<>();
        final AtomicInteger answer = new AtomicInteger(200);
        private final HttpServer server;

        Receiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/hook", ex -> {
                hits.add(new Hit(Map.copyOf(ex.getRequestHeaders()), ex.getRequestBody().readAllBytes()));
                ex.sendResponseHeaders(answer.get(), -1);
                ex.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @BeforeEach
    void startDefault() {
        fivetran = startEmulator(b -> b.clock(clock));
    }

    private FivetranEmulator startEmulator(Consumer<FivetranEmulator.Builder> settings) {
        FivetranEmulator.Builder b = FivetranEmulator.builder().port(0).apiKey(KEY, SECRET).apiKey(KEY2, SECRET2);
        settings.accept(b);
        return closeAfterTest(b.build().start());
    }

    private Receiver receiver() throws IOException {
        return closeAfterTest(new Receiver());
    }

    // ------------------------------------------------------------------------------------------- HTTP helpers

    private static String basic(String key, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    /** A raw call: only the given headers are sent. */
    private HttpResponse<String> raw(FivetranEmulator e, String method, String path, String body, String... headers)
            throws IOException {
        return send(method, e.baseUrl() + path, body, headers);
    }

    /** A well-formed API call (Basic auth, Accept v2, JSON content type for POST/PATCH). */
    private HttpResponse<String> api(FivetranEmulator e, String method, String path, String body) {
        try {
            if ("POST".equals(method) || "PATCH".equals(method)) {
                return raw(e, method, path, body, "Authorization", basic(KEY, SECRET), "Accept", V2,
                        "Content-Type", "application/json");
            }
            return raw(e, method, path, body, "Authorization", basic(KEY, SECRET), "Accept", V2);
        } catch (IOException ex) {
            throw new AssertionError("request failed: " + method + " " + path, ex);
        }
    }

    private HttpResponse<String> api(String method, String path, String body) {
        return api(fivetran, method, path, body);
    }

    private HttpResponse<String> sync(String id, String body) {
        return api("POST", "/v1/connections/" + id + "/sync", body);
    }

    private HttpResponse<String> resync(String id, String body) {
        return api("POST", "/v1/connections/" + id + "/resync", body);
    }

    private JsonNode connector(FivetranEmulator e, String id) {
        HttpResponse<String> r = api(e, "GET", "/v1/connections/" + id, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode n = json(r);
        assertThat(n.get("code").asText()).isEqualTo("Success");
        return n.get("data");
    }

    private JsonNode connector(String id) {
        return connector(fivetran, id);
    }

    private static void assertError(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode n = json(r);
        assertThat(n.get("code").asText()).isEqualTo(code);
        assertThat(n.get("message").asText()).isNotBlank();
    }

    private static void assertTriggered(HttpResponse<String> r, String id) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("code").asText()).isEqualTo("Success");
        assertThat(json(r).get("message").asText())
                .isEqualTo("Sync has been successfully triggered for connection with id '" + id + "'");
    }

    private static String syncState(JsonNode data) {
        return data.get("status").get("sync_state").asText();
    }

    private static String hmacHex(String secret, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    private HttpResponse<String> createWebhook(FivetranEmulator e, String path, String url, boolean active,
                                               String secret) {
        String body = "{\"url\":\"" + url + "\",\"events\":[\"sync_start\",\"sync_end\"],\"active\":" + active
                + (secret == null ? "" : ",\"secret\":\"" + secret + "\"") + "}";
        return api(e, "POST", path, body);
    }

    // ------------------------------------------------------------------------------------------- auth and headers

    @Test
    void shouldAnswer401AuthFailedForMissingOrWrongCredentialsAndRecordTheAuthKind() throws IOException {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        String path = "/v1/connections/" + CONN;

        assertError(raw(fivetran, "GET", path, null, "Accept", V2), 401, "AuthFailed");
        assertError(raw(fivetran, "GET", path, null, "Accept", V2, "Authorization", basic(KEY, "wrong")), 401,
                "AuthFailed");
        assertError(raw(fivetran, "GET", path, null, "Accept", V2, "Authorization", "Bearer " + KEY), 401,
                "AuthFailed");
        assertThat(raw(fivetran, "GET", path, null, "Accept", V2, "Authorization", basic(KEY2, SECRET2))
                .statusCode()).isEqualTo(200);

        assertThat(fivetran.requests()).extracting(RecordedRequest::auth)
                .containsExactly(AuthKind.NONE, AuthKind.INVALID, AuthKind.INVALID, AuthKind.BASIC);
    }

    @Test
    void shouldAnswerAccountInfoInTheVendorsShapeToAnAuthenticatedCallerOnly() throws IOException {
        // GET /v1/account/info: {code, message, data: AccountInfoResponse (account_id required)}
        HttpResponse<String> r = api("GET", "/v1/account/info", null);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode n = json(r);
        assertThat(n.get("code").asText()).isEqualTo("Success");
        assertThat(n.get("message").asText()).isNotBlank();
        assertThat(n.get("data").get("account_id").asText()).isNotBlank();
        assertThat(n.get("data").get("account_name").isTextual()).isTrue();
        assertError(raw(fivetran, "GET", "/v1/account/info", null, "Accept", V2), 401, "AuthFailed");
        assertError(raw(fivetran, "GET", "/v1/account/info", null, "Accept", V2, "Authorization", basic(KEY, "wrong")),
                401, "AuthFailed");
        assertError(api("POST", "/v1/account/info", "{}"), 405, "MethodNotAllowed");
    }

    @Test
    void shouldAnswer406WithoutAJsonAcceptHeaderAndAcceptBothJsonVariants() throws IOException {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        String path = "/v1/connections/" + CONN;
        String auth = basic(KEY, SECRET);

        assertError(raw(fivetran, "GET", path, null, "Authorization", auth), 406, "NotAcceptable");
        assertError(raw(fivetran, "GET", path, null, "Authorization", auth, "Accept", "text/html"), 406,
                "NotAcceptable");
        assertThat(raw(fivetran, "GET", path, null, "Authorization", auth, "Accept", "application/json")
                .statusCode()).isEqualTo(200);
        assertThat(raw(fivetran, "GET", path, null, "Authorization", auth, "Accept", "application/json; version=2")
                .statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer415ForPostAndPatchWithoutJsonContentTypeAndStartNoSync() throws IOException {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        String auth = basic(KEY, SECRET);

        assertError(raw(fivetran, "POST", "/v1/connections/" + CONN + "/sync", "{}", "Authorization", auth,
                "Accept", V2), 415, "UnsupportedMediaType");
        assertError(raw(fivetran, "PATCH", "/v1/connections/" + CONN, "{\"paused\":true}", "Authorization", auth,
                "Accept", V2, "Content-Type", "text/plain"), 415, "UnsupportedMediaType");
        assertThat(raw(fivetran, "POST", "/v1/connections/" + CONN + "/sync", "{}", "Authorization", auth,
                "Accept", V2, "Content-Type", "application/json;version=2").statusCode()).isEqualTo(200);

        assertThat(fivetran.runs(CONN)).hasSize(1);
        assertThat(fivetran.triggerCount(CONN)).isEqualTo(2);
    }

    @Test
    void shouldAnswer404NotFoundConnectorForAnUnknownConnectorAnd405ForAWrongMethod() {
        HttpResponse<String> r = api("GET", "/v1/connections/nope", null);

        assertError(r, 404, "NotFound_Connector");
        assertThat(json(r).get("message").asText()).isEqualTo("Connector with id 'nope' does not exist.");
        assertError(sync("nope", "{}"), 404, "NotFound_Connector");
        assertError(api("DELETE", "/v1/connections/nope/sync", null), 405, "MethodNotAllowed");
        assertError(api("GET", "/v1/unknown", null), 404, "NotFound");
    }

    // ------------------------------------------------------------------------------------------- connector details

    @Test
    void shouldReturnTheSpecRequiredConnectorFieldsAndOmitNeverSetTimestamps() {
        fivetran.addConnector(EmulatedConnector.of(CONN, GROUP).script("syncing:1s,succeeded").schema("pg_main")
                .scheduleType("manual").syncFrequency(60));

        JsonNode data = connector(CONN);

        assertThat(data.get("id").asText()).isEqualTo(CONN);
        assertThat(data.get("group_id").asText()).isEqualTo(GROUP);
        assertThat(data.get("service").asText()).isEqualTo("postgres");
        assertThat(data.get("schema").asText()).isEqualTo("pg_main");
        assertThat(data.get("paused").asBoolean()).isFalse();
        assertThat(data.get("schedule_type").asText()).isEqualTo("manual");
        assertThat(data.get("sync_frequency").isInt()).isTrue();
        assertThat(data.get("sync_frequency").asInt()).isEqualTo(60);
        assertThat(data.get("created_at").asText()).isEqualTo("2026-11-23T10:15:30.000000Z");
        for (String required : List.of("service_version", "pause_after_trial", "data_delay_sensitivity")) {
            assertThat(data.has(required)).as(required).isTrue();
        }
        assertThat(data.has("succeeded_at")).isFalse();
        assertThat(data.has("failed_at")).isFalse();
        JsonNode status = data.get("status");
        assertThat(status.get("setup_state").asText()).isEqualTo("connected");
        assertThat(status.get("sync_state").asText()).isEqualTo("scheduled");
        assertThat(status.get("update_state").asText()).isEqualTo("on_schedule");
        assertThat(status.get("is_historical_sync").asBoolean()).isFalse();
        assertThat(status.has("rescheduled_for")).isFalse();
        assertThat(status.get("tasks").isArray()).isTrue();
        assertThat(status.get("warnings").isArray()).isTrue();
    }

    @Test
    void shouldSendExplicitNullTimestampsLikeTheLiveApiWhenAskedTo() {
        FivetranEmulator live = startEmulator(b -> b.nullTimestamps(true));
        live.addConnector(CONN, GROUP, "syncing:1s,succeeded");

        JsonNode data = connector(live, CONN);

        assertThat(data.get("succeeded_at").isNull()).isTrue();
        assertThat(data.get("failed_at").isNull()).isTrue();
    }

    @Test
    void shouldServeTheConnectorsPathAsAnAliasOfConnections() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");

        assertTriggered(api("POST", "/v1/connectors/" + CONN + "/sync", "{}"), CONN);

        assertThat(api("GET", "/v1/connectors/" + CONN, null).statusCode()).isEqualTo(200);
        assertThat(fivetran.triggerCount(CONN)).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------------- sync lifecycle

    @Test
    void shouldMoveFromScheduledToSyncingAndSetSucceededAtAtTheEndOfTheRun() {
        fivetran.addConnector(CONN, GROUP, "syncing:2s,succeeded");
        Instant start = clock.instant();

        assertTriggered(sync(CONN, "{\"force\":false}"), CONN);
        assertThat(syncState(connector(CONN))).isEqualTo("syncing");

        clock.advance(Duration.ofMillis(1999));
        assertThat(syncState(connector(CONN))).isEqualTo("syncing");
        assertThat(connector(CONN).has("succeeded_at")).isFalse();

        clock.advance(Duration.ofMillis(1));
        JsonNode data = connector(CONN);
        assertThat(syncState(data)).isEqualTo("scheduled");
        assertThat(Instant.parse(data.get("succeeded_at").asText())).isEqualTo(start.plusSeconds(2));
        assertThat(fivetran.runs(CONN)).singleElement().satisfies(run -> {
            assertThat(run.outcome()).isEqualTo("succeeded");
            assertThat(run.startedAt()).isEqualTo(start);
            assertThat(run.endedAt()).isEqualTo(start.plusSeconds(2));
        });

        clock.advance(Duration.ofSeconds(10));
        assertTriggered(sync(CONN, null), CONN);
        clock.advance(Duration.ofSeconds(2));
        assertThat(Instant.parse(connector(CONN).get("succeeded_at").asText())).isEqualTo(start.plusSeconds(14));
    }

    private JsonNode history(String connectorId, String query) {
        HttpResponse<String> r = api(fivetran, "GET", "/v1/connections/" + connectorId + "/sync-history"
                + (query == null ? "" : "?" + query), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("code").asText()).isEqualTo("Success");
        return json(r).get("data");
    }

    @Test
    void shouldServeOneSyncHistoryRecordPerRunNewestFirstWithSyncIdTimesStatusAndReason() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,failed");
        Instant start = clock.instant();
        sync(CONN, "{}");
        clock.advance(Duration.ofSeconds(1));
        fivetran.setConnectorScript(CONN, "syncing:2s,succeeded");
        clock.advance(Duration.ofSeconds(1));
        sync(CONN, "{}");
        clock.advance(Duration.ofSeconds(1));

        JsonNode running = history(CONN, null).get("items");
        assertThat(running).hasSize(2);
        List<FivetranSyncRun> runs = fivetran.runs(CONN);
        assertThat(running.get(0).get("sync_id").asText()).isEqualTo(runs.get(1).syncId());
        assertThat(running.get(0).get("status").asText()).isEqualTo("running");
        assertThat(running.get(0).get("end_time").isNull()).isTrue();
        assertThat(running.get(0).get("start_time").asText()).matches(MICROS_TIMESTAMP);
        assertThat(Instant.parse(running.get(0).get("start_time").asText())).isEqualTo(start.plusSeconds(2));
        assertThat(running.get(1).get("sync_id").asText()).isEqualTo(runs.get(0).syncId());
        assertThat(running.get(1).get("status").asText()).isEqualTo("failed");
        assertThat(running.get(1).get("reason").asText()).isNotBlank();
        assertThat(Instant.parse(running.get(1).get("end_time").asText())).isEqualTo(start.plusSeconds(1));

        clock.advance(Duration.ofSeconds(1));
        JsonNode ended = history(CONN, null).get("items").get(0);
        assertThat(ended.get("status").asText()).isEqualTo("succeeded");
        assertThat(Instant.parse(ended.get("end_time").asText())).isEqualTo(start.plusSeconds(4));
        assertThat(ended.get("reason").isNull()).isTrue();
    }

    @Test
    void shouldServeTheSyncHistoryOfTheGivenWindowOnlyDefaultingToTheLastHour() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        Instant first = clock.instant();
        sync(CONN, "{}");
        clock.advance(Duration.ofHours(2));
        Instant second = clock.instant();
        sync(CONN, "{}");
        clock.advance(Duration.ofSeconds(5));

        assertThat(history(CONN, null).get("items")).as("the last hour by default").singleElement()
                .satisfies(r -> assertThat(Instant.parse(r.get("start_time").asText())).isEqualTo(second));
        assertThat(history(CONN, "start_time=" + first + "&end_time=" + first.plusSeconds(1)).get("items"))
                .singleElement()
                .satisfies(r -> assertThat(Instant.parse(r.get("start_time").asText())).isEqualTo(first));
        assertThat(history(CONN, "start_time=" + first.plusNanos(1000)).get("items"))
                .as("start_time is inclusive at microseconds; end_time defaults to an hour after it").isEmpty();
        assertThat(history(CONN, "end_time=" + second.plusSeconds(1)).get("items")).hasSize(1);
        assertThat(history(CONN, "start_time=" + first + "&end_time=" + second).get("items"))
                .as("both ends are inclusive").hasSize(2);
        assertThat(history(CONN, "start_time=" + first + "&end_time=" + second.minusNanos(1000)).get("items"))
                .hasSize(1);
    }

    @Test
    void shouldAnswer400ForASyncHistoryWindowOverSevenDaysOrEndingBeforeItStartsOrBadTimes() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        Instant now = clock.instant();
        String path = "/v1/connections/" + CONN + "/sync-history?";

        assertError(api(fivetran, "GET", path + "start_time=" + now.minus(Duration.ofDays(7)).minusSeconds(1)
                + "&end_time=" + now, null), 400, "InvalidInput");
        assertThat(api(fivetran, "GET", path + "start_time=" + now.minus(Duration.ofDays(7)) + "&end_time=" + now,
                null).statusCode()).as("exactly 7 days is allowed").isEqualTo(200);
        assertError(api(fivetran, "GET", path + "start_time=" + now + "&end_time=" + now, null), 400, "InvalidInput");
        assertError(api(fivetran, "GET", path + "start_time=yesterday", null), 400, "InvalidInput");
        assertError(api(fivetran, "GET", path + "limit=0", null), 400, "InvalidInput");
        assertError(api(fivetran, "GET", "/v1/connections/nope/sync-history", null), 404, "NotFound_Connector");
        assertError(api(fivetran, "POST", "/v1/connections/" + CONN + "/sync-history", "{}"), 405,
                "MethodNotAllowed");
    }

    @Test
    void shouldPageTheSyncHistoryWithLimitAndNextCursor() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        for (int i = 0; i < 3; i++) {
            sync(CONN, "{}");
            clock.advance(Duration.ofSeconds(2));
        }

        JsonNode first = history(CONN, "limit=2");
        assertThat(first.get("items")).hasSize(2);
        JsonNode second = history(CONN, "limit=2&cursor=" + first.get("next_cursor").asText());
        assertThat(second.get("items")).hasSize(1);
        assertThat(second.has("next_cursor")).isFalse();
        List<String> ids = new java.util.ArrayList<>();
        first.get("items").forEach(r -> ids.add(r.get("sync_id").asText()));
        second.get("items").forEach(r -> ids.add(r.get("sync_id").asText()));
        List<String> newestFirst = new java.util.ArrayList<>(fivetran.runs(CONN).stream()
                .map(FivetranSyncRun::syncId).toList());
        java.util.Collections.reverse(newestFirst);
        assertThat(ids).containsExactlyElementsOf(newestFirst);
    }

    @Test
    void shouldAnswer404Or403ForTheSyncHistoryWhenSwitchedOffAndServeItAgainWhenSwitchedOn() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        sync(CONN, "{}");
        String path = "/v1/connections/" + CONN + "/sync-history";

        fivetran.setSyncHistoryRefusal(404);
        assertError(api(fivetran, "GET", path, null), 404, "NotFound");
        fivetran.setSyncHistoryRefusal(403);
        assertError(api(fivetran, "GET", path, null), 403, "Forbidden");
        fivetran.setSyncHistoryRefusal(0);
        assertThat(history(CONN, null).get("items")).hasSize(1);
        assertThatThrownBy(() -> fivetran.setSyncHistoryRefusal(500)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("403, 404 or 0");
    }

    @Test
    void shouldRecordARunStoppedByAForcedSyncAsCancelledInTheSyncHistory() {
        fivetran.addConnector(CONN, GROUP, "syncing:2s,succeeded");
        sync(CONN, "{}");
        clock.advance(Duration.ofSeconds(1));
        sync(CONN, "{\"force\":true}");

        JsonNode items = history(CONN, null).get("items");
        assertThat(items).extracting(r -> r.get("status").asText()).containsExactly("running", "cancelled");
        assertThat(items.get(1).get("end_time").isNull()).isFalse();
    }

    @Test
    void shouldSetFailedAtOnFailureAndKeepItAfterALaterSuccess() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,failed");
        Instant start = clock.instant();
        sync(CONN, "{}");
        clock.advance(Duration.ofSeconds(1));
        JsonNode failed = connector(CONN);
        assertThat(Instant.parse(failed.get("failed_at").asText())).isEqualTo(start.plusSeconds(1));
        assertThat(failed.has("succeeded_at")).isFalse();

        fivetran.setConnectorScript(CONN, "syncing:1s,succeeded");
        clock.advance(Duration.ofSeconds(5));
        sync(CONN, "{}");
        clock.advance(Duration.ofSeconds(1));

        JsonNode data = connector(CONN);
        assertThat(Instant.parse(data.get("succeeded_at").asText())).isEqualTo(start.plusSeconds(7));
        assertThat(Instant.parse(data.get("failed_at").asText())).isEqualTo(start.plusSeconds(1));
        assertThat(fivetran.runs(CONN)).extracting(FivetranSyncRun::outcome).containsExactly("failed", "succeeded");
    }

    @Test
    void shouldUseInitialTimestampsFromTheDefinition() {
        Instant ok = Instant.parse("2026-01-01T00:00:00Z");
        Instant bad = Instant.parse("2026-01-02T00:00:00Z");
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded", false, "auto", "connected", ok, bad);

        JsonNode data = connector(CONN);

        assertThat(data.get("succeeded_at").asText()).isEqualTo("2026-01-01T00:00:00.000000Z");
        assertThat(data.get("failed_at").asText()).isEqualTo("2026-01-02T00:00:00.000000Z");
    }

    @Test
    void shouldAnswer409WhileSyncingWithoutForceAndRestartTheSyncWithForce() {
        fivetran.addConnector(CONN, GROUP, "syncing:2s,succeeded");
        Instant start = clock.instant();
        sync(CONN, "{}");
        clock.advance(Duration.ofSeconds(1));

        HttpResponse<String> conflict = sync(CONN, "{\"force\":false}");
        assertError(conflict, 409, "Conflict");
        assertThat(json(conflict).get("message").asText()).contains("sync already in progress");
        assertError(sync(CONN, ""), 409, "Conflict");

        assertTriggered(sync(CONN, "{\"force\":true}"), CONN);
        clock.advance(Duration.ofMillis(1500));
        assertThat(syncState(connector(CONN))).as("the restarted run takes 2s again").isEqualTo("syncing");
        clock.advance(Duration.ofMillis(500));

        assertThat(Instant.parse(connector(CONN).get("succeeded_at").asText())).isEqualTo(start.plusSeconds(3));
        assertThat(fivetran.runs(CONN)).extracting(FivetranSyncRun::outcome).containsExactly("restarted", "succeeded");
        assertThat(fivetran.triggerCount(CONN)).isEqualTo(4);
    }

    @Test
    void shouldStayRescheduledWithManualScheduleUntilTheNextSyncCall() {
        fivetran.addConnector(CONN, GROUP, "syncing:500ms,rescheduled:1s,syncing:1s,succeeded", false, "manual");
        Instant start = clock.instant();
        sync(CONN, "{}");

        clock.advance(Duration.ofMillis(500));
        JsonNode rescheduled = connector(CONN);
        assertThat(syncState(rescheduled)).isEqualTo("rescheduled");
        assertThat(Instant.parse(rescheduled.get("status").get("rescheduled_for").asText()))
                .isEqualTo(start.plusMillis(1500));

        clock.advance(Duration.ofHours(1));
        assertThat(syncState(connector(CONN))).as("manual: never continues by itself").isEqualTo("rescheduled");
        assertThat(fivetran.runs(CONN)).singleElement().satisfies(r -> assertThat(r.ended()).isFalse());

        assertTriggered(sync(CONN, "{\"force\":false}"), CONN);
        assertThat(syncState(connector(CONN))).isEqualTo("syncing");
        assertThat(connector(CONN).get("status").has("rescheduled_for")).isFalse();
        Instant resumed = clock.instant();
        clock.advance(Duration.ofSeconds(1));

        JsonNode done = connector(CONN);
        assertThat(syncState(done)).isEqualTo("scheduled");
        assertThat(Instant.parse(done.get("succeeded_at").asText())).isEqualTo(resumed.plusSeconds(1));
        assertThat(fivetran.runs(CONN)).hasSize(1);
    }

    @Test
    void shouldContinueARescheduledSyncByItselfWithAutoSchedule() {
        fivetran.addConnector(CONN, GROUP, "syncing:500ms,rescheduled:1s,syncing:1s,succeeded", false, "auto");
        Instant start = clock.instant();
        sync(CONN, "{}");

        clock.advance(Duration.ofMillis(700));
        assertThat(syncState(connector(CONN))).isEqualTo("rescheduled");
        clock.advance(Duration.ofMillis(800));
        assertThat(syncState(connector(CONN))).isEqualTo("syncing");
        clock.advance(Duration.ofSeconds(1));

        assertThat(Instant.parse(connector(CONN).get("succeeded_at").asText())).isEqualTo(start.plusMillis(2500));
    }

    @Test
    void shouldAcceptButIgnoreASyncOfAPausedConnector() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded", true, "manual");

        assertTriggered(sync(CONN, "{}"), CONN);

        JsonNode data = connector(CONN);
        assertThat(data.get("paused").asBoolean()).isTrue();
        assertThat(syncState(data)).isEqualTo("paused");
        assertThat(fivetran.runs(CONN)).isEmpty();
        assertThat(fivetran.stats()).containsEntry("ignoredTriggers", 1L);
    }

    @Test
    void shouldAnswer400InvalidStateForBrokenOrIncompleteConnectors() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded", false, "auto", "broken", null, null);
        fivetran.addConnector(CONN2, GROUP, "syncing:1s,succeeded", false, "auto", "incomplete", null, null);

        HttpResponse<String> broken = sync(CONN, "{}");
        assertError(broken, 400, "InvalidState");
        assertThat(json(broken).get("message").asText()).contains("broken");
        assertError(sync(CONN2, "{\"force\":true}"), 400, "InvalidState");
        assertError(resync(CONN, null), 400, "InvalidState");
        assertThat(connector(CONN).get("status").get("setup_state").asText()).isEqualTo("broken");

        fivetran.setSetupState(CONN, "connected");
        assertTriggered(sync(CONN, "{}"), CONN);
    }

    @Test
    void shouldAnswer400ForAMalformedSyncBody() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");

        assertError(sync(CONN, "{\"force\":\"yes\"}"), 400, "InvalidInput");
        assertError(sync(CONN, "not json"), 400, "InvalidInput");
        assertThat(fivetran.runs(CONN)).isEmpty();
    }

    // ------------------------------------------------------------------------------------------- resync

    @Test
    void shouldValidateTheResyncScope() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");

        assertError(resync(CONN, "{\"scope\":{}}"), 400, "InvalidInput");
        assertError(resync(CONN, "{\"scope\":{\"public\":[]}}"), 400, "InvalidInput");
        assertError(resync(CONN, "{\"scope\":{\"public\":[1]}}"), 400, "InvalidInput");
        assertError(resync(CONN, "{\"scope\":[\"public\"]}"), 400, "InvalidInput");
        assertThat(fivetran.runs(CONN)).isEmpty();

        assertTriggered(resync(CONN, "{\"scope\":{\"public\":[\"orders\",\"customers\"]}}"), CONN);
        assertThat(connector(CONN).get("status").get("is_historical_sync").asBoolean()).isTrue();
        assertError(resync(CONN, null), 409, "Conflict");

        clock.advance(Duration.ofSeconds(1));
        JsonNode data = connector(CONN);
        assertThat(data.get("status").get("is_historical_sync").asBoolean()).isFalse();
        assertThat(data.has("succeeded_at")).isTrue();
        assertThat(fivetran.runs(CONN)).singleElement().satisfies(r -> assertThat(r.historical()).isTrue());
        assertThat(fivetran.triggerCount(CONN)).isEqualTo(6);
    }

    @Test
    void shouldDeferAResyncOfAPausedConnectorUntilItIsResumed() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded", true, "manual");

        assertTriggered(resync(CONN, "{}"), CONN);
        assertThat(fivetran.runs(CONN)).isEmpty();
        assertThat(connector(CONN).get("status").get("is_historical_sync").asBoolean()).isTrue();

        JsonNode resumed = json(api("PATCH", "/v1/connections/" + CONN, "{\"paused\":false}")).get("data");

        assertThat(syncState(resumed)).isEqualTo("syncing");
        assertThat(fivetran.runs(CONN)).singleElement().satisfies(r -> assertThat(r.historical()).isTrue());
    }

    // ------------------------------------------------------------------------------------------- PATCH

    @Test
    void shouldPatchPausedAndScheduleTypeAndReturnTheUpdatedConnector() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");

        HttpResponse<String> r = api("PATCH", "/v1/connections/" + CONN,
                "{\"paused\":true,\"schedule_type\":\"manual\",\"run_setup_tests\":false}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode n = json(r);
        assertThat(n.get("code").asText()).isEqualTo("Success");
        assertThat(n.get("data").get("paused").asBoolean()).isTrue();
        assertThat(n.get("data").get("schedule_type").asText()).isEqualTo("manual");
        assertThat(syncState(n.get("data"))).isEqualTo("paused");
        assertThat(connector(CONN).get("paused").asBoolean()).isTrue();

        JsonNode unpaused = json(api("PATCH", "/v1/connections/" + CONN, "{\"paused\":false}")).get("data");
        assertThat(unpaused.get("paused").asBoolean()).isFalse();
        assertThat(syncState(unpaused)).isEqualTo("scheduled");
    }

    @Test
    void shouldRejectAPatchWithoutPersistentFieldsOrWithInvalidValues() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        String path = "/v1/connections/" + CONN;

        assertError(api("PATCH", path, "{}"), 400, "InvalidInput");
        assertError(api("PATCH", path, "{\"run_setup_tests\":true}"), 400, "InvalidInput");
        assertError(api("PATCH", path, "{\"schedule_type\":\"sometimes\"}"), 400, "InvalidInput");
        assertError(api("PATCH", path, "{\"paused\":\"yes\"}"), 400, "InvalidInput");
        assertError(api("PATCH", path, "{\"pause\":true}"), 400, "InvalidInput");
        assertError(api("PATCH", "/v1/connections/nope", "{\"paused\":true}"), 404, "NotFound_Connector");
        assertThat(connector(CONN).get("schedule_type").asText()).isEqualTo("auto");
    }

    @Test
    void shouldLetARescheduledSyncContinueWhenSwitchedFromManualToAuto() {
        fivetran.addConnector(CONN, GROUP, "rescheduled:1s,syncing:1s,succeeded", false, "manual");
        sync(CONN, "{}");
        clock.advance(Duration.ofSeconds(5));
        assertThat(syncState(connector(CONN))).isEqualTo("rescheduled");

        JsonNode data = json(api("PATCH", "/v1/connections/" + CONN, "{\"schedule_type\":\"auto\"}")).get("data");

        assertThat(syncState(data)).isEqualTo("syncing");
        clock.advance(Duration.ofSeconds(1));
        assertThat(connector(CONN).has("succeeded_at")).isTrue();
    }

    // ------------------------------------------------------------------------------------------- webhooks

    @Test
    void shouldCreateListAndDeleteWebhooksWithAMaskedSecret() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");

        HttpResponse<String> account = createWebhook(fivetran, "/v1/webhooks/account", "https://hooks.example.com/ft",
                true, "s3cret");
        HttpResponse<String> group = createWebhook(fivetran, "/v1/webhooks/group/" + GROUP, "http://127.0.0.1:9/x",
                false, null);

        assertThat(account.statusCode()).as(account.body()).isEqualTo(200);
        JsonNode a = json(account);
        assertThat(a.get("message").asText()).isEqualTo("Account webhook has been created");
        assertThat(a.get("data").get("type").asText()).isEqualTo("account");
        assertThat(a.get("data").get("secret").asText()).isEqualTo("******");
        assertThat(a.get("data").get("active").asBoolean()).isTrue();
        assertThat(a.get("data").has("group_id")).isFalse();
        for (String required : List.of("id", "url", "events", "created_at", "created_by")) {
            assertThat(a.get("data").has(required)).as(required).isTrue();
        }
        JsonNode g = json(group).get("data");
        assertThat(g.get("type").asText()).isEqualTo("group");
        assertThat(g.get("group_id").asText()).isEqualTo(GROUP);

        JsonNode list = json(api("GET", "/v1/webhooks", null));
        assertThat(list.get("data").get("items")).hasSize(2);
        assertThat(api("DELETE", "/v1/webhooks/" + g.get("id").asText(), null).statusCode()).isEqualTo(200);
        assertThat(json(api("GET", "/v1/webhooks", null)).get("data").get("items")).hasSize(1);
        assertError(api("GET", "/v1/webhooks/nope", null), 404, "NotFound_Webhook");
    }

    @Test
    void shouldPageTheWebhookListWithLimitAndNextCursor() {
        for (int i = 0; i < 3; i++) {
            assertThat(createWebhook(fivetran, "/v1/webhooks/account", "https://hooks.example.com/" + i, false, null)
                    .statusCode()).isEqualTo(200);
        }

        JsonNode first = json(api("GET", "/v1/webhooks?limit=2", null));
        String cursor = first.get("data").get("next_cursor").asText();
        JsonNode second = json(api("GET", "/v1/webhooks?limit=2&cursor=" + cursor, null));

        assertThat(first.get("code").asText()).isEqualTo("Success");
        assertThat(first.get("data").get("items").findValuesAsText("url"))
                .containsExactly("https://hooks.example.com/0", "https://hooks.example.com/1");
        assertThat(cursor).isEqualTo("eyJza2lwIjoyfQ"); // {"skip":2}, the spec's example cursor
        assertThat(second.get("data").get("items").findValuesAsText("url")).containsExactly("https://hooks.example.com/2");
        assertThat(second.get("data").has("next_cursor")).as("no next page").isFalse();
        assertThat(json(api("GET", "/v1/webhooks", null)).get("data").get("items")).hasSize(3);
        assertError(api("GET", "/v1/webhooks?limit=0", null), 400, "InvalidInput");
        assertError(api("GET", "/v1/webhooks?limit=1001", null), 400, "InvalidInput");
        assertError(api("GET", "/v1/webhooks?cursor=not-a-cursor", null), 400, "InvalidInput");
    }

    @Test
    void shouldListTheConnectionsOfAGroupInPagesByGroupIdOrGroupPath() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        fivetran.addConnector(CONN2, GROUP, "syncing:1s,succeeded");
        fivetran.addConnector("third_one", GROUP2, "syncing:1s,succeeded");

        JsonNode byQuery = json(api("GET", "/v1/connections?group_id=" + GROUP + "&limit=1", null));
        JsonNode next = json(api("GET", "/v1/connections?group_id=" + GROUP + "&limit=1&cursor="
                + byQuery.get("data").get("next_cursor").asText(), null));
        JsonNode byPath = json(api("GET", "/v1/groups/" + GROUP + "/connections", null));
        JsonNode all = json(api("GET", "/v1/connections", null));

        assertThat(byQuery.get("data").get("items").findValuesAsText("id")).containsExactly(CONN2); // by id
        assertThat(next.get("data").get("items").findValuesAsText("id")).containsExactly(CONN);
        assertThat(next.get("data").has("next_cursor")).isFalse();
        assertThat(byPath.get("data").get("items").findValuesAsText("id")).containsExactly(CONN2, CONN);
        assertThat(all.get("data").get("items").findValuesAsText("id")).containsExactly(CONN2, CONN, "third_one");
        JsonNode item = byPath.get("data").get("items").get(1);
        for (String required : List.of("id", "group_id", "service", "schema", "paused", "schedule_type",
                "sync_frequency", "created_at", "connected_by", "pause_after_trial", "status")) {
            assertThat(item.has(required)).as("ConnectorResponse." + required).isTrue();
        }
        assertThat(item.get("status").get("sync_state").asText()).isEqualTo("scheduled");
        assertError(api("GET", "/v1/groups/nope/connections", null), 404, "NotFound_Group");
        assertError(api("POST", "/v1/groups/" + GROUP + "/connections", "{}"), 405, "MethodNotAllowed");
    }

    @Test
    void shouldListTheGroupsInPagesAsGroupResponses() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        fivetran.addConnector("third_one", GROUP2, "syncing:1s,succeeded");

        JsonNode first = json(api("GET", "/v1/groups?limit=1", null));
        JsonNode second = json(api("GET", "/v1/groups?limit=1&cursor="
                + first.get("data").get("next_cursor").asText(), null));

        // GET /v1/groups: data.items of GroupResponse (required id, name, created_at), next_cursor while more follow
        List<String> ids = new java.util.ArrayList<>(first.get("data").get("items").findValuesAsText("id"));
        ids.addAll(second.get("data").get("items").findValuesAsText("id"));
        assertThat(ids).containsExactlyInAnyOrder(GROUP, GROUP2);
        assertThat(second.get("data").has("next_cursor")).isFalse();
        JsonNode group = first.get("data").get("items").get(0);
        assertThat(group.get("name").isTextual()).isTrue();
        assertThat(java.time.OffsetDateTime.parse(group.get("created_at").asText())).isNotNull();
        assertError(api("GET", "/v1/groups?limit=0", null), 400, "InvalidInput");
        assertError(api("POST", "/v1/groups", "{}"), 405, "MethodNotAllowed");
    }

    @Test
    void shouldAnswerAFaulted429WithTooManyRequestsAndRetryAfterAsFivetranDocuments() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        fivetran.faults().add(FaultRule.on("GET", "/connections/[^/]+").respond(429).times(1));

        HttpResponse<String> limited = api("GET", "/v1/connections/" + CONN, null);

        assertError(limited, 429, "TooManyRequests");
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(v).matches("\\d+"));
    }

    @Test
    void shouldRejectWebhooksForUnknownGroupsNonHttpsUrlsAndMissingEvents() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");

        HttpResponse<String> unknownGroup = createWebhook(fivetran, "/v1/webhooks/group/nope",
                "https://hooks.example.com", true, null);
        assertError(unknownGroup, 404, "NotFound_Group");
        assertThat(json(unknownGroup).get("message").asText()).isEqualTo("Group not found");
        assertError(createWebhook(fivetran, "/v1/webhooks/account", "http://hooks.example.com/x", true, null), 400,
                "InvalidInput");
        assertError(createWebhook(fivetran, "/v1/webhooks/account", "ftp://127.0.0.1/x", true, null), 400,
                "InvalidInput");
        assertError(api("POST", "/v1/webhooks/account", "{\"url\":\"https://h.example.com\",\"events\":[]}"), 400,
                "InvalidInput");
        assertError(api("POST", "/v1/webhooks/account", "{\"events\":[\"sync_end\"]}"), 400, "InvalidInput");
        assertThat(fivetran.webhooks()).isEmpty();
    }

    @Test
    void shouldDeliverTheWebhooksOfRunsEndingTogetherAtTheSameTimeNotOneAfterAnother() throws Exception {
        FivetranEmulator live = startEmulator(b -> b.webhookSenders(4));
        // answers 200 only once 4 deliveries are in flight together: one-at-a-time delivery would answer 500
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(4);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        java.util.concurrent.ExecutorService handlers = java.util.concurrent.Executors.newFixedThreadPool(8);
        server.setExecutor(handlers);
        server.createContext("/hook", ex -> {
            ex.getRequestBody().readAllBytes();
            int status;
            try {
                together.await(5, java.util.concurrent.TimeUnit.SECONDS);
                status = 200;
            } catch (Exception e) {
                status = 500;
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
            assertThat(createWebhook(live, "/v1/webhooks/account", url, true, "whsec").statusCode()).isEqualTo(200);
            for (int i = 0; i < 4; i++) {
                live.addConnector(EmulatedConnector.of(CONN + "_" + i, GROUP).script("syncing:300ms,succeeded"));
            }
            for (int i = 0; i < 4; i++) {
                assertTriggered(api(live, "POST", "/v1/connections/" + CONN + "_" + i + "/sync", "{}"), CONN + "_" + i);
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> live.webhookDeliveries().size() == 4);
            assertThat(live.webhookDeliveries()).extracting(WebhookDelivery::status).containsOnly(200);
            assertThat(live.webhookDeliveries()).extracting(WebhookDelivery::connectorId)
                    .containsExactlyInAnyOrder(CONN + "_0", CONN + "_1", CONN + "_2", CONN + "_3");
        } finally {
            server.stop(0);
            handlers.shutdownNow();
        }
    }

    @Test
    void shouldDeliverASignedSyncEndEventWhenARunEnds() throws Exception {
        FivetranEmulator live = startEmulator(b -> { });
        Receiver receiver = receiver();
        live.addConnector(EmulatedConnector.of(CONN, GROUP).script("syncing:200ms,succeeded").schema("pg_main"));
        assertThat(createWebhook(live, "/v1/webhooks/account", receiver.url(), true, "whsec").statusCode())
                .isEqualTo(200);

        assertTriggered(api(live, "POST", "/v1/connections/" + CONN + "/sync", "{}"), CONN);

        await().atMost(Duration.ofSeconds(5)).until(() -> receiver.hits.size() == 1);
        Receiver.Hit hit = receiver.hits.get(0);
        String signature = hit.header(FivetranEmulator.SIGNATURE_HEADER);
        assertThat(signature).isEqualTo(hmacHex("whsec", hit.body()).toUpperCase());
        assertThat(signature).isEqualToIgnoringCase(hmacHex("whsec", hit.body()));
        assertThat(hit.header("Content-Type")).isEqualTo("application/json");
        JsonNode event = hit.json();
        assertThat(event.get("event").asText()).isEqualTo("sync_end");
        assertThat(event.get("connector_type").asText()).isEqualTo("postgres");
        assertThat(event.get("connector_id").asText()).isEqualTo(CONN);
        assertThat(event.get("connector_name").asText()).isEqualTo("pg_main");
        assertThat(event.get("destination_group_id").asText()).isEqualTo(GROUP);
        assertThat(event.get("data").get("status").asText()).isEqualTo("SUCCESSFUL");
        FivetranSyncRun run = live.runs(CONN).get(0);
        assertThat(event.get("sync_id").asText()).isEqualTo(run.syncId());
        assertThat(event.get("created").asText()).matches(MICROS_TIMESTAMP);
        assertThat(Instant.parse(event.get("created").asText())).isEqualTo(run.endedAt().truncatedTo(ChronoUnit.MICROS));
        assertThat(connector(live, CONN).has("succeeded_at")).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> live.webhookDeliveries().size() == 1);
        WebhookDelivery d = live.webhookDeliveries().get(0);
        assertThat(d.status()).isEqualTo(200);
        assertThat(d.successful()).isTrue();
        assertThat(d.body()).isEqualTo(new String(hit.body(), StandardCharsets.UTF_8));
        assertThat(d.signature()).isEqualTo(signature);
        assertThat(d.at()).isAfterOrEqualTo(run.endedAt());
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .contains(FivetranEmulator.WEBHOOK_THREAD_NAME);
    }

    @Test
    void shouldReportAFailedRunAsFailureWithTaskAndRecordTheReceiversStatus() throws Exception {
        FivetranEmulator live = startEmulator(b -> { });
        Receiver receiver = receiver();
        receiver.answer.set(500);
        live.addConnector(CONN, GROUP, "syncing:100ms,failed");
        createWebhook(live, "/v1/webhooks/group/" + GROUP, receiver.url(), true, "whsec");

        api(live, "POST", "/v1/connections/" + CONN + "/sync", "{}");

        await().atMost(Duration.ofSeconds(5)).until(() -> live.webhookDeliveries().size() == 1);
        assertThat(receiver.hits.get(0).json().get("data").get("status").asText()).isEqualTo("FAILURE_WITH_TASK");
        assertThat(live.webhookDeliveries().get(0).status()).isEqualTo(500);
        assertThat(connector(live, CONN).has("failed_at")).isTrue();
    }

    @Test
    void shouldDeliverOnlyToMatchingActiveWebhooksAndNotForSuppressedConnectors() throws Exception {
        FivetranEmulator live = startEmulator(b -> { });
        Receiver groupHook = receiver();
        Receiver otherGroupHook = receiver();
        Receiver inactiveHook = receiver();
        live.addConnector(EmulatedConnector.of(CONN2, GROUP).script("syncing:50ms,succeeded").suppressWebhooks(true));
        live.addConnector(CONN, GROUP, "syncing:300ms,succeeded");
        live.addGroup(GROUP2);
        createWebhook(live, "/v1/webhooks/group/" + GROUP, groupHook.url(), true, "a");
        createWebhook(live, "/v1/webhooks/group/" + GROUP2, otherGroupHook.url(), true, "b");
        createWebhook(live, "/v1/webhooks/account", inactiveHook.url(), false, "c");

        api(live, "POST", "/v1/connections/" + CONN2 + "/sync", "{}");
        api(live, "POST", "/v1/connections/" + CONN + "/sync", "{}");

        await().atMost(Duration.ofSeconds(5)).until(() -> groupHook.hits.size() == 1);
        assertThat(groupHook.hits.get(0).json().get("connector_id").asText()).isEqualTo(CONN);
        assertThat(live.runs(CONN2)).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo("succeeded"));
        assertThat(otherGroupHook.hits).isEmpty();
        assertThat(inactiveHook.hits).isEmpty();
        // the delivery is recorded once the receiver has answered, just after it counted the hit
        await().atMost(Duration.ofSeconds(5)).until(() -> !live.webhookDeliveries().isEmpty());
        assertThat(live.webhookDeliveries()).extracting(WebhookDelivery::connectorId).containsExactly(CONN);
    }

    @Test
    void shouldDelayWebhookDeliveryByTheConfiguredDelay() throws Exception {
        FivetranEmulator live = startEmulator(b -> b.webhookDelay(Duration.ofMillis(300)));
        Receiver receiver = receiver();
        live.addConnector(CONN, GROUP, "syncing:100ms,succeeded");
        createWebhook(live, "/v1/webhooks/account", receiver.url(), true, "s");

        api(live, "POST", "/v1/connections/" + CONN + "/sync", "{}");

        await().atMost(Duration.ofSeconds(5)).until(() -> live.webhookDeliveries().size() == 1);
        Instant end = live.runs(CONN).get(0).endedAt();
        assertThat(live.webhookDeliveries().get(0).at()).isAfterOrEqualTo(end.plusMillis(300));
    }

    // ------------------------------------------------------------------------------------------- rate limit, faults

    @Test
    void shouldAnswer429WithRetryAfterOnceTheKeysBudgetIsUsedUp() throws IOException {
        FivetranEmulator limited = startEmulator(b -> b.clock(clock).rateLimit(3, Duration.ofMinutes(1)));
        limited.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        String path = "/v1/connections/" + CONN;

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ok = api(limited, "GET", path, null);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-Rate-Limit-Remaining")).hasValue(String.valueOf(2 - i));
        }
        clock.advance(Duration.ofSeconds(15));
        HttpResponse<String> throttled = api(limited, "GET", path, null);

        assertError(throttled, 429, "TooManyRequests");
        assertThat(throttled.headers().firstValue("Retry-After")).hasValue("45");
        assertThat(raw(limited, "GET", path, null, "Authorization", basic(KEY2, SECRET2), "Accept", V2).statusCode())
                .as("the budget is per API key").isEqualTo(200);
        clock.advance(Duration.ofSeconds(45));
        assertThat(api(limited, "GET", path, null).statusCode()).isEqualTo(200);
        assertThat(limited.stats()).containsEntry("rateLimited", 1L);
    }

    @Test
    void shouldAnswerTheFaultStatusWithRetryAfterAndCountTheFaultedTrigger() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        fivetran.faults().add(FaultRule.on("POST", "/connections/[^/]+/sync").respond(503).retryAfter(7).times(1));

        HttpResponse<String> faulted = sync(CONN, "{}");

        assertError(faulted, 503, "ServiceUnavailable");
        assertThat(faulted.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(fivetran.runs(CONN)).isEmpty();
        assertTriggered(sync(CONN, "{}"), CONN);
        assertThat(fivetran.triggerCount(CONN)).isEqualTo(2);
        assertThat(fivetran.requests()).extracting(RecordedRequest::faulted).containsExactly(true, false);
        assertThat(fivetran.stats()).containsEntry("faultsInjected", 1L);
    }

    @Test
    void shouldStartTheSyncButAnswer500WhenTheFaultIsAfterProcessing() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        fivetran.faults().add(FaultRule.on("POST", "/v1/connections/.*/sync").respond(500).afterProcessing());

        assertError(sync(CONN, "{}"), 500, "InternalServerError");

        assertThat(fivetran.runs(CONN)).hasSize(1);
        assertThat(syncState(connector(CONN))).isEqualTo("syncing");
    }

    @Test
    void shouldDropTheConnectionAndDelaySlowAnswers() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        fivetran.faults().add(FaultRule.on("POST", "/connections/" + CONN + "/sync").drop().times(1));
        fivetran.faults().add(FaultRule.on("GET", "/connections/" + CONN).delay(Duration.ofMillis(200)).times(1));

        assertThatThrownBy(() -> raw(fivetran, "POST", "/v1/connections/" + CONN + "/sync", "{}",
                "Authorization", basic(KEY, SECRET), "Accept", V2, "Content-Type", "application/json"))
                .isInstanceOf(IOException.class);
        long started = System.nanoTime();
        assertThat(api("GET", "/v1/connections/" + CONN, null).statusCode()).isEqualTo(200);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(fivetran.requests()).extracting(RecordedRequest::status).containsExactly(0, 200);
        assertThat(fivetran.runs(CONN)).as("dropped before processing").isEmpty();
        assertThat(fivetran.triggerCount(CONN)).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------------- admin, counters

    @Test
    void shouldBeDrivableThroughTheAdminEndpoints() throws IOException {
        String admin = FivetranEmulator.ADMIN_PREFIX;
        HttpResponse<String> added = raw(fivetran, "POST", admin + "/connectors",
                "{\"connectorId\":\"" + CONN + "\",\"groupId\":\"" + GROUP + "\",\"script\":\"syncing:1s,failed\","
                        + "\"scheduleType\":\"manual\"}", "Content-Type", "application/json");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        assertThat(json(added).get("schedule_type").asText()).isEqualTo("manual");
        assertThat(raw(fivetran, "POST", admin + "/faults",
                "{\"method\":\"POST\",\"path\":\"/connections/.*/sync\",\"status\":429,\"retryAfterSeconds\":3,"
                        + "\"times\":1}").statusCode()).isEqualTo(200);

        assertError(sync(CONN, "{}"), 429, "TooManyRequests");
        sync(CONN, "{}");
        clock.advance(Duration.ofSeconds(1));

        JsonNode requests = json(raw(fivetran, "GET", admin + "/requests", null));
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).get("connectionId").asText()).isEqualTo(CONN);
        JsonNode runs = json(raw(fivetran, "GET", admin + "/runs?connectorId=" + CONN, null));
        assertThat(runs).singleElement().satisfies(r -> assertThat(r.get("outcome").asText()).isEqualTo("failed"));
        JsonNode stats = json(raw(fivetran, "GET", admin + "/stats", null));
        assertThat(stats.get("triggers").asLong()).isEqualTo(2);
        assertThat(stats.get("runsByOutcome").get("failed").asLong()).isEqualTo(1);
        assertThat(json(raw(fivetran, "DELETE", admin + "/faults", null)).get("cleared").asInt()).isEqualTo(1);
        assertThat(fivetran.requests()).as("admin calls are not recorded").hasSize(2);
    }

    @Test
    void shouldCountRequestsByMethodAndPathWithOrWithoutPrefix() {
        fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded");
        fivetran.addConnector(CONN2, GROUP, "syncing:1s,succeeded");

        connector(CONN);
        connector(CONN);
        sync(CONN2, "{}");

        assertThat(fivetran.count("GET", "/v1/connections/" + CONN)).isEqualTo(2);
        assertThat(fivetran.count("GET", "/connections/.*")).isEqualTo(2);
        assertThat(fivetran.count("*", "/connections/.*")).isEqualTo(3);
        assertThat(fivetran.triggerCount(CONN)).isZero();
        assertThat(fivetran.triggerCount(CONN2)).isEqualTo(1);
    }

    @Test
    void shouldRejectInvalidScriptsAndSettings() {
        assertThatThrownBy(() -> fivetran.addConnector(CONN, GROUP, "running:1s,succeeded"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("running");
        assertThatThrownBy(() -> fivetran.addConnector(CONN, GROUP, "syncing:1s,cancelled"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fivetran.addConnector(CONN, GROUP, "syncing:1s,succeeded", false, "weekly"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmulatedConnector.of(CONN, GROUP).syncFrequency(7))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(fivetran.hasConnector(CONN)).isFalse();
    }

    // ------------------------------------------------------------------------------------------- timestamp shape

    @Test
    void shouldWriteEveryTimestampWithExactlySixFractionalDigitsAsTheLiveApiDoes() {
        clock.advance(Duration.ofNanos(613_498_000)); // 2026-11-23T10:15:30.613498Z
        Instant start = clock.instant();
        fivetran.addConnector(EmulatedConnector.of(CONN, GROUP).script("syncing:1s,rescheduled:10s,syncing:1s,failed")
                .scheduleType("auto").succeededAt(Instant.parse("2026-11-22T08:00:00.250Z")));
        HttpResponse<String> webhook = createWebhook(fivetran, "/v1/webhooks/account", "https://hooks.example.com/ft",
                false, null);

        assertTriggered(sync(CONN, "{}"), CONN);
        clock.advance(Duration.ofSeconds(1));
        JsonNode rescheduled = connector(CONN);
        clock.advance(Duration.ofSeconds(11));
        JsonNode ended = connector(CONN);

        assertThat(ended.get("created_at").asText()).isEqualTo("2026-11-23T10:15:30.613498Z");
        assertThat(ended.get("succeeded_at").asText()).as("zero digits are kept, not dropped as Instant.toString does")
                .isEqualTo("2026-11-22T08:00:00.250000Z");
        assertThat(rescheduled.get("status").get("rescheduled_for").asText()).isEqualTo("2026-11-23T10:15:41.613498Z");
        assertThat(ended.get("failed_at").asText()).isEqualTo("2026-11-23T10:15:42.613498Z");
        assertThat(Instant.parse(ended.get("failed_at").asText())).isEqualTo(start.plusSeconds(12));
        assertThat(json(webhook).get("data").get("created_at").asText()).isEqualTo("2026-11-23T10:15:30.613498Z");
    }

    @Test
    void shouldCutTimestampsToMillisecondsOrSecondsWhenSetTo() {
        clock.advance(Duration.ofNanos(613_498_999));
        FivetranEmulator millis = startEmulator(b -> b.clock(clock).timestampPrecision(TimestampPrecision.MILLIS));
        FivetranEmulator seconds = startEmulator(b -> b.clock(clock).timestampPrecision(TimestampPrecision.SECONDS));
        for (FivetranEmulator e : List.of(fivetran, millis, seconds)) {
            e.addConnector(EmulatedConnector.of(CONN, GROUP).script("syncing:1s,succeeded")
                    .succeededAt(Instant.parse("2026-11-22T08:00:00.999999Z")));
        }

        assertThat(connector(fivetran, CONN).get("created_at").asText()).isEqualTo("2026-11-23T10:15:30.613498Z");
        assertThat(connector(millis, CONN).get("created_at").asText()).isEqualTo("2026-11-23T10:15:30.613Z");
        assertThat(connector(seconds, CONN).get("created_at").asText()).isEqualTo("2026-11-23T10:15:30Z");
        assertThat(connector(millis, CONN).get("succeeded_at").asText()).as("cut, not rounded")
                .isEqualTo("2026-11-22T08:00:00.999Z");
        assertThat(connector(seconds, CONN).get("succeeded_at").asText()).isEqualTo("2026-11-22T08:00:00Z");

        fivetran.setTimestampPrecision(TimestampPrecision.SECONDS);
        assertThat(connector(fivetran, CONN).get("created_at").asText()).isEqualTo("2026-11-23T10:15:30Z");
    }

    @Test
    void shouldNameTheAllowedTimestampPrecisionsForAnUnknownOne() {
        assertThat(TimestampPrecision.of(" Millis ")).isEqualTo(TimestampPrecision.MILLIS);
        assertThatThrownBy(() -> TimestampPrecision.of("nanos")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timestamp precision 'nanos' is not one of micros, millis, seconds");
        assertThatThrownBy(() -> FivetranEmulator.builder().timestampPrecision(null))
                .isInstanceOf(NullPointerException.class);
    }
}
