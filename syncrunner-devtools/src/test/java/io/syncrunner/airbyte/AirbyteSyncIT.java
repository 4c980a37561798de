package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.support.ApiRejectedException;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncFailedException;
import io.syncrunner.support.SyncTimeoutException;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The airbyte-sync step end to end: the real runner against the Airbyte emulator. */
class AirbyteSyncIT extends RunnerTestSupport {
    private static final String FAST = "&pollInterval=100ms";

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("airbyte.down.base-url", "http://127.0.0.1:" + closedPort() + "/v1");
        p.put("airbyte.down.auth", "none");
        return p;
    }

    @Test
    void shouldFollowARunningJobUntilItSucceedsAndReturnItsResult() {
        String id = connection("pending:200ms,running:600ms,succeeded", 42, 4096);

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("provider").asText()).isEqualTo("airbyte");
        assertThat(result.path("account").asText()).isEqualTo("test");
        assertThat(result.path("connectionId").asText()).isEqualTo(id);
        assertThat(result.path("rowsSynced").asLong()).isEqualTo(42);
        assertThat(result.path("bytesSynced").asLong()).isEqualTo(4096);
        assertThat(result.path("attached").asBoolean()).isFalse();
        assertThat(result.path("duration").asText()).startsWith("PT");
        long jobId = result.path("jobId").asLong();
        assertThat(EMULATOR.job(jobId)).get().extracting(JobSnapshot::status).isEqualTo("succeeded");
        assertThat(EMULATOR.count("GET", ".*/jobs/" + jobId)).isGreaterThanOrEqualTo(3);
        assertThat(EMULATOR.triggerCount(id)).isEqualTo(1);
    }

    @Test
    void shouldFailNamingTheJobAndItsStatusWhenAirbyteReportsFailed() {
        String id = connection("running:300ms,failed");

        SyncFailedException e = asSyncFailure(syncFailure("account=test&connectionId=" + id + FAST));

        JsonNode result = Json.parse(e.result());
        assertThat(e).hasMessageContaining("Airbyte job " + result.path("jobId").asLong())
                .hasMessageContaining(id).hasMessageContaining("ended failed");
        assertThat(result.path("status").asText()).isEqualTo("failed");
    }

    @Test
    void shouldFailWhenTheJobIsCancelledInAirbyte() {
        String id = connection("running:300ms,cancelled");

        SyncFailedException e = asSyncFailure(syncFailure("account=test&connectionId=" + id + FAST));

        assertThat(e).hasMessageContaining("ended cancelled");
        assertThat(Json.parse(e.result()).path("status").asText()).isEqualTo("cancelled");
    }

    @Test
    void shouldKeepPollingThroughQueuedIncompleteAndUnknownStatuses() {
        String id = connection("pending:100ms,queued:300ms,running:200ms,incomplete:300ms,mystery_state:400ms,"
                + "running:200ms,succeeded");
        int logStart = LogCapture.size();

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        List<String> lines = LogCapture.linesSince(logStart);
        assertThat(lines).anyMatch(l -> l.contains(": queued after"));
        assertThat(lines).anyMatch(l -> l.contains(": incomplete after"));
        assertThat(lines.stream().filter(l -> l.contains("WARN") && l.contains("'mystery_state'")))
                .as("an unknown status is warned about once").hasSize(1);
        assertThat(lines.stream().filter(l -> l.contains(": mystery_state after")).count()).isGreaterThan(1);
    }

    @Test
    void shouldCancelTheAirbyteJobWhenTheWaitTimesOut() {
        String id = connection("running:1h,succeeded");

        SyncFailedException e = asSyncFailure(syncFailure("account=test&connectionId=" + id + FAST + "&waitTimeout=1s"));

        assertThat(e).isInstanceOf(SyncTimeoutException.class).hasMessageContaining("did not finish within 1s")
                .hasMessageContaining("it was cancelled");
        long jobId = Json.parse(e.result()).path("jobId").asLong();
        assertThat(EMULATOR.job(jobId)).get().extracting(JobSnapshot::cancelRequested).isEqualTo(true);
        assertThat(EMULATOR.count("DELETE", ".*/jobs/" + jobId)).isEqualTo(1);
        assertThat(Json.parse(e.result()).path("timedOut").asBoolean()).isTrue();
    }

    @Test
    void shouldLeaveTheJobRunningOnTimeoutWhenCancelOnTimeoutIsFalse() {
        String id = connection("running:1h,succeeded");

        SyncFailedException e = asSyncFailure(syncFailure(
                "account=test&connectionId=" + id + FAST + "&waitTimeout=500ms&cancelOnTimeout=false"));

        assertThat(e).isInstanceOf(SyncTimeoutException.class).hasMessageContaining("left running");
        long jobId = Json.parse(e.result()).path("jobId").asLong();
        assertThat(EMULATOR.job(jobId)).get().extracting(JobSnapshot::cancelRequested).isEqualTo(false);
        assertThat(EMULATOR.count("DELETE", ".*/jobs/" + jobId)).isZero();
    }

    @Test
    void shouldAttachToTheRunningJobWhenAirbyteAnswers409() throws Exception {
        String id = connection("running:800ms,succeeded", 7, 70);
        long running = startJobOutsideTheRunner(id);

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        assertThat(result.path("jobId").asLong()).isEqualTo(running);
        assertThat(result.path("attached").asBoolean()).isTrue();
        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(EMULATOR.jobs().stream().filter(j -> j.connectionId().equals(id))).hasSize(1);
    }

    @Test
    void shouldFailOn409WhenOnActiveSyncIsFail() throws Exception {
        String id = connection("running:2s,succeeded");
        startJobOutsideTheRunner(id);

        SyncFailedException e = asSyncFailure(syncFailure("account=test&connectionId=" + id + FAST + "&onActiveSync=fail"));

        assertThat(e).hasMessageContaining("already running").hasMessageContaining(id);
    }

    @Test
    void shouldNotResendATriggerAnswered500ButFindAndFollowTheJobItCreated() {
        String id = connection("pending:200ms,running:400ms,succeeded");
        EMULATOR.faults().add(FaultRule.on("POST", "/jobs").times(1).respond(500).afterProcessing());

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        assertThat(EMULATOR.triggerCount(id)).as("POSTs of /jobs for the connection").isEqualTo(1);
        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("attached").asBoolean()).isTrue();
        assertThat(EMULATOR.jobs().stream().filter(j -> j.connectionId().equals(id))).hasSize(1);
    }

    @Test
    void shouldStillRetryTheLookupAndStatusReadsAfterATriggerWhoseOutcomeWasUnknown() {
        // regression (fault suite): the trigger's error handler gave up on the 500 and doCatch caught it, but Camel
        // left the exchange marked "failure handled", so every later read failed at its first error, unretried
        String id = connection("pending:200ms,running:400ms,succeeded");
        EMULATOR.faults().add(FaultRule.on("POST", "/jobs").times(1).respond(500).afterProcessing());
        FaultRule lookup = EMULATOR.faults().add(FaultRule.on("GET", "/jobs").times(1).respond(503));
        FaultRule status = EMULATOR.faults().add(FaultRule.on("GET", "/jobs/\\d+").times(2).respond(502));

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("attached").asBoolean()).isTrue();
        assertThat(lookup.injectedCount()).isEqualTo(1);
        assertThat(status.injectedCount()).isEqualTo(2);
        assertThat(EMULATOR.triggerCount(id)).isEqualTo(1);
    }

    @Test
    void shouldSendTheTriggerAgainOnlyAfterAirbyteShowedTheLostOneCreatedNoJob() {
        String id = connection("running:200ms,succeeded");
        EMULATOR.faults().add(FaultRule.on("POST", "/jobs").times(1).drop());

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(EMULATOR.triggerCount(id)).as("the lost one, then one more").isEqualTo(2);
        assertThat(EMULATOR.jobs().stream().filter(j -> j.connectionId().equals(id))).hasSize(1);
    }

    @Test
    void shouldStopSendingTheTriggerAfterTheResendsAndSayNoJobWasCreated() {
        String id = connection("running:200ms,succeeded");
        EMULATOR.faults().add(FaultRule.on("POST", "/jobs").respond(503));

        SyncFailedException e = asSyncFailure(syncFailure("account=test&connectionId=" + id + FAST));

        assertThat(EMULATOR.triggerCount(id)).as("1 + syncrunner.retry.trigger-resends").isEqualTo(4);
        assertThat(e).hasMessageContaining("no job was created").hasMessageContaining("sent 4 time(s)");
        assertThat(EMULATOR.jobs().stream().filter(j -> j.connectionId().equals(id))).isEmpty();
    }

    @Test
    void shouldNeverSendTheTriggerAgainWhenTheLostAnswerHadCreatedAJob() {
        String id = connection("running:300ms,succeeded");
        EMULATOR.faults().add(FaultRule.on("POST", "/jobs").times(1).drop().afterProcessing());

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("attached").asBoolean()).isTrue();
        assertThat(EMULATOR.triggerCount(id)).isEqualTo(1);
    }

    @Test
    void shouldResendATriggerThatNeverReachedTheServer() {
        String id = connection("running:200ms,succeeded");
        int logStart = LogCapture.size();

        SyncFailedException e = asSyncFailure(syncFailure("account=down&connectionId=" + id + FAST));

        assertThat(e).hasMessageContaining("never reached Airbyte").hasMessageContaining("nothing was started")
                .hasRootCauseInstanceOf(ConnectException.class);
        assertThat(LogCapture.linesSince(logStart).stream()
                .filter(l -> l.contains("WARN") && l.contains("On delivery attempt") && l.contains("Connection refused")))
                .as("first attempt and 5 redeliveries of the unsent trigger").hasSize(6);
        assertThat(LogCapture.linesSince(logStart)).noneMatch(l -> l.contains("looking up the connection's jobs"));
    }

    @Test
    void shouldRetryStatusReadsOn503And429WithBackOffAndHonourRetryAfter() {
        String id = connection("running:300ms,succeeded");
        FaultRule unavailable = FaultRule.on("GET", "/jobs/\\d+").times(2).respond(503);
        EMULATOR.faults().add(unavailable);

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));
        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(unavailable.injectedCount()).isEqualTo(2);

        String id2 = connection("running:300ms,succeeded");
        FaultRule limited = FaultRule.on("GET", "/jobs/\\d+").times(1).respond(429).retryAfter(2);
        EMULATOR.faults().add(limited);

        JsonNode result2 = Json.parse(sync("account=test&connectionId=" + id2 + FAST));

        assertThat(result2.path("status").asText()).isEqualTo("succeeded");
        assertThat(limited.injectedCount()).isEqualTo(1);
        List<RecordedRequest> polls = EMULATOR.requests().stream()
                .filter(r -> r.method().equals("GET") && r.apiPath().equals("/jobs/" + result2.path("jobId").asLong()))
                .toList();
        RecordedRequest throttled = polls.stream().filter(r -> r.status() == 429).findFirst().orElseThrow();
        RecordedRequest next = polls.get(polls.indexOf(throttled) + 1);
        assertThat(Duration.between(throttled.at(), next.at())).as("wait after Retry-After: 2")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    }

    @Test
    void shouldGiveUpOnStatusReadsAfterTheConfiguredRedeliveriesWithTheApiError() {
        String id = connection("running:300ms,succeeded");
        EMULATOR.faults().add(FaultRule.on("GET", "/jobs/\\d+").respond(502));

        Throwable e = syncFailure("account=test&connectionId=" + id + FAST);

        assertThat(e).hasMessageContaining("read the status of Airbyte job").hasMessageContaining("502");
        long jobId = EMULATOR.jobs().stream().filter(j -> j.connectionId().equals(id)).findFirst().orElseThrow().jobId();
        assertThat(EMULATOR.count("GET", ".*/jobs/" + jobId)).as("first read + 5 redeliveries").isEqualTo(6);
    }

    @Test
    void shouldNameTheConnectionWhenAirbyteDoesNotKnowIt() {
        String unknown = "0b5e8d3c-7a41-4f9e-b2c6-000000000404";

        Throwable e = syncFailure("account=test&connectionId=" + unknown + FAST);

        assertThat(e).isInstanceOf(ApiRejectedException.class).hasMessageContaining(unknown)
                .hasMessageContaining("404").hasMessageContaining("resource-not-found");
        assertThat(EMULATOR.triggerCount(unknown)).isEqualTo(1);
    }

    @Test
    void shouldRejectBadInputsWithClearErrorsBeforeCallingAirbyte() {
        long before = EMULATOR.requests().size();
        String id = connection("running:200ms,succeeded");

        assertThat(syncFailure("account=test&connectionId=not-a-uuid")).hasMessageContaining("'not-a-uuid' is not a UUID");
        assertThat(syncFailure("account=nope&connectionId=" + id)).hasMessageContaining("Unknown Airbyte account 'nope'")
                .hasMessageContaining("airbyte.nope.base-url");
        assertThat(syncFailure("account=test&connectionId=" + id + "&jobType=refresh"))
                .hasMessageContaining("jobType 'refresh' is not supported");
        assertThat(syncFailure("account=test&connectionId=" + id + "&pollInterval=soon"))
                .hasMessageContaining("pollInterval 'soon' is not a duration");
        assertThat(syncFailure("account=test&connectionId=" + id + "&onActiveSync=queue"))
                .hasMessageContaining("onActiveSync 'queue'");
        assertThat(syncFailure("account=test&connectionId=" + id + "&wait=maybe")).hasMessageContaining("wait='maybe'");

        assertThat(EMULATOR.requests().size()).as("requests sent to Airbyte").isEqualTo(before);
        assertThat(EMULATOR.triggerCount(id)).isZero();
    }

    @Test
    void shouldReturnRightAfterTheTriggerWhenWaitIsFalse() {
        String id = connection("pending:5s,running:5s,succeeded");

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + "&wait=false"));

        assertThat(result.path("status").asText()).isEqualTo("pending");
        assertThat(result.path("jobId").asLong()).isPositive();
        assertThat(EMULATOR.count("GET", ".*/jobs/" + result.path("jobId").asLong())).isZero();
    }

    @Test
    void shouldFailClearlyWhenTheConnectionIsNotActive() {
        String id = connection("running:200ms,succeeded");
        EMULATOR.setConnectionActive(id, false);

        SyncFailedException e = asSyncFailure(syncFailure("account=test&connectionId=" + id + FAST));

        assertThat(e).hasMessageContaining("refused to sync").hasMessageContaining(id).hasMessageContaining("active");
    }

    @Test
    void shouldCarryAJobIdAboveTwoToThe31ThroughTriggerStatusReadsCancelLogsAndResultExactly() {
        String id = connection("running:1h,succeeded");
        int logStart = LogCapture.size();

        SyncFailedException e = asSyncFailure(syncFailure("account=test&connectionId=" + id + FAST + "&waitTimeout=1s"));

        JobSnapshot job = EMULATOR.jobs().stream().filter(j -> j.connectionId().equals(id)).findFirst().orElseThrow();
        assertThat(job.jobId()).as("the emulator numbers jobs above 2^31, as int64 allows").isGreaterThan(Integer.MAX_VALUE);
        JsonNode result = Json.parse(e.result());
        assertThat(result.get("jobId").isIntegralNumber()).as("jobId stays a JSON number: " + e.result()).isTrue();
        assertThat(result.get("jobId").asLong()).isEqualTo(job.jobId());
        assertThat(e.result()).contains("\"jobId\":" + job.jobId() + ",");
        assertThat(EMULATOR.count("GET", ".*/jobs/" + job.jobId())).isPositive();
        assertThat(EMULATOR.count("DELETE", ".*/jobs/" + job.jobId())).isEqualTo(1);
        assertThat(job.cancelRequested()).isTrue();
        assertThat(e).hasMessageContaining("Airbyte job " + job.jobId() + " ");
        assertThat(LogCapture.linesSince(logStart)).anyMatch(l -> l.contains("Airbyte job " + job.jobId() + " started"));
    }

    @Test
    void shouldFindTheActiveJobNewestFirstWhenTheConnectionHasMoreThanOnePageOfJobs() throws Exception {
        String id = connection("succeeded", 3, 30);
        for (int i = 0; i < 25; i++) { // more than Airbyte's default page (20) and the runner's page (10)
            startJobOutsideTheRunner(id);
        }
        EMULATOR.setConnectionScript(id, "running:800ms,succeeded");
        long running = startJobOutsideTheRunner(id);

        JsonNode result = Json.parse(sync("account=test&connectionId=" + id + FAST));

        assertThat(result.path("attached").asBoolean()).isTrue();
        assertThat(result.path("jobId").asLong()).isEqualTo(running);
        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(EMULATOR.requests()).anySatisfy(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.query()).contains("connectionId=" + id).contains("orderBy=createdAt%7CDESC");
        });
    }

    private static long startJobOutsideTheRunner(String connectionId) throws Exception {
        HttpRequest post = HttpRequest.newBuilder(URI.create(EMULATOR.cloudApiUrl() + "/jobs"))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("airbyte:" + BASIC_PASSWORD).getBytes()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"connectionId\":\"" + connectionId + "\",\"jobType\":\"sync\"}"))
                .build();
        HttpResponse<String> response = HTTP.send(post, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return Json.parse(response.body()).path("jobId").asLong();
    }
}
