package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.auth.TokenCache;
import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncTimeoutException;
import io.syncrunner.testsupport.PrismProxy;
import io.syncrunner.testsupport.RunnerTestSupport;
import io.syncrunner.testsupport.Specs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The runner and the emulator against the official Airbyte public API spec: every request the runner sends and
 * every answer the emulator gives passes through Prism's validating proxy ({@code --errors}), and any violation
 * fails the test. Prism calls go to {@code <prism>/jobs}, forwarded to {@code <emulator>/v1/jobs}.
 */
class AirbyteContractIT extends RunnerTestSupport {
    private static PrismProxy prism;

    @Override
    protected Properties moreProperties() {
        if (prism == null) {
            prism = PrismProxy.start(Specs.airbyte(), EMULATOR.cloudApiUrl());
        }
        Properties p = new Properties();
        p.put("syncrunner.inventory.enabled", "true"); // (off by default in the tests)
        p.put("airbyte.prism.base-url", prism.url());
        // Prism serves the spec's paths at its root, as a gateway in front of Airbyte may
        p.put("airbyte.prism.api-path", "/");
        p.put("airbyte.prism.client-id", CLIENT_ID);
        p.put("airbyte.prism.client-secret", CLIENT_SECRET);
        // the connection inventory lists again every few seconds: its calls go through Prism too
        p.put("syncrunner.inventory.refresh-interval", "3s");
        // the webhook registration is run by the test that checks it; polling stays as fast as each sync asks
        p.put("airbyte.webhooks.account", "prism");
        p.put("airbyte.webhooks.public-url", url("/webhooks/airbyte"));
        p.put("airbyte.webhooks.secret", secret("contract-airbyte-hook-secret-Ld64Wq"));
        p.put("airbyte.webhooks.fallback-poll-interval", "100ms");
        return p;
    }

    @AfterAll
    static void stopPrism() {
        if (prism != null) {
            prism.close();
        }
    }

    @BeforeEach
    void freshLogAndToken() {
        // every test fetches its token, so that each one sees the token call pass through Prism too
        context.getRegistry().lookupByNameAndType("tokenCache", TokenCache.class).clear();
        prism.clearOutput();
    }

    @Test
    void shouldSendAndReceiveOnlySpecConformantMessagesForASuccessfulSync() {
        String id = connection("pending:200ms,running:400ms,succeeded", 10, 100);

        JsonNode result = Json.parse(sync("account=prism&connectionId=" + id + "&pollInterval=100ms"));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(prism.output()).anyMatch(l -> l.contains("/applications/token"));
        prism.assertNoViolations();
    }

    @Test
    void shouldStayWithinTheSpecWhenRegisteringTheNotificationWebhookInTheWorkspace() {
        EMULATOR.setWorkspaceNotifications(Json.parse("{\"success\": {\"email\": {\"enabled\": true}}}"));
        String workspace = "/workspaces/" + io.syncrunner.devtools.emulator.AirbyteEmulator.workspaceId();
        try {
            template.sendBody("direct:airbyte-webhook-register", null);
            template.sendBody("direct:airbyte-webhook-register", null); // the second one only reads

            JsonNode n = EMULATOR.workspaceNotifications();
            assertThat(n.at("/success/webhook/url").asText()).startsWith(url("/webhooks/airbyte/"));
            assertThat(n.at("/failure/webhook/enabled").asBoolean()).isTrue();
            assertThat(n.at("/success/email/enabled").asBoolean()).isTrue();
            assertThat(prism.output()).anyMatch(l -> l.contains("/workspaces?limit=100"));
            assertThat(prism.output().stream().filter(l -> l.contains("get " + workspace + " "))).hasSize(2);
            assertThat(prism.output().stream().filter(l -> l.contains("patch " + workspace + " "))).hasSize(1);
            prism.assertNoViolations();
        } finally {
            EMULATOR.setWorkspaceNotifications(null); // the emulator is shared with other test classes
        }
    }

    @Test
    void shouldStayWithinTheSpecWhenAJobFailsOrIsCancelledOnTimeout() {
        String failing = connection("running:300ms,failed");
        assertThat(syncFailure("account=prism&connectionId=" + failing + "&pollInterval=100ms"))
                .hasMessageContaining("ended failed");

        String slow = connection("running:1h,succeeded");
        Throwable timedOut = syncFailure("account=prism&connectionId=" + slow + "&pollInterval=100ms&waitTimeout=500ms");
        assertThat(timedOut).isInstanceOf(SyncTimeoutException.class);
        long jobId = Json.parse(((SyncTimeoutException) timedOut).result()).path("jobId").asLong();
        assertThat(jobId).as("int64 job id above 2^31").isGreaterThan(Integer.MAX_VALUE);
        assertThat(prism.output()).anyMatch(l -> l.contains("delete /jobs/" + jobId + " "));
        prism.assertNoViolations();
    }

