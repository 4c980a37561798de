package io.syncrunner.durability;

import io.syncrunner.emulator.FaultRule;
import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 of a runner (its own JVM, embedded H2 journal) with syncs in flight, some of them mid-trigger; started again
 * on the same data directory, it finishes every sync once, with no second trigger.
 */
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
class KillAndRestartTest {
    private final SyncFleet fleet = new SyncFleet().add(24, 12, Duration.ofSeconds(6));

    @AfterAll
    void closeEmulators() {
        fleet.close();
    }

    @Test
    void shouldFinishEverySyncOnceWhenTheRunnerIsKilledAndStartedAgain() throws Exception {
        // 10 % faults on every API call, throughout; and slow trigger answers, so that the kill finds triggers sent
        // but not yet answered
        fleet.withFaults(0.10, 20261123);
        fleet.airbyte.faults().add(FaultRule.on("POST", "/jobs").delay(Duration.ofMillis(700)));
        fleet.fivetran.faults().add(FaultRule.on("POST", "/connections/[^/]+/sync").delay(Duration.ofMillis(700)));
        FaultRule[] slowTriggers = {fleet.airbyte.faults().rules().get(fleet.airbyte.faults().rules().size() - 1),
                fleet.fivetran.faults().rules().get(fleet.fivetran.faults().rules().size() - 1)};
        // few trigger threads: at the kill some runs are accepted but not started, some mid-trigger, some running
        RunnerProcess.Builder builder = fleet.configure(RunnerProcess.builder("kill-9"))
                .property("syncrunner.trigger.threads", "4");
        long wall = System.nanoTime();
        int inFlightAtKill;
        long triggersBeforeKill;
        try (RunnerProcess first = builder.start()) {
            fleet.submitAll(first);
            await().atMost(Duration.ofSeconds(60)).until(() -> fleet.triggersSeen() >= fleet.runs.size() / 3);
            first.killHard();
            triggersBeforeKill = fleet.triggersSeen();
        }
        fleet.airbyte.faults().remove(slowTriggers[0]);
        fleet.fivetran.faults().remove(slowTriggers[1]);

        try (RunnerProcess second = builder.start()) {
            inFlightAtKill = fleet.runs.size() - fleet.finished(second);
            await().atMost(Duration.ofSeconds(90)).until(() -> fleet.finished(second) == fleet.runs.size());
            SyncFleet.Verdict v = fleet.verdict(second);
            long reattachMs = reattachMillis(second);
            System.out.printf("KILL -9 TEST: syncs=%d faultsInjected=%d (10%% of API calls) triggersBeforeKill=%d"
                            + " inFlightAtKill=%d duplicates=%d lost=%d"
                            + " wrongState=%d restart=%d ms reattach=%d ms after start resumedRuns=%d stepsCarriedOn=%s wall=%.1f s%n",
                    v.syncs(), fleet.faultsInjected(), triggersBeforeKill, inFlightAtKill, v.duplicates(), v.lost(), v.wrongState(),
                    second.startupTime().toMillis(), reattachMs, second.logLines("Carrying on run").size(), carriedOn(second), (System.nanoTime() - wall) / 1e9);
            assertThat(v.problems()).isEmpty();
            assertThat(fleet.airbyte.jobs()).as("job ids above 2^31 (int64), re-read from the journal after the kill")
                    .isNotEmpty().allSatisfy(j -> assertThat(j.jobId()).isGreaterThan(Integer.MAX_VALUE));
            assertThat(v.duplicates()).isZero();
            assertThat(v.lost()).isZero();
            assertThat(inFlightAtKill).as("syncs were in flight when the runner was killed").isPositive();
            assertThat(second.logContains("Re-attached")).isTrue();
        }
    }

