package io.syncrunner.durability;

import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.testsupport.Contention;
import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 of a runner (its own JVM, embedded H2 journal) with syncs in flight, some of them mid-trigger; started again
 * on the same data directory, it finishes every sync once, with no second trigger.
 */
@ExtendWith(Contention.class)
class KillAndRestartIT {
    /** Each test has emulators of its own: no fault rule of one test is still on in the next. */
    private final SyncFleet fleet = new SyncFleet();

    @AfterEach
    void closeEmulators() {
        fleet.close();
    }

    @Contention.Repeated
    void shouldFinishEverySyncOnceWhenTheRunnerIsKilledAndStartedAgain() throws Exception {
        // 10 % faults on every API call, throughout; and slow trigger answers, so that the kill finds triggers sent
        // but not yet answered
        fleet.add(24, 12, Duration.ofSeconds(6));
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
            Contention.tally(v.syncs(), v.lost(), v.duplicates());
            assertThat(v.problems()).isEmpty();
            assertThat(fleet.airbyte.jobs()).as("job ids above 2^31 (int64), re-read from the journal after the kill")
                    .isNotEmpty().allSatisfy(j -> assertThat(j.jobId()).isGreaterThan(Integer.MAX_VALUE));
            assertThat(v.duplicates()).isZero();
            assertThat(v.lost()).isZero();
            assertThat(inFlightAtKill).as("syncs were in flight when the runner was killed").isPositive();
            assertThat(second.logContains("Re-attached")).isTrue();
        }
    }

    @Contention.UnderLoad
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
                Contention.tally(v.syncs(), v.lost(), v.duplicates());
                assertThat(v.problems()).isEmpty();
            }
        } finally {
            small.close();
        }
    }

    @Contention.UnderLoad
    void shouldRunTheWorkflowFollowUpStepAfterTheRestartWithoutTriggeringItsSyncsAgain() throws Exception {
        WorkflowRestart w = killTheWorkflowMidSyncAndRestart("no fault", null, null);
        assertThat(w.airbyteTriggers()).as("Airbyte trigger requests").hasSize(1);
        assertThat(w.fivetranTriggers()).as("Fivetran trigger requests").hasSize(1);
    }

    /**
     * The provider started the sync, but its answer to the trigger was lost (connection closed after processing), and
     * the runner was killed around that moment: started again, it finds the sync and sends no second trigger.
     */
    @Contention.UnderLoad
    void shouldNotSendATriggerAgainAfterTheRestartWhenItsAnswerWasLostAfterTheProviderStartedTheSync() throws Exception {
        WorkflowRestart w = killTheWorkflowMidSyncAndRestart("answer dropped after processing",
                FaultRule.on("POST", "/jobs").afterProcessing().drop().times(1),
                FaultRule.on("POST", "/connections/[^/]+/sync").afterProcessing().drop().times(1));
        assertThat(w.airbyteTriggers()).as("Airbyte trigger requests").hasSize(1);
        assertThat(w.fivetranTriggers()).as("Fivetran trigger requests").hasSize(1);
        assertThat(w.airbyteTriggers().get(0).status()).as("the trigger's answer was dropped").isZero();
        assertThat(w.fivetranTriggers().get(0).status()).as("the trigger's answer was dropped").isZero();
    }

    /**
     * The provider refused the trigger before processing it (500), and the runner was killed around that moment:
     * the trigger is sent once more (by the killed runner, or by the next start when the kill came first) because
     * the provider shows that nothing started, and one sync runs. This is what the shared fleet's fault mix did
     * to the workflow test when it counted trigger requests instead of syncs started: 2 requests, 1 sync.
     */
    @Contention.UnderLoad
    void shouldTriggerAgainAfterTheRestartOnlyBecauseTheRefusedTriggerStartedNothing() throws Exception {
        WorkflowRestart w = killTheWorkflowMidSyncAndRestart("500 before processing",
                FaultRule.on("POST", "/jobs").respond(500).times(1),
                FaultRule.on("POST", "/connections/[^/]+/sync").respond(500).times(1));
        assertThat(w.airbyteTriggers()).as("Airbyte trigger requests: the refused one, then one more").hasSize(2);
        assertThat(w.fivetranTriggers()).as("Fivetran trigger requests: the refused one, then one more").hasSize(2);
        assertThat(w.airbyteTriggers().get(0).status()).isEqualTo(500);
        assertThat(w.fivetranTriggers().get(0).status()).isEqualTo(500);
    }

    record WorkflowRestart(List<RecordedRequest> airbyteTriggers, List<RecordedRequest> fivetranTriggers) {
    }

    /**
     * The example workflow (an Airbyte and a Fivetran sync, then a follow-up step) is killed with -9 as soon as both
     * emulators have seen a trigger request (the given faults apply to the first one of each), and started again
     * with --once: the run is carried on, each provider ran exactly one sync, and the follow-up step ran.
     */
    private WorkflowRestart killTheWorkflowMidSyncAndRestart(String what, FaultRule airbyteFault, FaultRule fivetranFault)
            throws Exception {
        String connection = java.util.UUID.randomUUID().toString();
        fleet.airbyte.addConnection(connection, "pending:1s,running:5s,succeeded", true, 7, 70);
        String connector = "c_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        fleet.fivetran.addConnector(io.syncrunner.devtools.emulator.EmulatedConnector.of(connector, SyncFleet.GROUP)
                .script("syncing:5s,succeeded").scheduleType("manual"));
        if (airbyteFault != null) {
            fleet.airbyte.faults().add(airbyteFault);
        }
        if (fivetranFault != null) {
            fleet.fivetran.faults().add(fivetranFault);
        }
        RunnerProcess.Builder builder = fleet.configure(RunnerProcess.builder("workflow")).exampleWorkflow()
                .property("example.account", "default")
                .property("example.connection-id", connection)
                .property("example.workflow.fivetran-account", "default")
                .property("example.workflow.connector-id", connector)
                .property("example.poll-interval", "500ms");
        try (RunnerProcess first = builder.start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> fleet.airbyte.triggerCount(connection) >= 1
                    && fleet.fivetran.triggerCount(connector) >= 1);
            first.killHard();
            assertThat(first.logContains("running the follow-up step")).isFalse();
        }

        // started again as with demo --once: the unfinished workflow run is carried on, and the runner exits when it ends
        try (RunnerProcess second = builder.property("example.exit-when-done", "true").start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !second.isAlive());
            List<RecordedRequest> airbyteTriggers = fleet.airbyte.requests().stream()
                    .filter(r -> r.isTrigger() && connection.equals(r.connectionId())).toList();
            List<RecordedRequest> fivetranTriggers = fleet.fivetran.requests().stream()
                    .filter(r -> r.isTrigger() && connector.equals(r.connectionId())).toList();
            long airbyteJobs = fleet.airbyte.jobs().stream().filter(j -> j.connectionId().equals(connection)).count();
            long fivetranSyncs = fleet.fivetran.runs(connector).size();
            boolean followUp = second.logContains("Workflow: both syncs succeeded, running the follow-up step");
            System.out.printf("KILL -9 WORKFLOW TEST (%s): exit=%s followUpRan=%s airbyteJobs=%d fivetranSyncs=%d"
                            + " airbyteTriggerRequests=%s fivetranTriggerRequests=%s%n", what,
                    second.exitCode().orElse(-1), followUp, airbyteJobs, fivetranSyncs, statuses(airbyteTriggers),
                    statuses(fivetranTriggers));
            Contention.tally(2, followUp ? 0 : 2, (airbyteJobs > 1 ? 1 : 0) + (fivetranSyncs > 1 ? 1 : 0));
            assertThat(second.logLines("Workflow: both syncs succeeded, running the follow-up step"))
                    .as("the follow-up step ran once").hasSize(1);
            // the recovery carries the run on; the workflow's timer (1 s after the start) may come after the run
            // ended (a slow restart finds both syncs over), and then --once has stopped the runner before it fires
            assertThat(second.logLines("Carrying on run")).as("the unfinished workflow run was carried on")
                    .singleElement().asString().contains("workflow example-workflow");
            assertThat(second.logLines("Workflow: run ")).as("no second workflow run was started")
                    .noneMatch(l -> l.contains("syncing Airbyte") && !l.contains(runIdOf(second)));
            assertThat(second.exitCode()).contains(0);
            assertThat(airbyteJobs).as("Airbyte jobs started").isEqualTo(1);
            assertThat(fivetranSyncs).as("Fivetran syncs started").isEqualTo(1);
            return new WorkflowRestart(airbyteTriggers, fivetranTriggers);
        }
    }

    /** The id of the run the recovery carried on. */
    private static String runIdOf(RunnerProcess runner) {
        Matcher m = Pattern.compile("Carrying on run (\\S+)").matcher(String.join("\n", runner.logLines("Carrying on run")));
        return m.find() ? m.group(1) : "(none)";
    }

    /** The answers of trigger requests, e.g. [500, 200] (0: connection dropped). */
    private static List<Integer> statuses(List<RecordedRequest> requests) {
        return requests.stream().map(RecordedRequest::status).toList();
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
