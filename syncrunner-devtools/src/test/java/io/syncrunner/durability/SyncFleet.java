package io.syncrunner.durability;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.EmulatedConnector;
import io.syncrunner.devtools.emulator.FivetranEmulator;
import io.syncrunner.devtools.emulator.FivetranSyncRun;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.RunnerProcess;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many syncs of both providers on the emulators of the test JVM, submitted to runner processes over HTTP, and the
 * truth to judge their runs by: each connection's jobs (Airbyte) and syncs (Fivetran) as the emulators saw them.
 */
final class SyncFleet {
    static final String CLIENT_ID = "durability-client";
    static final String CLIENT_SECRET = "durability-client-secret-Pq83Lm";
    static final String FIVETRAN_KEY = "durability-fivetran-key";
    static final String FIVETRAN_SECRET = "durability-fivetran-secret-Zx61Vb";
    static final String TOKEN = "durability-api-token-Hn47Ty";
    static final String GROUP = "durability_group";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    final AirbyteEmulator airbyte = AirbyteEmulator.builder().port(0).clientCredentials(CLIENT_ID, CLIENT_SECRET)
            .tokenTtl(Duration.ofMinutes(3)).build().start();
    final FivetranEmulator fivetran = FivetranEmulator.builder().port(0).apiKey(FIVETRAN_KEY, FIVETRAN_SECRET)
            .build().start().addGroup(GROUP);
    /** runId -> the connection (Airbyte) or connector (Fivetran) it syncs. */
    final Map<String, Target> runs = new LinkedHashMap<>();
    private final List<Target> targets = new ArrayList<>();

    record Target(String provider, String id, String expected) {
    }

    /** Adds syncs: {@code airbyteCount} connections and {@code fivetranCount} connectors, every 4th one failing. */
    SyncFleet add(int airbyteCount, int fivetranCount, Duration jobLength) {
        return add(airbyteCount, fivetranCount, jobLength, 4);
    }

