package io.syncrunner.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.FaultMix;
import io.syncrunner.devtools.emulator.FivetranSyncRun;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fault suite of "No sync lost, none triggered twice": many syncs of both providers through the real runner
 * ({@code POST /api/syncs}) while both emulators fault 20% of their API requests with the standard
 * {@link FaultMix} (5xx, 429, timeouts, dropped connections before and after processing, 5xx after processing,
 * slow answers). Every run must end, in the true terminal state of what the emulator ran, and no connection may
 * get a second job / sync. The emulators' records are the truth; the runner's HTTP API itself is not faulted.
 *
 * <p>The seed is fixed (reproducible); {@code -DfaultSuite.seed=N} runs another one.
 */
@org.junit.jupiter.api.extension.ExtendWith(io.syncrunner.testsupport.Contention.class)
class FaultSuiteIT extends FivetranTestSupport {
    private static final String TOKEN = "test-api-token-Fs83Kq";
    private static final long SEED = Long.getLong("faultSuite.seed", 20_261_123L);
    private static final double RATE = 0.2;
    private static final int AIRBYTE_SYNCS = 60;
    private static final int FIVETRAN_SYNCS = 40;
    /** The runner's HTTP response timeout in this test; a timeout fault holds its answer a second longer. */
    private static final int RESPONSE_TIMEOUT_MS = 1500;
    private static final Duration TIMEOUT_DELAY = Duration.ofMillis(RESPONSE_TIMEOUT_MS + 1000);
    private static final Duration SLOW_DELAY = Duration.ofMillis(400);
    /** What a run says when its trigger's outcome was unknown and the lookup found nothing it started. */
    private static final Pattern NOT_STARTED = Pattern.compile(
            "no job was created|nothing was started|shows no sync", Pattern.CASE_INSENSITIVE);

    private final List<FaultMix.Installed> mixes = new ArrayList<>();

    @Override
    protected String apiToken() {
        return TOKEN;
    }

    @Override
    protected java.util.Properties fivetranProperties() {
        java.util.Properties p = new java.util.Properties();
        // short timeouts, so that the timeout faults cost seconds, not minutes
        p.put("camel.component.http.response-timeout", String.valueOf(RESPONSE_TIMEOUT_MS));
        p.put("camel.component.http.so-timeout", String.valueOf(RESPONSE_TIMEOUT_MS));
        // the production number of read retries (8), with shorter back-off than production (1 s .. 60 s)
        p.put("syncrunner.retry.max-redeliveries", "8");
        p.put("syncrunner.retry.initial-delay", "200");
        p.put("syncrunner.retry.max-delay", "2000");
        // the default budget (15,000/hour) would space 40 concurrent waits' polls ~10 s apart
        p.put("fivetran.test.requests-per-hour", "360000");
        return p;
    }

    @AfterEach
    void removeFaults() {
        mixes.forEach(FaultMix.Installed::remove);
    }

    /** One submitted sync: what it is, what the emulator's job will end as, and its run. */
    private record Submitted(String provider, String target, String expectedEnd, String runId) {
    }