    @Test
    void shouldOnlyMeetUndocumentedStatusCodesWhenAttachingAfterA409Or500() {
        // The spec documents neither 409 nor 500 for POST /jobs, though Airbyte sends both: Prism may only
        // warn that it cannot match those status codes; everything else, the job list included, must conform.
        String id = connection("running:600ms,succeeded");
        EMULATOR.faults().add(FaultRule.on("POST", "/jobs").times(1).respond(500).afterProcessing());

        JsonNode result = Json.parse(sync("account=prism&connectionId=" + id + "&pollInterval=100ms"));

        assertThat(result.path("attached").asBoolean()).isTrue();
        List<String> violations = prism.violations();
        assertThat(violations).allMatch(v -> v.contains("Unable to match the returned status code"),
                "only the undocumented-status warning");
        assertThat(violations).hasSizeLessThanOrEqualTo(1);
        assertThat(prism.output()).anyMatch(l -> l.contains("/jobs?connectionId="));
    }

    @Test
    void shouldStayWithinTheSpecWhenAttachingAfterA409ToTheNewestOfMoreThanAPageOfJobs() throws Exception {
        String id = connection("succeeded");
        for (int i = 0; i < 25; i++) {
            startJobOutsideTheRunner(id);
        }
        EMULATOR.setConnectionScript(id, "running:800ms,succeeded");
        long running = startJobOutsideTheRunner(id);
        prism.clearOutput();

        JsonNode result = Json.parse(sync("account=prism&connectionId=" + id + "&pollInterval=100ms"));

        assertThat(result.path("attached").asBoolean()).isTrue();
        assertThat(result.path("jobId").asLong()).isEqualTo(running);
        assertThat(prism.output()).anyMatch(l -> l.contains("/jobs?connectionId=" + id + "&orderBy=createdAt%7CDESC"));
        assertThat(prism.output()).anyMatch(l -> l.contains("get /jobs/" + running + " "));
        List<String> violations = prism.violations();
        assertThat(violations).allMatch(v -> v.contains("Unable to match the returned status code"),
                "only the warning that the spec does not list 409 for POST /jobs");
        assertThat(violations).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void shouldMakePrismReportAnEmulatorAnswerThatBreaksTheSpec() throws Exception {
        String id = connection("running:600ms,succeeded");
        // one status read answers jobId as a string (int64 in the spec): Prism must catch it
        EMULATOR.faults().add(FaultRule.on("GET", "/jobs/\\d+").times(1).respond(200).body("{\"jobId\":\"1\","
                + "\"status\":\"running\",\"jobType\":\"sync\",\"startTime\":\"2026-11-23T10:15:30Z\","
                + "\"connectionId\":\"" + id + "\"}"));

        JsonNode result = Json.parse(sync("account=prism&connectionId=" + id + "&pollInterval=100ms"));

        assertThat(result.path("status").asText()).as("the runner read the status again after Prism's 500")
                .isEqualTo("succeeded");
        assertThat(prism.violations()).anyMatch(v -> v.contains("get /jobs/") && v.contains("#VIOLATIONS"));
        assertThatThrownBy(prism::assertNoViolations).isInstanceOf(AssertionError.class)
                .hasMessageContaining("contract violation");

        // the same check on a direct call, where Prism's answer names the broken field: a required one left out
        long jobId = result.path("jobId").asLong();
        EMULATOR.faults().add(FaultRule.on("GET", "/jobs/\\d+").times(1).respond(200).body("{\"jobId\":" + jobId
                + ",\"jobType\":\"sync\",\"startTime\":\"2026-11-23T10:15:30Z\",\"connectionId\":\"" + id + "\"}"));
        HttpResponse<String> checked = HTTP.send(HttpRequest.newBuilder(URI.create(prism.url() + "/jobs/" + jobId))
                .header("Authorization", "Bearer " + EMULATOR.issueToken("contract-test")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(checked.statusCode()).isEqualTo(500);
        assertThat(checked.body()).contains("#VIOLATIONS").contains("status");
        assertThat(checked.headers().firstValue("sl-violations")).hasValueSatisfying(v -> assertThat(v).contains("status"));
    }

    private static long startJobOutsideTheRunner(String connectionId) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(EMULATOR.cloudApiUrl() + "/jobs"))
                .header("Authorization", "Bearer " + EMULATOR.issueToken("outside-the-runner"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"connectionId\":\"" + connectionId
                        + "\",\"jobType\":\"sync\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parse(r.body()).path("jobId").asLong();
    }
    @Test
    void shouldListWorkspacesConnectionsAndLatestJobsForTheInventoryWithinTheSpec() {
        connection("running:200ms,succeeded");

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).untilAsserted(() -> {
            List<String> out = prism.output();
            assertThat(out).anyMatch(l -> l.contains("] get /workspaces "));
            assertThat(out).anyMatch(l -> l.contains("] get /connections "));
            assertThat(out).anyMatch(l -> l.contains("/jobs?connectionId=") && l.contains("jobType=sync&limit=1"));
        });
        prism.assertNoViolations();
    }
}
