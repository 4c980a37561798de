package io.syncrunner.observability;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static io.syncrunner.observability.ObservabilityHttp.check;
import static io.syncrunner.observability.ObservabilityHttp.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The runner's health and metrics endpoints, on its one HTTP server, with reachable Airbyte and Fivetran accounts
 * ("test", both on the emulators).
 */
class ObservabilityIT extends FivetranTestSupport {
    private static final String FAST = "&pollInterval=100ms";
    private static final String WRONG_SECRET = "wrong-but-unchecked-secret-Pz63Ra";

    @Override
    protected java.util.Properties fivetranProperties() {
        java.util.Properties p = new java.util.Properties();
        // unauthenticated readiness (syncrunner.health.authenticated=false, the default): a wrong secret is not seen
        p.put("fivetran.wrongsecret.base-url", FIVETRAN.baseUrl());
        p.put("fivetran.wrongsecret.api-key", FIVETRAN_KEY);
        p.put("fivetran.wrongsecret.api-secret", secret(WRONG_SECRET));
        return p;
    }

    private ObservabilityHttp http() {
        return new ObservabilityHttp(httpPort());
    }

    /** Before this class's runner starts: the shared emulator also holds earlier classes' requests. */
    private final java.time.Instant classStart = java.time.Instant.now();

