package io.syncrunner.durability;

import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.syncrunner.testsupport.EmbeddedPostgresSupport;
import io.syncrunner.testsupport.RunnerProcess;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two runners (own JVMs) share one PostgreSQL journal (embedded PostgreSQL, zonky). The runner that accepted the
 * syncs is killed with -9; the other takes its runs over once their lease runs out and finishes each once, with no
 * second trigger. Both load a cron schedule: Quartz's clustered store fires it on one runner at a time, and on the
 * survivor after the kill.
 */
@org.junit.jupiter.api.extension.ExtendWith(io.syncrunner.testsupport.Contention.class)
class ClusterFailoverIT {
    private final SyncFleet fleet = new SyncFleet().add(16, 8, Duration.ofSeconds(6));
    private final EmbeddedPostgresSupport postgres = new EmbeddedPostgresSupport().start();

    /** A fleet and a journal of its own for each run (the contention run repeats the test). */
    @org.junit.jupiter.api.AfterEach
    void close() {
        fleet.close();
        postgres.close();
    }

    @io.syncrunner.testsupport.Contention.Repeated
    void shouldLetTheSurvivingRunnerCarryOnTheRunsOfAKilledOneAndFireEachScheduleOnce() throws Exception {
        String scheduled = UUID.randomUUID().toString();
        fleet.airbyte.addConnection(scheduled, "running:500ms,succeeded");
        String request = "{\"provider\":\"airbyte\",\"account\":\"default\",\"connectionId\":\"" + scheduled
                + "\",\"pollInterval\":\"250ms\"}";
        fleet.withFaults(0.10, 7);
        FaultRule slowTriggers = fleet.airbyte.faults().add(FaultRule.on("POST", "/jobs").delay(Duration.ofMillis(500)));
        long wall = System.nanoTime();
        try (RunnerProcess a = node("node-a", request).start(); RunnerProcess b = node("node-b", request).start()) {
            Instant bothUp = Instant.now();
            fleet.submitAll(a);
            await().atMost(Duration.ofSeconds(60)).until(() -> fleet.triggersSeen() >= fleet.runs.size() / 3);
            // let the schedule fire a few times with both runners up
            await().atMost(Duration.ofSeconds(30)).until(() -> runsOf(a, scheduled).stream()
                    .filter(t -> t.isAfter(bothUp)).count() >= 3);
            a.killHard();
            Instant bothUpUntil = Instant.now();
            long killedAt = System.nanoTime();
            Instant killed = Instant.now();
            fleet.airbyte.faults().remove(slowTriggers);

            await().atMost(Duration.ofSeconds(60)).until(() -> b.logContains("Took over"));
            long takeoverMs = (System.nanoTime() - killedAt) / 1_000_000;
            await().atMost(Duration.ofSeconds(90)).until(() -> fleet.finished(b) == fleet.runs.size());
            // the schedule goes on on the survivor
            await().atMost(Duration.ofSeconds(60)).until(() -> jobsOf(scheduled).stream()
                    .anyMatch(j -> j.createdAt().isAfter(killed.plusSeconds(1))));

            SyncFleet.Verdict v = fleet.verdict(b);
            List<JobSnapshot> fires = jobsOf(scheduled);
            List<Instant> scheduledRuns = runsOf(b, scheduled);
            List<Instant> runsWhileBothUp = scheduledRuns.stream().filter(t -> t.isAfter(bothUp)
                    && t.isBefore(bothUpUntil)).toList();
            Duration closest = closest(runsWhileBothUp);
            System.out.printf("CLUSTER FAILOVER TEST: runners=2 journal=PostgreSQL syncs=%d faultsInjected=%d killed=node-a"
                            + " duplicates=%d lost=%d wrongState=%d takeover=%d ms after the kill (lease 4 s)"
                            + " scheduleRuns=%d scheduleJobs=%d closestRunsWhileBothUp=%d ms wall=%.1f s%n",
                    v.syncs(), fleet.faultsInjected(), v.duplicates(), v.lost(), v.wrongState(), takeoverMs,
                    scheduledRuns.size(), fires.size(), closest.toMillis(), (System.nanoTime() - wall) / 1e9);
            io.syncrunner.testsupport.Contention.tally(v.syncs(), v.lost(), v.duplicates());
            assertThat(v.problems()).isEmpty();
            assertThat(v.duplicates()).isZero();
            assertThat(v.lost()).isZero();
            assertThat(b.logContains("Carrying on run")).isTrue();
            assertThat(runsWhileBothUp.size()).as("fires while both runners were up").isGreaterThanOrEqualTo(2);
            assertThat(closest).as("no fire of the 2 s schedule started twice (on both runners)")
                    .isGreaterThan(Duration.ofMillis(1500));
            // the newest fire's run may not have triggered yet when the two are counted: at most one job per run
            assertThat(fires.size()).as("jobs of the schedule, at most one per run").isLessThanOrEqualTo(scheduledRuns.size());
        }
    }

    /** When each run of the connection was accepted, oldest first (the journal is shared: any runner lists all). */
    private static List<Instant> runsOf(RunnerProcess runner, String connectionId) throws Exception {
        java.net.http.HttpResponse<String> r = SyncFleet.HTTP.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(runner.baseUrl() + "/api/syncs")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + SyncFleet.TOKEN).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        List<Instant> out = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode run : io.syncrunner.support.Json.parse(r.body())) {
            if (connectionId.equals(run.path("connectionId").asText())) {
                out.add(Instant.parse(run.path("acceptedAt").asText()));
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static Duration closest(List<Instant> times) {
        Duration min = Duration.ofDays(1);
        for (int i = 1; i < times.size(); i++) {
            Duration d = Duration.between(times.get(i - 1), times.get(i));
            min = d.compareTo(min) < 0 ? d : min;
        }
        return min;
    }

    private RunnerProcess.Builder node(String nodeId, String scheduleRequest) {
        return fleet.clusterNode(postgres, nodeId)
                .property("syncrunner.journal.lease", "4s")
                .property("syncrunner.journal.takeover-interval", "1s")
                .property("syncrunner.schedules.cluster-checkin", "1s")
                .property("camel.main.routes-include-pattern", "file:routes/*.yaml,file:syncrunner-devtools/src/test/resources/cluster/*.yaml")
                .property("cluster.test.request", scheduleRequest);
    }

    private List<JobSnapshot> jobsOf(String connectionId) {
        return fleet.airbyte.jobs().stream().filter(j -> j.connectionId().equals(connectionId))
                .sorted(Comparator.comparing(JobSnapshot::createdAt)).toList();
    }

}
