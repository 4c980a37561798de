package io.syncrunner.durability;

import io.syncrunner.devtools.emulator.EmulatedConnector;
import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.CpuLoad;
import io.syncrunner.testsupport.EmbeddedPostgresSupport;
import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fencing: two runners share one PostgreSQL journal; runner A accepts every sync and is paused with SIGSTOP (a GC
 * pause, a frozen VM) past its lease; runner B takes its runs over and carries them on (triggers what was not
 * triggered, cancels the Airbyte jobs whose wait timed out, sets the Fivetran schedules). Then A goes on (SIGCONT)
 * with its flows where they stood, and the emulators' request logs are the truth: one trigger per connection, one
 * cancel per timed-out job, one PATCH per connector, and no call that changes anything after A went on.
 * <p>
 * What A has to send when it goes on is arranged, not left to timing: the emulators hold answers (each request
 * handled at once, its answer kept until the test releases it right after the SIGSTOP), so that at the stop
 * <ul>
 *   <li>A has read each timing-out Airbyte job (running) and not yet seen the answer: it sees it on waking, past
 *       the wait's deadline, and its next call is the cancel;</li>
 *   <li>A has read each Fivetran connector on an automatic schedule and not yet seen the answer: its next call is
 *       the PATCH to the manual schedule;</li>
 *   <li>A's {@value #TRIGGER_THREADS} run-starting threads wait for the answers of their triggers (the jobs are
 *       created), so all its other runs wait in the starter's queue: each one's next call is its trigger.</li>
 * </ul>
 * Every one of those calls must be refused by A's fencing check (one "not sending" line each), none reaches an
 * emulator, and A does not crash.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FencingIT {
    /** Runner A's threads that start runs (syncrunner.trigger.threads): held by held trigger answers. */
    private static final int TRIGGER_THREADS = 2;
    private final SyncFleet fleet = new SyncFleet().add(12, 4, Duration.ofSeconds(9));
    private final EmbeddedPostgresSupport postgres = new EmbeddedPostgresSupport().start();

    @AfterAll
    void close() {
        fleet.close();
        postgres.close();
    }

    @Test
    void shouldSendNoCallForARunTakenOverWhileItsRunnerWasPaused() throws Exception {
        // Airbyte jobs that outlast their wait (B cancels them), Fivetran connectors on an automatic schedule
        // (each run PATCHes it to manual before its trigger)
        List<String> timingOut = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = UUID.randomUUID().toString();
            fleet.airbyte.addConnection(id, "running:120s,succeeded");
            timingOut.add(id);
        }
        List<String> patched = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = "p_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            fleet.fivetran.addConnector(EmulatedConnector.of(id, SyncFleet.GROUP).script("syncing:9s,succeeded")
                    .scheduleType("auto"));
            patched.add(id);
        }

        // -Dfencing.cpu-load=N: N busy processes compete with both runners and the emulators the whole time
        int busy = Integer.getInteger("fencing.cpu-load", 0);
        try (CpuLoad load = busy > 0 ? CpuLoad.start(0, busy) : null;
             RunnerProcess a = node("fence-a").property("syncrunner.trigger.threads", String.valueOf(TRIGGER_THREADS))
                .start(); RunnerProcess b = node("fence-b").start()) {
            Map<String, String> extra = new LinkedHashMap<>();
            // 1. A triggers the timing-out jobs; its first status read of each is answered only after the stop
            FaultRule jobReads = fleet.airbyte.faults().add(FaultRule.on("GET", "/jobs/\\d+").times(timingOut.size())
                    .afterProcessing().hold());
            for (String id : timingOut) {
                extra.put(submit(a, "{\"provider\":\"airbyte\",\"account\":\"default\",\"connectionId\":\"" + id
                        + "\",\"pollInterval\":\"500ms\",\"waitTimeout\":\"7s\"}"), id);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> jobReads.heldCount() == timingOut.size());
            // 2. A reads the connectors to be switched to manual (schedule "auto"); the answers wait
            FaultRule connectorReads = fleet.fivetran.faults().add(FaultRule.on("GET", "/connections/p_[0-9a-f]{12}")
                    .times(patched.size()).afterProcessing().hold());
            for (String id : patched) {
                extra.put(submit(a, "{\"provider\":\"fivetran\",\"account\":\"default\",\"connectorId\":\"" + id
                        + "\",\"setManualSchedule\":true,\"pollInterval\":\"500ms\",\"waitTimeout\":\"5m\"}"), id);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> connectorReads.heldCount() == patched.size());
            // 3. the first fleet runs (Airbyte) take A's run-starting threads and wait for their trigger answers (the
            // jobs are created); every other fleet run waits in A's queue
            FaultRule triggerAnswers = fleet.airbyte.faults().add(FaultRule.on("POST", "/jobs").times(TRIGGER_THREADS)
                    .afterProcessing().hold());
            fleet.submitAll(a);
            await().atMost(Duration.ofSeconds(60)).until(() -> triggerAnswers.heldCount() == TRIGGER_THREADS);
            int runs = fleet.runs.size() + extra.size();

            Map<String, SyncFleet.Target> queued = new LinkedHashMap<>();
            fleet.runs.forEach((runId, t) -> {
                if (!started(t)) {
                    queued.put(runId, t);
                }
            });
            assertThat(queued).as("fleet runs waiting in A's queue")
                    .hasSize(fleet.runs.size() - TRIGGER_THREADS);
            assertThat(timingOut).as("A cancelled nothing before the stop").allMatch(id -> cancels(id) == 0);
            assertThat(patched).as("A PATCHed nothing before the stop").allMatch(id -> patches(id) == 0);

            // A is paused with all of that due; the answers go out to it while it cannot read them
            signal(a, "STOP");
            Instant stopped = Instant.now();
            List.of(jobReads, connectorReads, triggerAnswers).forEach(FaultRule::release);

            // B takes A's runs over and brings each as far as A would have: triggered, cancelled, patched
            await().atMost(Duration.ofSeconds(60)).until(() -> b.logContains("Took over"));
            await().atMost(Duration.ofSeconds(90)).until(() -> fleet.triggersSeen() >= fleet.targetCount()
                    && timingOut.stream().allMatch(id -> fleet.airbyte.triggerCount(id) >= 1
                            && cancels(id) >= 1)
                    && patched.stream().allMatch(id -> fleet.fivetran.triggerCount(id) >= 1 && patches(id) >= 1));
            Duration stoppedFor = Duration.between(stopped, Instant.now());
            Instant resumed = Instant.now();
            signal(a, "CONT");

            await().atMost(Duration.ofSeconds(90)).until(() -> fleet.finished(b) == fleet.runs.size()
                    && extra.keySet().stream().allMatch(id -> finishedQuietly(b, id)));
            // A's flows go on where they stood; each stops at its next call or write, with one line
            List<String> all = new ArrayList<>(fleet.runs.keySet());
            all.addAll(extra.keySet());
            await().atMost(Duration.ofSeconds(90)).until(() -> all.stream()
                    .allMatch(id -> a.logContains("Run " + id + " stopped on this runner")));

            // the calls A's fencing refused, by kind (one "not sending" line names each)
            List<String> refusals = a.logLines("not sending");
            Set<String> refusedTriggers = new LinkedHashSet<>();
            queued.values().forEach(t -> {
                if (refusals.stream().anyMatch(l -> l.contains("not sending the trigger of " + t.provider()
                        + "/default/" + t.id() + "/"))) {
                    refusedTriggers.add(t.id());
                }
            });
            Set<String> refusedCancels = new LinkedHashSet<>();
            for (String id : timingOut) {
                for (JobSnapshot j : jobsOf(id)) {
                    if (refusals.stream().anyMatch(l -> l.contains("not sending DELETE /jobs/" + j.jobId() + ";"))) {
                        refusedCancels.add(id);
                    }
                }
            }
            Set<String> refusedPatches = new LinkedHashSet<>();
            for (String id : patched) {
                if (refusals.stream().anyMatch(l -> l.contains("not sending PATCH /v1/connections/" + id + ";"))) {
                    refusedPatches.add(id);
                }
            }
            long lateTriggers = fleet.airbyte.requests().stream().filter(r -> changes(r, resumed) && r.isTrigger())
                    .count() + fleet.fivetran.requests().stream().filter(r -> changes(r, resumed) && r.isTrigger())
                    .count();
            long lateCancels = fleet.airbyte.requests().stream()
                    .filter(r -> changes(r, resumed) && "DELETE".equals(r.method())).count();
            long latePatches = fleet.fivetran.requests().stream()
                    .filter(r -> changes(r, resumed) && "PATCH".equals(r.method())).count();
            long lateCalls = fleet.airbyte.requests().stream().filter(r -> changes(r, resumed)).count()
                    + fleet.fivetran.requests().stream().filter(r -> changes(r, resumed)).count();
            long blocked = refusals.size();
            long takenOver = all.stream().filter(id -> b.logContains("Carrying on run " + id)).count();
            int duplicateTriggers = 0;
            for (SyncFleet.Target t : fleet.runs.values()) {
                duplicateTriggers += Math.max(0, triggers(t.provider(), t.id()) - 1);
            }
            for (String id : timingOut) {
                duplicateTriggers += Math.max(0, triggers("airbyte", id) - 1);
            }
            for (String id : patched) {
                duplicateTriggers += Math.max(0, triggers("fivetran", id) - 1);
            }
            int duplicateCancels = timingOut.stream().mapToInt(id -> (int) Math.max(0, cancels(id) - 1)).sum();
            int duplicatePatches = patched.stream().mapToInt(id -> (int) Math.max(0, patches(id) - 1)).sum();
            SyncFleet.Verdict v = fleet.verdict(b);
            System.out.printf("FENCING TEST: runs=%d takenOver=%d lateCallsBlocked=%d duplicateTriggers=%d"
                            + " duplicateCancels=%d duplicatePatches=%d callsFromAAfterSigcont=%d stoppedFor=%d ms"
                            + " lost=%d wrongState=%d blockedTriggers=%d/%d blockedCancels=%d/%d"
                            + " blockedPatches=%d/%d cpuLoad=%d%n", runs, takenOver, blocked, duplicateTriggers,
                    duplicateCancels, duplicatePatches, lateCalls, stoppedFor.toMillis(), v.lost(), v.wrongState(),
                    refusedTriggers.size(), queued.size(), refusedCancels.size(), timingOut.size(),
                    refusedPatches.size(), patched.size(), busy);

            assertThat(duplicateTriggers).isZero();
            assertThat(duplicateCancels).isZero();
            assertThat(duplicatePatches).isZero();
            assertThat(lateCalls).as("triggers, cancels and PATCHes sent after A went on").isZero();
            // each kind of call A had due when it went on was reached, refused, and never reached an emulator
            assertThat(refusedTriggers).as("A's queued runs reached their triggers and were refused (the fence was"
                    + " tested)").isNotEmpty().containsExactlyInAnyOrderElementsOf(
                    queued.values().stream().map(SyncFleet.Target::id).toList());
            assertThat(lateTriggers).as("triggers that reached an emulator after A went on").isZero();
            assertThat(refusedCancels).as("A's cancels of the timed-out jobs were reached and refused (the fence was"
                    + " tested)").isNotEmpty().containsExactlyInAnyOrderElementsOf(timingOut);
            assertThat(lateCancels).as("cancels that reached Airbyte after A went on").isZero();
            assertThat(refusedPatches).as("A's PATCHes to the manual schedule were reached and refused (the fence"
                    + " was tested)").isNotEmpty().containsExactlyInAnyOrderElementsOf(patched);
            assertThat(latePatches).as("PATCHes that reached Fivetran after A went on").isZero();
            assertThat(blocked).as("A's flows did reach calls it must not send (the fence was tested)").isPositive();
            assertThat(takenOver).isEqualTo(runs);
            assertThat(v.problems()).isEmpty();
            for (String id : timingOut) {
                JsonNodeView run = new JsonNodeView(SyncFleet.run(b, key(extra, id)));
                assertThat(run.state()).isEqualTo("failed");
                assertThat(jobsOf(id).stream().map(JobSnapshot::status)).containsExactly("cancelled");
            }
            for (String id : patched) {
                assertThat(new JsonNodeView(SyncFleet.run(b, key(extra, id))).state()).isEqualTo("succeeded");
            }
            assertThat(a.isAlive()).as("A did not crash").isTrue();
            assertThat(a.log()).doesNotContain("Exception in thread");
            assertThat(SyncFleet.HTTP.send(HttpRequest.newBuilder(URI.create(a.baseUrl() + "/observe/health/live"))
                    .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        }
    }

    /** Whether the provider shows a sync of the target: an Airbyte job, a Fivetran sync. */
    private boolean started(SyncFleet.Target t) {
        return "airbyte".equals(t.provider()) ? !jobsOf(t.id()).isEmpty() : !fleet.fivetran.runs(t.id()).isEmpty();
    }

    private List<JobSnapshot> jobsOf(String connectionId) {
        return fleet.airbyte.jobs().stream().filter(j -> j.connectionId().equals(connectionId)).toList();
    }

    private record JsonNodeView(com.fasterxml.jackson.databind.JsonNode run) {
        String state() {
            return run.path("state").asText();
        }
    }

    private static String key(Map<String, String> extra, String target) {
        return extra.entrySet().stream().filter(e -> e.getValue().equals(target)).findFirst().orElseThrow().getKey();
    }

    /** A request that changes a provider (not a read, not a token request) made after {@code since}. */
    private static boolean changes(RecordedRequest r, Instant since) {
        return r.at().isAfter(since) && !"GET".equals(r.method()) && !r.isTokenRequest();
    }

    private int triggers(String provider, String id) {
        return (int) ("airbyte".equals(provider) ? fleet.airbyte.triggerCount(id) : fleet.fivetran.triggerCount(id));
    }

    private long cancels(String connectionId) {
        return jobsOf(connectionId).stream()
                .mapToLong(j -> fleet.airbyte.count("DELETE", ".*/jobs/" + j.jobId())).sum();
    }

    private long patches(String connectorId) {
        return fleet.fivetran.count("PATCH", ".*/connections/" + connectorId);
    }

    private static boolean finished(RunnerProcess runner, String runId) throws Exception {
        String state = SyncFleet.run(runner, runId).path("state").asText();
        return state.equals("succeeded") || state.equals("failed");
    }

    private static boolean finishedQuietly(RunnerProcess runner, String runId) {
        try {
            return finished(runner, runId);
        } catch (Exception e) {
            return false;
        }
    }

    private static String submit(RunnerProcess runner, String body) throws Exception {
        HttpResponse<String> r = SyncFleet.HTTP.send(HttpRequest.newBuilder(URI.create(runner.baseUrl() + "/api/syncs"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + SyncFleet.TOKEN).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return Json.parse(r.body()).path("runId").asText();
    }

    /** kill -STOP / -CONT: the JVM is frozen (no thread runs, no heartbeat), then goes on where it stood. */
    private static void signal(RunnerProcess runner, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(runner.pid())).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -" + signal).isZero();
    }

    private RunnerProcess.Builder node(String nodeId) {
        return fleet.clusterNode(postgres, nodeId)
                .property("syncrunner.journal.lease", "4s")
                .property("syncrunner.journal.takeover-interval", "1s")
                .property("syncrunner.schedules.clustered", "false")
                // the production answer timeouts: a held answer is read when A goes on, by a clock that ran on
                // through the pause; with the fleet's short timeouts A could give up on it first and read again
                .property("camel.component.http.response-timeout", "60000")
                .property("camel.component.http.so-timeout", "60000");
    }
}
