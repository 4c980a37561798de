package io.syncrunner.runs;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.journal.RunJournal;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The HTTP trigger: POST /api/syncs, GET /api/syncs/{runId}, against both emulators. */
class SyncApiIT extends FivetranTestSupport {
    private static final String TOKEN = "test-api-token-Wq47Xc";

    @Override
    protected String apiToken() {
        return TOKEN;
    }


    private HttpResponse<String> post(String body) throws Exception {
        return postSync(body, TOKEN, "application/json");
    }

    private HttpResponse<String> post(String body, String token, String contentType) throws Exception {
        return postSync(body, token, contentType);
    }

    private JsonNode run(String runId) throws Exception {
        return getRun(runId, TOKEN);
    }

    private JsonNode finished(String runId) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> run(runId),
                r -> r.path("state").asText().equals("succeeded") || r.path("state").asText().equals("failed"));
    }

    @Test
    void shouldAcceptAnAirbyteRequestWith202AndShowTheRunsResult() throws Exception {
        String id = connection("running:500ms,succeeded", 5, 50);

        HttpResponse<String> accepted = post("{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + id
                + "\",\"jobType\":\"sync\",\"wait\":true,\"pollInterval\":\"100ms\"}");

        assertThat(accepted.statusCode()).isEqualTo(202);
        String runId = Json.parse(accepted.body()).path("runId").asText();
        JsonNode done = finished(runId);
        assertThat(done.path("state").asText()).isEqualTo("succeeded");
        assertThat(done.path("result").path("status").asText()).isEqualTo("succeeded");
        assertThat(done.path("result").path("rowsSynced").asLong()).isEqualTo(5);
        assertThat(EMULATOR.triggerCount(id)).isEqualTo(1);
    }

    @Test
    void shouldRunFivetranRequestsTheSameWay() throws Exception {
        String id = add(connector("syncing:400ms,succeeded"));

        HttpResponse<String> accepted = post("{\"provider\":\"fivetran\",\"account\":\"test\",\"connectorId\":\"" + id
                + "\",\"pollInterval\":\"100ms\"}");

        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(finished(Json.parse(accepted.body()).path("runId").asText()).path("result").path("status").asText())
                .isEqualTo("succeeded");
    }

    @Test
    void shouldRecordAFailedSyncWithItsError() throws Exception {
        String id = connection("running:300ms,failed");

        String runId = Json.parse(post("{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + id
                + "\",\"pollInterval\":\"100ms\"}").body()).path("runId").asText();

        JsonNode done = finished(runId);
        assertThat(done.path("state").asText()).isEqualTo("failed");
        assertThat(done.path("error").asText()).contains("ended failed");
        assertThat(done.path("result").path("status").asText()).isEqualTo("failed");
    }

    @Test
    void shouldKeepAnAirbyteJobIdAboveTwoToThe31ExactInTheJournalAndTheRunsResult() throws Exception {
        String id = connection("running:1h,succeeded");

        String runId = Json.parse(post("{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + id
                + "\",\"pollInterval\":\"100ms\",\"waitTimeout\":\"1s\"}").body()).path("runId").asText();

        JsonNode done = finished(runId);
        long jobId = EMULATOR.jobs().stream().filter(j -> j.connectionId().equals(id)).findFirst().orElseThrow().jobId();
        assertThat(jobId).isGreaterThan(Integer.MAX_VALUE);
        assertThat(done.path("state").asText()).isEqualTo("failed");
        assertThat(done.path("result").get("jobId").isIntegralNumber()).as(done.toString()).isTrue();
        assertThat(done.path("result").get("jobId").asLong()).isEqualTo(jobId);
        assertThat(done.path("result").path("timedOut").asBoolean()).isTrue();
        assertThat(EMULATOR.count("DELETE", ".*/jobs/" + jobId)).isEqualTo(1);
        RunJournal journal = context.getRegistry().lookupByNameAndType("runJournal", RunJournal.class);
        assertThat(journal.step(runId, "airbyte/test/" + id + "/sync"))
                .hasValueSatisfying(step -> assertThat(step.jobId()).isEqualTo(Long.toString(jobId)));
    }

    @Test
    void shouldStartOneSyncForRequestsWithTheSameIdempotencyKey() throws Exception {
        String id = connection("running:1s,succeeded");
        String body = "{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + id
                + "\",\"pollInterval\":\"100ms\",\"idempotencyKey\":\"nightly-" + id + "\"}";

        List<CompletableFuture<HttpResponse<String>>> sent = IntStream.range(0, 5).mapToObj(i ->
                CompletableFuture.supplyAsync(() -> {
                    try {
                        return post(body);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })).toList();
        List<HttpResponse<String>> answers = sent.stream().map(CompletableFuture::join).toList();

        assertThat(answers.stream().map(r -> Json.parse(r.body()).path("runId").asText()).distinct()).hasSize(1);
        assertThat(answers.stream().filter(r -> r.statusCode() == 202)).hasSize(1);
        assertThat(answers.stream().filter(r -> r.statusCode() == 200)).hasSize(4)
                .allMatch(r -> Json.parse(r.body()).path("duplicate").asBoolean());
        finished(Json.parse(answers.get(0).body()).path("runId").asText());
        assertThat(EMULATOR.triggerCount(id)).as("syncs started").isEqualTo(1);
    }

    @Test
    void shouldAnswer400WithAClearMessageForEachBadInputAndStartNothing() throws Exception {
        int requestsBefore = EMULATOR.requests().size() + FIVETRAN.requests().size();
        String c = "\"connectionId\":\"0b5e8d3c-7a41-4f9e-b2c6-000000000001\"";

        assertBad("{\"provider\":\"airbyte\"", "not valid JSON");
        assertBad("[1,2]", "must be a JSON object");
        assertBad("{\"account\":\"test\"," + c + "}", "Missing field 'provider'");
        assertBad("{\"provider\":\"airbyte\"," + c + "}", "Missing field 'account'");
        assertBad("{\"provider\":\"airbyte\",\"account\":\"test\"}", "Missing field 'connectionId'");
        assertBad("{\"provider\":\"fivetran\",\"account\":\"test\"}", "Missing field 'connectorId'");
        assertBad("{\"provider\":\"stitch\",\"account\":\"test\"," + c + "}", "Unknown provider 'stitch'");
        assertBad("{\"provider\":\"airbyte\",\"account\":\"nope\"," + c + "}", "Unknown Airbyte account 'nope'");
        assertBad("{\"provider\":\"fivetran\",\"account\":\"nope\",\"connectorId\":\"x\"}", "Unknown Fivetran account 'nope'");
        assertBad("{\"provider\":\"airbyte\",\"account\":\"test\"," + c + ",\"colour\":\"red\"}", "Unknown field(s) [colour]");
        assertBad("{\"provider\":\"airbyte\",\"account\":7," + c + "}", "Field 'account' must be a string");

        HttpResponse<String> form = post("provider=airbyte", TOKEN, "application/x-www-form-urlencoded");
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(Json.parse(form.body()).path("error").asText()).contains("Content-Type: application/json");

        assertThat(EMULATOR.requests().size() + FIVETRAN.requests().size()).isEqualTo(requestsBefore);
    }

    @Test
    void shouldAnswer401WithoutTheRightTokenAndStartNothing() throws Exception {
        String id = connection("running:100ms,succeeded");
        String body = "{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + id + "\"}";

        assertThat(post(body, null, "application/json").statusCode()).isEqualTo(401);
        assertThat(post(body, "wrong-token", "application/json").statusCode()).isEqualTo(401);
        HttpResponse<String> list = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/syncs")))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).isEqualTo(401);
        assertThat(EMULATOR.triggerCount(id)).isZero();
    }

    @Test
    void shouldAnswer404ForAnUnknownRun() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/syncs/no-such-run")))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(404);
    }

    private void assertBad(String body, String message) throws Exception {
        HttpResponse<String> r = post(body);
        assertThat(r.statusCode()).as(body).isEqualTo(400);
        assertThat(Json.parse(r.body()).path("error").asText()).as(body).contains(message);
    }
}