    @io.syncrunner.testsupport.Contention.UnderLoad
    void shouldEndEverySyncInItsTrueStateAndTriggerNoneTwiceUnder20PercentFaults() throws Exception {
        List<String[]> syncs = new ArrayList<>(); // provider, target, scripted final status
        String[] airbyteEnds = {"succeeded", "failed", "cancelled"};
        for (int i = 0; i < AIRBYTE_SYNCS; i++) {
            String end = airbyteEnds[i % 3];
            syncs.add(new String[]{"airbyte", connection("pending:500ms,running:" + (2000 + 500 * (i % 4)) + "ms,"
                    + end, 100 + i, 1000 + i), end});
        }
        for (int i = 0; i < FIVETRAN_SYNCS; i++) {
            String end = i % 2 == 0 ? "succeeded" : "failed";
            syncs.add(new String[]{"fivetran", add(connector("syncing:" + (2500 + 500 * (i % 3)) + "ms," + end)), end});
        }
        FaultMix mix = FaultMix.standard(RATE, SEED).timeoutDelay(TIMEOUT_DELAY).slowDelay(SLOW_DELAY);
        FaultMix.Installed airbyteFaults = mix.installOn(EMULATOR.faults());
        mixes.add(airbyteFaults);
        FaultMix.Installed fivetranFaults = FaultMix.standard(RATE, SEED + 1).timeoutDelay(TIMEOUT_DELAY)
                .slowDelay(SLOW_DELAY).installOn(FIVETRAN.faults());
        mixes.add(fivetranFaults);
        long started = System.nanoTime();

        List<Submitted> submitted = new ArrayList<>();
        for (String[] s : syncs) {
            String target = s[0].equals("airbyte") ? "connectionId" : "connectorId";
            HttpResponse<String> accepted = post("{\"provider\":\"" + s[0] + "\",\"account\":\"test\",\"" + target
                    + "\":\"" + s[1] + "\",\"pollInterval\":\"500ms\",\"waitTimeout\":\"70s\"}");
            assertThat(accepted.statusCode()).as("submission of %s %s", s[0], s[1]).isEqualTo(202);
            submitted.add(new Submitted(s[0], s[1], s[2], Json.parse(accepted.body()).path("runId").asText()));
        }

        Map<String, JsonNode> finished = new ConcurrentHashMap<>();
        boolean allFinished = true;
        try {
            await().atMost(Duration.ofSeconds(75)).pollInterval(Duration.ofMillis(500)).until(() -> {
                for (Submitted s : submitted) {
                    if (!finished.containsKey(s.runId())) {
                        JsonNode run = run(s.runId());
                        if (Set.of("succeeded", "failed").contains(run.path("state").asText())) {
                            finished.put(s.runId(), run);
                        }
                    }
                }
                return finished.size() == submitted.size();
            });
        } catch (ConditionTimeoutException e) {
            allFinished = false;
        }
        double wall = (System.nanoTime() - started) / 1e9;
        airbyteFaults.remove();
        fivetranFaults.remove();

        Map<String, List<String>> problems = new LinkedHashMap<>();
        for (String kind : List.of("unfinished", "duplicates", "lost", "wrongState")) {
            problems.put(kind, new ArrayList<>());
        }
        int notStarted = 0;
        int attached = 0;
        int succeeded = 0;
        int failed = 0;
        Map<String, Integer> endsSeen = new LinkedHashMap<>();
        List<JobSnapshot> allJobs = EMULATOR.jobs();
        for (Submitted s : submitted) {
            JsonNode run = finished.get(s.runId());
            if (run == null) {
                problems.get("unfinished").add(s + " state " + run(s.runId()).path("state").asText());
                continue;
            }
            String state = run.path("state").asText();
            String resultStatus = run.path("result").path("status").asText(null);
            String error = run.path("error").asText("");
            if (state.equals("succeeded")) {
                succeeded++;
            } else {
                failed++;
            }
            attached += run.path("result").path("attached").asBoolean() ? 1 : 0;
            // what the emulator started for this connection / connector: its final status, or null for nothing
            List<String> ends;
            List<String> notEnded;
            if (s.provider().equals("airbyte")) {
                List<JobSnapshot> jobs = allJobs.stream().filter(j -> j.connectionId().equals(s.target())).toList();
                ends = jobs.stream().map(JobSnapshot::status).toList();
                notEnded = jobs.stream().filter(j -> !j.terminal()).map(j -> "job " + j.jobId()).toList();
            } else {
                List<FivetranSyncRun> runs = FIVETRAN.runs(s.target());
                ends = runs.stream().map(FivetranSyncRun::outcome).toList();
                notEnded = runs.stream().filter(r -> !r.ended()).map(r -> "sync " + r.syncId()).toList();
            }
            String seen = s + " -> run " + state + " (result status " + resultStatus + ", error '" + error
                    + "'), emulator " + ends;
            if (ends.size() > 1) {
                problems.get("duplicates").add(seen);
                continue;
            }
            if (ends.isEmpty()) {
                if (state.equals("failed") && NOT_STARTED.matcher(error).find()) {
                    notStarted++;
                } else {
                    problems.get("wrongState").add(seen + ": nothing ran, but the run does not say so");
                }
                continue;
            }
            String end = ends.get(0);
            endsSeen.merge(s.provider() + " " + end, 1, Integer::sum);
            if (!notEnded.isEmpty()) {
                problems.get("lost").add(seen + ": still running in the emulator");
            } else if (!end.equals(s.expectedEnd())) {
                problems.get("wrongState").add(seen + ": the emulator's job did not end as scripted ("
                        + s.expectedEnd() + ")");
            } else if (!end.equals(resultStatus)) {
                // the run did not follow the job to its end (e.g. it gave up, or said nothing was started)
                problems.get(resultStatus == null || !Set.of("succeeded", "failed", "cancelled").contains(resultStatus)
                        ? "lost" : "wrongState").add(seen);
            } else if (!state.equals(end.equals("succeeded") ? "succeeded" : "failed")
                    || (!end.equals("succeeded") && !error.toLowerCase(Locale.ROOT).contains(end))) {
                problems.get("wrongState").add(seen + ": run state or error does not match");
            }
        }

        Map<FaultMix.Kind, Long> byKind = new EnumMap<>(FaultMix.Kind.class);
        airbyteFaults.injectedByKind().forEach((k, n) -> byKind.merge(k, n, Long::sum));
        fivetranFaults.injectedByKind().forEach((k, n) -> byKind.merge(k, n, Long::sum));
        long triggers = submitted.stream().mapToLong(s -> s.provider().equals("airbyte")
                ? EMULATOR.triggerCount(s.target()) : FIVETRAN.triggerCount(s.target())).sum();
        String figures = String.format(Locale.ROOT, """
                FAULT SUITE: seed=%d rate=%.2f syncs=%d (airbyte %d, fivetran %d) allFinished=%s wall=%.1fs
                  requests seen: airbyte %d, fivetran %d; faultsInjected=%d (%s)
                  trigger requests=%d; runs succeeded=%d failed=%d (attached after an unknown trigger outcome=%d);\
                 emulator ends %s
                  duplicates=%d lost=%d wrongState=%d unfinished=%d notStarted=%d""",
                SEED, RATE, submitted.size(), AIRBYTE_SYNCS, FIVETRAN_SYNCS, allFinished, wall,
                airbyteFaults.requestsSeen(), fivetranFaults.requestsSeen(),
                airbyteFaults.injected() + fivetranFaults.injected(),
                byKind.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")),
                triggers, succeeded, failed, attached, endsSeen,
                problems.get("duplicates").size(), problems.get("lost").size(), problems.get("wrongState").size(),
                problems.get("unfinished").size(), notStarted);
        System.out.println(figures);
        io.syncrunner.testsupport.Contention.tally(submitted.size(), problems.get("lost").size()
                + problems.get("unfinished").size(), problems.get("duplicates").size());
        problems.forEach((kind, list) -> list.forEach(p -> System.out.println("  " + kind + ": " + p)));

        assertThat(problems.values().stream().flatMap(List::stream).toList()).as(figures).isEmpty();
        assertThat(airbyteFaults.injected() + fivetranFaults.injected()).as("faults injected").isPositive();
        assertThat(byKind.values()).as("every kind of fault was injected: %s", byKind).allMatch(n -> n > 0);
    }

    private HttpResponse<String> post(String body) throws Exception {
        return postSync(body, TOKEN, "application/json");
    }

    private JsonNode run(String runId) throws Exception {
        return getRun(runId, TOKEN);
    }
}