    @Test
    void shouldCarryOnTheSyncsAGracefulStopCutOffInsteadOfReportingThemFailed() throws Exception {
        SyncFleet small = new SyncFleet().add(6, 3, Duration.ofSeconds(8));
        try {
            // a short graceful-shutdown wait, so that the stop cuts the syncs off
            RunnerProcess.Builder builder = small.configure(RunnerProcess.builder("sigterm"))
                    .property("camel.main.shutdown-timeout", "2");
            try (RunnerProcess first = builder.start()) {
                small.submitAll(first);
                await().atMost(Duration.ofSeconds(30)).until(() -> small.triggersSeen() == small.runs.size());
                assertThat(first.stop()).as("exit code after SIGTERM").isEqualTo(RunnerProcess.SIGTERM_EXIT_CODE);
            }
            try (RunnerProcess second = builder.start()) {
                assertThat(second.logLines("Carrying on run")).as("every run was left open").hasSize(small.runs.size());
                await().atMost(Duration.ofSeconds(60)).until(() -> small.finished(second) == small.runs.size());
                SyncFleet.Verdict v = small.verdict(second);
                System.out.printf("SIGTERM TEST: syncs=%d duplicates=%d lost=%d wrongState=%d%n", v.syncs(),
                        v.duplicates(), v.lost(), v.wrongState());
                assertThat(v.problems()).isEmpty();
            }
        } finally {
            small.close();
        }
    }

    @Test
    void shouldRunTheWorkflowFollowUpStepAfterTheRestartWithoutTriggeringItsSyncsAgain() throws Exception {
        String connection = java.util.UUID.randomUUID().toString();
        fleet.airbyte.addConnection(connection, "pending:1s,running:5s,succeeded", true, 7, 70);
        String connector = "c_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        fleet.fivetran.addConnector(io.syncrunner.emulator.EmulatedConnector.of(connector, SyncFleet.GROUP)
                .script("syncing:5s,succeeded").scheduleType("manual"));
        RunnerProcess.Builder builder = fleet.configure(RunnerProcess.builder("workflow"))
                .property("example.workflow.enabled", "true")
                .property("example.account", "default")
                .property("example.connection-id", connection)
                .property("example.workflow.fivetran-account", "default")
                .property("example.workflow.connector-id", connector)
                .property("example.poll-interval", "500ms");
        try (RunnerProcess first = builder.start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> fleet.airbyte.triggerCount(connection) == 1
                    && fleet.fivetran.triggerCount(connector) == 1);
            first.killHard();
            assertThat(first.logContains("running the follow-up step")).isFalse();
        }

        // started again with --once: the unfinished workflow run is carried on, and the runner exits when it ends
        try (RunnerProcess second = builder.arg("--once").start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !second.isAlive());
            System.out.printf("KILL -9 WORKFLOW TEST: exit=%s followUpRan=%s airbyteTriggers=%d fivetranTriggers=%d%n",
                    second.exitCode().orElse(-1), second.logContains("running the follow-up step"),
                    fleet.airbyte.triggerCount(connection), fleet.fivetran.triggerCount(connector));
            assertThat(second.logContains("Workflow: both syncs succeeded, running the follow-up step")).isTrue();
            assertThat(second.logContains("is unfinished in the journal; it is carried on")).isTrue();
            assertThat(second.exitCode()).contains(0);
            assertThat(fleet.airbyte.triggerCount(connection)).isEqualTo(1);
            assertThat(fleet.fivetran.triggerCount(connector)).isEqualTo(1);
        }
    }

    /** How the runner carried on the steps of its runs: attach / reconcile / trigger / replay, from its log. */
    static java.util.Map<String, Long> carriedOn(RunnerProcess runner) {
        Pattern p = Pattern.compile("carrying on step \\S+ \\((\\w+)\\)");
        java.util.Map<String, Long> modes = new java.util.TreeMap<>();
        for (String line : runner.logLines("carrying on step")) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                modes.merge(m.group(1), 1L, Long::sum);
            }
        }
        return modes;
    }

    static long reattachMillis(RunnerProcess runner) {
        Pattern p = Pattern.compile("Re-attached (\\d+) unfinished run\\(s\\) from the journal (\\d+) ms after start");
        for (String line : runner.logLines("Re-attached")) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                return Long.parseLong(m.group(2));
            }
        }
        return -1;
    }
}