    @Test
    void shouldBeLiveAndReadyWithOneCheckPerAccountOnTheRunnersServer() {
        HttpResponse<String> ready = http().get("/observe/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        JsonNode r = Json.parse(ready.body());
        assertThat(r.path("status").asText()).isEqualTo("UP");
        JsonNode airbyte = check(r, "airbyte-account-test");
        assertThat(airbyte.path("status").asText()).isEqualTo("UP");
        assertThat(airbyte.path("message").asText()).startsWith("Airbyte account 'test': the API at 127.0.0.1:")
                .contains("answered HTTP 200");
        JsonNode fivetran = check(r, "fivetran-account-test");
        assertThat(fivetran.path("status").asText()).isEqualTo("UP");
        assertThat(fivetran.path("message").asText()).startsWith("Fivetran account 'test': the API at 127.0.0.1:")
                .contains("answered HTTP");
        // unauthenticated by default: the API answers, so an account with a wrong secret is UP
        assertThat(check(r, "fivetran-account-wrongsecret").path("status").asText()).isEqualTo("UP");
        assertThat(FIVETRAN.requests()).filteredOn(q -> q.path().endsWith("/account/info") && q.at().isAfter(classStart))
                .allSatisfy(q -> assertThat(q.auth()).isEqualTo(io.syncrunner.devtools.emulator.AuthKind.NONE));
        // the "default" accounts have no settings in the tests: no check for them
        assertThat(check(r, "airbyte-account-default").isMissingNode()).isTrue();
        assertThat(check(r, "fivetran-account-default").isMissingNode()).isTrue();

        HttpResponse<String> live = http().get("/observe/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        JsonNode l = Json.parse(live.body());
        assertThat(l.path("status").asText()).isEqualTo("UP");
        assertThat(check(l, "airbyte-account-test").isMissingNode()).as("not a liveness check").isTrue();

        assertThat(http().get("/observe/health").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldReuseAProbeResultForAFewSecondsInsteadOfAskingTheApiOnEveryHealthCall() {
        http().get("/observe/health/ready");
        long before = EMULATOR.count("GET", ".*/health");
        for (int i = 0; i < 5; i++) {
            assertThat(http().get("/observe/health/ready").statusCode()).isEqualTo(200);
        }
        // the result of the first call (or one refresh, if the cache expired meanwhile) serves them all
        assertThat(EMULATOR.count("GET", ".*/health") - before).isLessThanOrEqualTo(1);
    }

    @Test
    void shouldCountAnAirbyteSyncItsApiCallsRowsAndBytesAndItsDuration() {
        String before = http().metrics();
        String id = connection("pending:200ms,running:600ms,succeeded", 42, 4096);

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));
        assertThat(result.path("status").asText()).isEqualTo("succeeded");

        String after = http().metrics();
        assertThat(delta(before, after, "syncrunner_syncs_started_total", "provider=airbyte", "account=test"))
                .isEqualTo(1);
        assertThat(delta(before, after, "syncrunner_syncs_succeeded_total", "provider=airbyte", "account=test"))
                .isEqualTo(1);
        assertThat(delta(before, after, "syncrunner_sync_duration_seconds_count", "provider=airbyte",
                "account=test", "outcome=succeeded")).isEqualTo(1);
        assertThat(value(after, "syncrunner_sync_duration_seconds_sum", "provider=airbyte", "account=test",
                "outcome=succeeded")).isGreaterThanOrEqualTo(0.8);
        assertThat(value(after, "syncrunner_sync_duration_seconds_bucket", "provider=airbyte", "account=test",
                "outcome=succeeded", "le=+Inf")).isGreaterThanOrEqualTo(1);
        assertThat(delta(before, after, "syncrunner_api_calls_total", "provider=airbyte", "method=POST", "status=200"))
                .isEqualTo(1);
        assertThat(delta(before, after, "syncrunner_api_calls_total", "provider=airbyte", "method=GET", "status=200"))
                .isGreaterThanOrEqualTo(2);
        assertThat(delta(before, after, "syncrunner_rows_synced_total", "provider=airbyte", "account=test"))
                .isEqualTo(42);
        assertThat(delta(before, after, "syncrunner_bytes_synced_total", "provider=airbyte", "account=test"))
                .isEqualTo(4096);
        assertThat(value(after, "syncrunner_waits_in_flight")).isZero();
        // Camel's own meters are served alongside
        assertThat(after).contains("camel_exchanges_total");
    }

    @Test
    void shouldShowWaitingSyncsInTheInFlightGauge() {
        String id = add(connector("syncing:3s,succeeded"));
        CompletableFuture<String> sync = template.asyncRequestBody(
                "kamelet:fivetran-sync?account=test&connectorId=" + id + "&pollInterval=500ms", null, String.class);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> value(http().metrics(), "syncrunner_waits_in_flight") >= 1);
        await().atMost(Duration.ofSeconds(15)).until(sync::isDone);
        assertThat(sync).isCompleted();
        assertThat(value(http().metrics(), "syncrunner_waits_in_flight")).isZero();
    }

    @Test
    void shouldCountFivetranSyncsAndFailures() {
        String before = http().metrics();
        String ok = add(connector("syncing:300ms,succeeded"));
        assertThat(Json.parse(fivetranSync("account=test&connectorId=" + ok + FAST)).path("status").asText())
                .isEqualTo("succeeded");
        String bad = add(connector("syncing:300ms,failed"));
        fivetranFailure("account=test&connectorId=" + bad + FAST);

        String after = http().metrics();
        assertThat(delta(before, after, "syncrunner_syncs_started_total", "provider=fivetran", "account=test"))
                .isEqualTo(2);
        assertThat(delta(before, after, "syncrunner_syncs_succeeded_total", "provider=fivetran", "account=test"))
                .isEqualTo(1);
        assertThat(delta(before, after, "syncrunner_syncs_failed_total", "provider=fivetran", "account=test"))
                .isEqualTo(1);
        assertThat(delta(before, after, "syncrunner_sync_duration_seconds_count", "provider=fivetran",
                "account=test", "outcome=failed")).isEqualTo(1);
        assertThat(delta(before, after, "syncrunner_api_calls_total", "provider=fivetran", "method=POST",
                "status=200")).isEqualTo(2);
    }

    @Test
    void shouldNotCountAStepThatFailsBeforeItsSyncStarts() {
        String before = http().metrics();
        syncFailure("account=test&connectionId=not-a-uuid" + FAST);
        String after = http().metrics();
        assertThat(delta(before, after, "syncrunner_syncs_started_total", "provider=airbyte")).isZero();
        assertThat(delta(before, after, "syncrunner_syncs_failed_total", "provider=airbyte")).isZero();
    }

    @Test
    void shouldCountARetriedCall() {
        String before = http().metrics();
        String id = connection("running:300ms,succeeded");
        FaultRule unavailable = FaultRule.on("GET", "/jobs/\\d+").times(1).respond(503);
        EMULATOR.faults().add(unavailable);

        assertThat(Json.parse(sync("account=test&connectionId=" + id + FAST)).path("status").asText())
                .isEqualTo("succeeded");
        assertThat(unavailable.injectedCount()).isEqualTo(1);

        String after = http().metrics();
        assertThat(delta(before, after, "syncrunner_api_retries_total", "provider=airbyte")).isEqualTo(1);
        assertThat(delta(before, after, "syncrunner_api_calls_total", "provider=airbyte", "method=GET", "status=503"))
                .isEqualTo(1);
    }

    @Test
    void shouldCountAFailedAirbyteSyncWithItsOutcome() {
        String before = http().metrics();
        String id = connection("running:300ms,failed");
        syncFailure("account=test&connectionId=" + id + FAST);
        String after = http().metrics();
        assertThat(delta(before, after, "syncrunner_syncs_failed_total", "provider=airbyte", "account=test"))
                .isEqualTo(1);
        assertThat(delta(before, after, "syncrunner_sync_duration_seconds_count", "provider=airbyte",
                "account=test", "outcome=failed")).isEqualTo(1);
    }

    @Test
    void shouldShowNoSecretInHealthOrMetrics() {
        sync("account=test&connectionId=" + connection("running:200ms,succeeded") + FAST);
        String everything = http().get("/observe/health?exposureLevel=full&data=true&stackTrace=true").body()
                + http().get("/observe/health/ready?exposureLevel=full&data=true").body()
                + http().metrics();
        for (String secret : secrets()) {
            assertThat(everything).as("health and metrics output").doesNotContain(secret);
        }
        assertThat(everything).doesNotContain(FIVETRAN_KEY).doesNotContain(CLIENT_ID + ":");
    }

    private static double delta(String before, String after, String name, String... labels) {
        double a = value(after, name, labels);
        double b = value(before, name, labels);
        return (Double.isNaN(a) ? 0 : a) - (Double.isNaN(b) ? 0 : b);
    }
}
