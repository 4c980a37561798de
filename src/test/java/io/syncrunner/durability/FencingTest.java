package io.syncrunner.durability;

import io.syncrunner.emulator.EmulatedConnector;
import io.syncrunner.emulator.FaultRule;
import io.syncrunner.emulator.JobSnapshot;
import io.syncrunner.emulator.RecordedRequest;
import io.syncrunner.support.Json;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fencing: two runners share one PostgreSQL journal; runner A accepts every sync and is paused with SIGSTOP (a GC
 * pause, a frozen VM) past its lease while its syncs are triggering, polling and waiting; runner B takes them over
 * and carries them on (triggers what was not triggered, cancels the Airbyte jobs whose wait timed out, sets the
 * Fivetran schedules). Then A goes on (SIGCONT) with its flows where they stood: every trigger, cancel and PATCH it
 * was about to send is refused by its fencing check, nothing it read is written over B's state, and it does not
 * crash. The emulators' request logs are the truth: one trigger per connection, one cancel per timed-out job, one
 * PATCH per connector, and no call that changes anything after A went on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FencingTest {
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
        // slow trigger answers, so that A is stopped with triggers in flight and runs not triggered yet
        fleet.airbyte.faults().add(FaultRule.on("POST", "/jobs").delay(Duration.ofMillis(700)));
        fleet.fivetran.faults().add(FaultRule.on("POST", ".*/sync").delay(Duration.ofMillis(700)));

        try (RunnerProcess a = node("fence-a").start(); RunnerProcess b = node("fence-b").start()) {
            Map<String, String> extra = new LinkedHashMap<>();
            for (String id : timingOut) {
                extra.put(submit(a, "{\"provider\":\"airbyte\",\"account\":\"default\",\"connectionId\":\"" + id
                        + "\",\"pollInterval\":\"500ms\",\"waitTimeout\":\"7s\"}"), id);
            }
            fleet.submitAll(a);
            for (String id : patched) {
                extra.put(submit(a, "{\"provider\":\"fivetran\",\"account\":\"default\",\"connectorId\":\"" + id
                        + "\",\"setManualSchedule\":true,\"pollInterval\":\"500ms\",\"waitTimeout\":\"5m\"}"), id);
            }
            int runs = fleet.runs.size() + extra.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> fleet.triggersSeen() >= 3);
            signal(a, "STOP");
            Instant stopped = Instant.now();

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

            long lateCalls = fleet.airbyte.requests().stream().filter(r -> changes(r, resumed)).count()
                    + fleet.fivetran.requests().stream().filter(r -> changes(r, resumed)).count();
            long blocked = a.logLines("not sending").size();
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
                            + " lost=%d wrongState=%d%n", runs, takenOver, blocked, duplicateTriggers, duplicateCancels,
                    duplicatePatches, lateCalls, stoppedFor.toMillis(), v.lost(), v.wrongState());

            assertThat(duplicateTriggers).isZero();
            assertThat(duplicateCancels).isZero();
            assertThat(duplicatePatches).isZero();
            assertThat(lateCalls).as("triggers, cancels and PATCHes sent after A went on").isZero();
            assertThat(blocked).as("A's flows did reach calls it must not send (the fence was tested)").isPositive();
            assertThat(takenOver).isEqualTo(runs);
            assertThat(v.problems()).isEmpty();
            for (String id : timingOut) {
                JsonNodeView run = new JsonNodeView(SyncFleet.run(b, key(extra, id)));
                assertThat(run.state()).isEqualTo("failed");
                assertThat(fleet.airbyte.jobs().stream().filter(j -> j.connectionId().equals(id))
                        .map(JobSnapshot::status)).containsExactly("cancelled");
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
        return fleet.airbyte.jobs().stream().filter(j -> j.connectionId().equals(connectionId))
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
                .property("syncrunner.schedules.clustered", "false");
    }
}