    /** Adds syncs as {@link #add(int, int, Duration)}; every {@code failEvery}-th one fails (0: none fails). */
    SyncFleet add(int airbyteCount, int fivetranCount, Duration jobLength, int failEvery) {
        long seconds = Math.max(1, jobLength.toSeconds());
        for (int i = 0; i < airbyteCount; i++) {
            String id = UUID.randomUUID().toString();
            String end = failEvery > 0 && i % failEvery == failEvery - 1 ? "failed" : "succeeded";
            airbyte.addConnection(id, "pending:1s,running:" + seconds + "s," + end, true, 100 + i, 1000 + i);
            targets.add(new Target("airbyte", id, end));
        }
        // each connector synced before, an hour ago, its succeeded_at in microseconds as Fivetran writes it: a run
        // carried on after a restart must compare it with the journal's baseline at full precision (cut to ms, the
        // unchanged timestamp looked like this sync's success, also for the failing ones)
        Instant previous = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600).plusNanos(613_498_000);
        for (int i = 0; i < fivetranCount; i++) {
            String id = "c_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            String end = failEvery > 0 && i % failEvery == failEvery - 1 ? "failed" : "succeeded";
            fivetran.addConnector(EmulatedConnector.of(id, GROUP).script("syncing:" + seconds + "s," + end)
                    .scheduleType("manual").succeededAt(previous));
            targets.add(new Target("fivetran", id, end));
        }
        return this;
    }

    /** The environment and settings that point a runner process at these emulators. */
    RunnerProcess.Builder configure(RunnerProcess.Builder b) {
        return b.env("AIRBYTE_BASE_URL", airbyte.selfManagedApiUrl())
                .env("AIRBYTE_CLIENT_ID", CLIENT_ID)
                .env("AIRBYTE_CLIENT_SECRET", CLIENT_SECRET)
                .env("USE_SERVER_AUTH", "true")
                .env("FIVETRAN_API_KEY", FIVETRAN_KEY)
                .env("FIVETRAN_API_SECRET", FIVETRAN_SECRET)
                .env("SYNCRUNNER_API_TOKEN", TOKEN)
                .property("fivetran.default.base-url", fivetran.baseUrl())
                .property("fivetran.default.requests-per-hour", "1000000")
                .property("syncrunner.check-accounts-at-startup", "false")
                // short HTTP timeouts and back-off, so that the fault mix's timeouts and retries stay quick
                .property("camel.component.http.response-timeout", "1500")
                .property("camel.component.http.so-timeout", "1500")
                .property("syncrunner.retry.initial-delay", "200")
                .property("syncrunner.retry.max-delay", "2000");
    }

    /** One runner of a cluster: the shared PostgreSQL journal and a node id of its own. */
    RunnerProcess.Builder clusterNode(io.syncrunner.testsupport.EmbeddedPostgresSupport postgres, String nodeId) {
        return configure(RunnerProcess.builder(nodeId))
                .env("SYNCRUNNER_JOURNAL_URL", postgres.jdbcUrl())
                .env("SYNCRUNNER_JOURNAL_USER", postgres.user())
                .env("SYNCRUNNER_JOURNAL_PASSWORD", postgres.password())
                .env("SYNCRUNNER_NODE_ID", nodeId);
    }

    private final List<io.syncrunner.devtools.emulator.FaultMix.Installed> faultMixes = new ArrayList<>();

    /** Installs the standard fault mix (5xx, 429, timeouts, drops, slow answers) on both emulators' APIs. */
    SyncFleet withFaults(double rate, long seed) {
        faultMixes.add(io.syncrunner.devtools.emulator.FaultMix.standard(rate, seed).timeoutDelay(Duration.ofMillis(2500))
                .slowDelay(Duration.ofMillis(300)).installOn(airbyte.faults()));
        faultMixes.add(io.syncrunner.devtools.emulator.FaultMix.standard(rate, seed + 1).timeoutDelay(Duration.ofMillis(2500))
                .slowDelay(Duration.ofMillis(300)).installOn(fivetran.faults()));
        return this;
    }

    /** Faults injected so far by the mixes. */
    long faultsInjected() {
        return faultMixes.stream().mapToLong(io.syncrunner.devtools.emulator.FaultMix.Installed::injected).sum();
    }

    /** Posts one sync request per target to the runner; returns how many were accepted. */
    int submitAll(RunnerProcess runner) throws Exception {
        List<String> requests = requests();
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            String body = requests.get(i);
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(runner.baseUrl() + "/api/syncs"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            runs.put(Json.parse(r.body()).path("runId").asText(), t);
        }
        return runs.size();
    }

    /** The sync request of each target, as JSON (for the queue). */
    List<String> requests() {
        List<String> out = new ArrayList<>();
        for (Target t : targets) {
            out.add("airbyte".equals(t.provider())
                    ? "{\"provider\":\"airbyte\",\"account\":\"default\",\"connectionId\":\"" + t.id()
                            + "\",\"pollInterval\":\"500ms\",\"waitTimeout\":\"5m\"}"
                    : "{\"provider\":\"fivetran\",\"account\":\"default\",\"connectorId\":\"" + t.id()
                            + "\",\"pollInterval\":\"500ms\",\"waitTimeout\":\"5m\"}");
        }
        return out;
    }

    /** Learns the runs of the targets from the runner's run list (runs that came from a queue or a schedule). */
    void learnRuns(RunnerProcess runner) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(runner.baseUrl() + "/api/syncs"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode run : Json.parse(r.body())) {
            String target = run.hasNonNull("connectionId") ? run.path("connectionId").asText()
                    : run.path("connectorId").asText();
            targets.stream().filter(t -> t.id().equals(target)).findFirst()
                    .ifPresent(t -> runs.put(run.path("runId").asText(), t));
        }
    }

    int targetCount() {
        return targets.size();
    }

    /** Trigger requests the emulators have seen so far, all targets together. */
    long triggersSeen() {
        return targets.stream().mapToLong(t -> "airbyte".equals(t.provider()) ? airbyte.triggerCount(t.id())
                : fivetran.triggerCount(t.id())).sum();
    }

    static JsonNode run(RunnerProcess runner, String runId) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(runner.baseUrl() + "/api/syncs/" + runId))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.parse(r.body());
    }

    /** How many of the runs the runner reports finished. */
    int finished(RunnerProcess runner) throws Exception {
        int n = 0;
        for (String runId : runs.keySet()) {
            String state = run(runner, runId).path("state").asText();
            if (state.equals("succeeded") || state.equals("failed")) {
                n++;
            }
        }
        return n;
    }

    /** Judges every run against the emulators' truth. */
    Verdict verdict(RunnerProcess runner) throws Exception {
        int duplicates = 0;
        int lost = 0;
        int wrong = 0;
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Target> e : runs.entrySet()) {
            Target t = e.getValue();
            JsonNode run = run(runner, e.getKey());
            String state = run.path("state").asText();
            long triggers;
            String truth;
            if ("airbyte".equals(t.provider())) {
                List<JobSnapshot> jobs = airbyte.jobs().stream().filter(j -> j.connectionId().equals(t.id())).toList();
                triggers = jobs.size();
                truth = jobs.size() == 1 && jobs.get(0).terminal() ? jobs.get(0).status() : null;
                if (jobs.size() == 1 && run.path("result").path("jobId").asLong() != jobs.get(0).jobId()) {
                    wrong++;
                    problems.add(t + ": run reports job " + run.path("result").path("jobId") + ", emulator has "
                            + jobs.get(0).jobId());
                }
            } else {
                List<FivetranSyncRun> syncs = fivetran.runs(t.id());
                triggers = syncs.size();
                truth = syncs.size() == 1 && syncs.get(0).ended() ? syncs.get(0).outcome() : null;
            }
            if (triggers > 1) {
                duplicates++;
                problems.add(t + ": " + triggers + " syncs started");
            }
            if (!state.equals("succeeded") && !state.equals("failed")) {
                lost++;
                problems.add(t + ": run " + e.getKey() + " is still " + state);
            } else if (truth == null || !state.equals("succeeded".equals(truth) ? "succeeded" : "failed")
                    || !truth.equals(t.expected())) {
                wrong++;
                problems.add(t + ": run " + state + ", emulator " + truth + ": " + run);
            }
        }
        return new Verdict(runs.size(), duplicates, lost, wrong, problems);
    }

    record Verdict(int syncs, int duplicates, int lost, int wrongState, List<String> problems) {
    }

    void close() {
        airbyte.close();
        fivetran.close();
    }
}
