package io.syncrunner.journal;

import com.zaxxer.hikari.HikariDataSource;
import io.syncrunner.support.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The journal's SQL on the embedded H2 database (the same statements run on PostgreSQL in the cluster tests). */
class RunJournalTest {
    private HikariDataSource dataSource;
    private ManualClock clock;
    private RunJournal nodeA;
    private RunJournal nodeB;

    @BeforeEach
    void open() {
        dataSource = JournalDatabase.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "", "", 8);
        clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
        nodeA = new RunJournal(dataSource, "node-a", clock, Duration.ofSeconds(30));
        nodeB = new RunJournal(dataSource, "node-b", clock, Duration.ofSeconds(30));
        nodeA.createSchema();
        nodeB.createSchema(); // a second runner creating the tables again changes nothing
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    @Test
    void shouldReturnTheFirstRunForARepeatedIdempotencyKey() {
        RunJournal.Run first = nodeA.insertRun("r1", "key-1", "direct:sync-request", "{}", "accepted");
        RunJournal.Run again = nodeB.insertRun("r2", "key-1", "direct:sync-request", "{}", "accepted");

        assertThat(again.runId()).isEqualTo(first.runId()).isEqualTo("r1");
        assertThat(nodeA.run("r2")).isEmpty();
    }

    @Test
    void shouldLetAnotherRunnerClaimARunOnlyAfterItsRunnerStoppedBeatingForALease() {
        nodeA.heartbeat();
        nodeA.insertRun("r1", null, "direct:sync-request", "{}", "running");

        assertThat(nodeB.claimableRuns(false)).isEmpty();
        clock.advance(Duration.ofSeconds(20));
        nodeA.heartbeat();
        clock.advance(Duration.ofSeconds(20));
        assertThat(nodeB.claimableRuns(false)).as("heartbeat 20 s ago, lease 30 s").isEmpty();

        clock.advance(Duration.ofSeconds(11));
        List<RunJournal.Run> claimable = nodeB.claimableRuns(false);
        assertThat(claimable).extracting(RunJournal.Run::runId).containsExactly("r1");
        assertThat(nodeA.claimableRuns(false)).as("a runner never takes over its own runs while it runs").isEmpty();
        assertThat(nodeB.claim(claimable.get(0))).isTrue();
        assertThat(nodeA.run("r1").orElseThrow().owner()).isEqualTo("node-b");
        assertThat(nodeA.run("r1").orElseThrow().attempts()).isEqualTo(2);
        assertThat(nodeA.claim(claimable.get(0))).as("claimed already: the owner changed").isFalse();
        nodeB.heartbeat();
        assertThat(nodeA.claimableRuns(false)).as("node b is alive").isEmpty();
    }

    @Test
    void shouldTreatTheRunsOfARunnerThatNeverBeatAsClaimable() {
        new RunJournal(dataSource, "ghost", clock, Duration.ofSeconds(30))
                .insertRun("r1", null, "direct:sync-request", "{}", "running");

        assertThat(nodeB.claimableRuns(false)).extracting(RunJournal.Run::runId).containsExactly("r1");
    }

    @Test
    void shouldLetARestartedRunnerClaimItsOwnRunsAtOnce() {
        nodeA.insertRun("r1", null, "direct:sync-request", "{}", "running");
        nodeA.insertRun("r2", null, "direct:sync-request", "{}", "accepted");
        nodeA.insertRun("r3", null, "direct:sync-request", "{}", "accepted");
        nodeA.updateRun("r3", "succeeded", clock.millis(), "{}", null);

        nodeA.heartbeat();
        assertThat(nodeB.claimableRuns(true)).as("not node b's, and node a is alive").isEmpty();
        assertThat(nodeA.claimableRuns(true)).extracting(RunJournal.Run::runId).containsExactlyInAnyOrder("r1", "r2");
    }

    @Test
    void shouldGiveARunToExactlyOneOfManyClaimingRunners() throws Exception {
        nodeA.heartbeat();
        nodeA.insertRun("r1", null, "direct:sync-request", "{}", "running");
        clock.advance(Duration.ofMinutes(1));
        RunJournal.Run run = nodeA.run("r1").orElseThrow();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> claims = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                RunJournal node = new RunJournal(dataSource, "node-" + i, clock, Duration.ofSeconds(30));
                claims.add(() -> node.claim(run));
            }
            long winners = 0;
            for (Future<Boolean> f : pool.invokeAll(claims)) {
                winners += f.get() ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldKeepWhatEachStepNeedsToReattach() {
        nodeA.insertRun("r1", null, "direct:sync-request", "{}", "running");
        assertThat(nodeA.step("r1", "airbyte/cloud/c1/sync")).isEmpty();

        nodeA.stepTriggering("r1", "airbyte/cloud/c1/sync", 1500, null, 1000, 61000);
        RunJournal.Step triggering = nodeA.step("r1", "airbyte/cloud/c1/sync").orElseThrow();
        assertThat(triggering.state()).isEqualTo("triggering");
        assertThat(triggering.triggerSentAt()).isEqualTo(1500);
        assertThat(triggering.deadline()).isEqualTo(61000);

        nodeA.stepTriggering("r1", "airbyte/cloud/c1/sync", 1600, null, 2000, 62000);
        assertThat(nodeA.step("r1", "airbyte/cloud/c1/sync").orElseThrow().startedAt()).as("kept").isEqualTo(1000);
        assertThat(nodeA.step("r1", "airbyte/cloud/c1/sync").orElseThrow().triggerSentAt()).isEqualTo(1600);
        nodeA.stepTriggeredLater("r1", "airbyte/cloud/c1/sync", "42", false).await();
        assertThat(nodeA.step("r1", "airbyte/cloud/c1/sync").orElseThrow().jobId()).isEqualTo("42");

        nodeA.stepEnded("r1", "airbyte/cloud/c1/sync", false, "{\"status\":\"failed\"}", "job 42 failed");
        RunJournal.Step ended = nodeA.step("r1", "airbyte/cloud/c1/sync").orElseThrow();
        assertThat(ended.finished()).isTrue();
        assertThat(ended.error()).isEqualTo("job 42 failed");
    }

    /** A Fivetran baseline as Fivetran writes it (microseconds), and one with nanoseconds. */
    static final Instant MICROS_BASELINE = Instant.parse("2024-03-21T14:44:29.613498Z");
    static final Instant NANOS_BASELINE = Instant.parse("2024-03-21T14:44:29.613498123Z");

    /** The syncrunner_steps table as runners before the baseline_instant column created it. */
    static final String OLD_STEPS_TABLE = "CREATE TABLE syncrunner_steps (run_id VARCHAR(64) NOT NULL,"
            + " step VARCHAR(512) NOT NULL, state VARCHAR(16) NOT NULL, started_at BIGINT NOT NULL,"
            + " deadline BIGINT NOT NULL, trigger_sent_at BIGINT, baseline BIGINT, job_id VARCHAR(64), attached BOOLEAN,"
            + " result VARCHAR, error VARCHAR, updated_at BIGINT NOT NULL, PRIMARY KEY (run_id, step))";

    @Test
    void shouldReadBackTheFivetranBaselineExactlyAsWritten() {
        assertBaselinesReadBackExactly(nodeA);
    }

    @Test
    void shouldKeepWorkingOnAJournalCreatedBeforeTheFullPrecisionBaseline() throws Exception {
        try (HikariDataSource old = JournalDatabase.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "", "", 2)) {
            assertAnOldJournalStillWorks(old, clock);
        }
    }

    /** A µs and a ns baseline, and none, are read back as the same Instant (also after the step is updated). */
    static void assertBaselinesReadBackExactly(RunJournal journal) {
        journal.insertRun("r1", null, "direct:sync-request", "{}", "running");
        journal.stepTriggering("r1", "fivetran/prod/decent_dropsy/sync", 1500, MICROS_BASELINE, 1000, 61000);
        journal.stepTriggering("r1", "fivetran/prod/other_dropsy/sync", 1500, NANOS_BASELINE, 1000, 61000);
        journal.stepTriggering("r1", "fivetran/prod/never_synced/sync", 1500, null, 1000, 61000);

        assertThat(journal.step("r1", "fivetran/prod/decent_dropsy/sync").orElseThrow().baseline())
                .isEqualTo(MICROS_BASELINE);
        assertThat(journal.step("r1", "fivetran/prod/other_dropsy/sync").orElseThrow().baseline())
                .isEqualTo(NANOS_BASELINE);
        assertThat(journal.step("r1", "fivetran/prod/never_synced/sync").orElseThrow().baseline()).isNull();

        Instant later = MICROS_BASELINE.plusNanos(1_000);
        journal.stepTriggering("r1", "fivetran/prod/decent_dropsy/sync", 1600, later, 1000, 61000);
        journal.stepTriggeredLater("r1", "fivetran/prod/decent_dropsy/sync", null, false).await();
        assertThat(journal.step("r1", "fivetran/prod/decent_dropsy/sync").orElseThrow().baseline()).isEqualTo(later);
    }

    /**
     * A journal whose steps table has only the BIGINT baseline, with a step an older runner recorded: the schema is
     * brought up to date, the old step's baseline is read as the last instant of its millisecond (so the unchanged
     * µs timestamp it was cut from is no completion), and new steps keep theirs exactly.
     */
    static void assertAnOldJournalStillWorks(javax.sql.DataSource dataSource, Clock clock) throws Exception {
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement()) {
            s.execute(OLD_STEPS_TABLE);
            s.execute("INSERT INTO syncrunner_steps (run_id, step, state, started_at, deadline, trigger_sent_at,"
                    + " baseline, updated_at) VALUES ('old-run', 'fivetran/prod/decent_dropsy/sync', 'triggered', 1000,"
                    + " 61000, 1500, " + MICROS_BASELINE.toEpochMilli() + ", 1500)");
        }
        RunJournal journal = new RunJournal(dataSource, "node-new", clock, Duration.ofSeconds(30));
        try {
            journal.createSchema();
            journal.createSchema(); // the column is added once

            Instant legacy = journal.step("old-run", "fivetran/prod/decent_dropsy/sync").orElseThrow().baseline();
            assertThat(legacy).isEqualTo(Instant.parse("2024-03-21T14:44:29.613999999Z"));
            assertThat(MICROS_BASELINE.isAfter(legacy)).as("the unchanged timestamp is not later").isFalse();
            assertThat(Instant.parse("2024-03-21T14:44:29.614Z").isAfter(legacy)).isTrue();

            journal.insertRun("r1", null, "direct:sync-request", "{}", "running");
            journal.stepTriggering("r1", "fivetran/prod/decent_dropsy/sync", 1500, MICROS_BASELINE, 1000, 61000);
            assertThat(journal.step("r1", "fivetran/prod/decent_dropsy/sync").orElseThrow().baseline())
                    .isEqualTo(MICROS_BASELINE);
            journal.stepTriggering("old-run", "fivetran/prod/decent_dropsy/sync", 1600, NANOS_BASELINE, 1000, 61000);
            assertThat(journal.step("old-run", "fivetran/prod/decent_dropsy/sync").orElseThrow().baseline())
                    .as("rewritten by a new runner: exact").isEqualTo(NANOS_BASELINE);
        } finally {
            journal.close();
        }
    }

    @Test
    void shouldNotChangeAFinishedRunAgain() {
        nodeA.insertRun("r1", null, "direct:sync-request", "{}", "running");
        nodeA.updateRun("r1", "succeeded", clock.millis(), "{\"ok\":true}", null);
        nodeB.updateRun("r1", "failed", clock.millis(), null, "late failure");

        assertThat(nodeA.run("r1").orElseThrow().state()).isEqualTo("succeeded");
    }

    @Test
    void shouldPruneOnlyTheOldestFinishedRuns() {
        for (int i = 0; i < 5; i++) {
            nodeA.insertRun("done-" + i, null, "direct:sync-request", "{}", "running");
            clock.advance(Duration.ofSeconds(1));
            nodeA.updateRun("done-" + i, "succeeded", clock.millis(), "{}", null);
        }
        nodeA.insertRun("open", null, "direct:sync-request", "{}", "running");

        assertThat(nodeA.pruneFinished(2)).isEqualTo(3);
        assertThat(nodeA.recentRuns(100)).extracting(RunJournal.Run::runId)
                .containsExactlyInAnyOrder("open", "done-4", "done-3");
    }

    @Test
    void shouldNameTheDatabaseButNeverThePasswordWhenItCannotBeOpened() {
        String url = "jdbc:postgresql://127.0.0.1:1/none?password=hunter2";
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() ->
                JournalDatabase.open(url, "user", "s3cret-pass", 1));
        assertThat(t).isInstanceOf(JournalException.class)
                .hasMessageContaining("Cannot open the run journal at jdbc:postgresql://127.0.0.1:1/none")
                .hasMessageNotContaining("hunter2").hasMessageNotContaining("s3cret-pass");
    }

    @Test
    void shouldRefuseTheCallsAndWritesOfARunnerWhoseRunAnotherRunnerTookOver() {
        nodeA.heartbeat();
        nodeA.insertRun("r1", null, "direct:sync-request", "{}", "running");
        nodeA.fence("r1", 1, "DELETE /jobs/7"); // still its own: passes, and is recorded on the run
        clock.advance(Duration.ofSeconds(31)); // node-a paused past its lease
        nodeB.heartbeat();
        RunJournal.Run dead = nodeB.claimableRuns(false).get(0);
        assertThat(nodeB.claim(dead)).isTrue();
        nodeA.heartbeat(); // node-a wakes up: its heartbeat is fresh again, but the run is node-b's

        assertThatThrownBy(() -> nodeA.fence("r1", 1, "DELETE /jobs/7")).isInstanceOf(RunTakenOverException.class)
                .hasMessageContaining("r1");
        assertThatThrownBy(() -> nodeA.stepTriggering("r1", 1, "airbyte/default/c1/sync", "the trigger",
                clock.millis(), null, clock.millis(), clock.millis() + 60_000)).isInstanceOf(RunTakenOverException.class);
        assertThat(nodeA.step("r1", "airbyte/default/c1/sync")).as("nothing written by the runner that lost the run")
                .isEmpty();
        assertThat(nodeA.updateRun("r1", 1, "succeeded", clock.millis(), "{}", null)).isFalse();
        nodeB.fence("r1", 2, "DELETE /jobs/7"); // the new owner holds epoch 2
        nodeB.stepTriggering("r1", 2, "airbyte/default/c1/sync", "the trigger", clock.millis(), null, clock.millis(),
                clock.millis() + 60_000);
        assertThatThrownBy(() -> nodeA.stepEnded("r1", 1, "airbyte/default/c1/sync", true, "{}", null))
                .isInstanceOf(RunTakenOverException.class);
        nodeA.stepTriggeredLater("r1", 1, "airbyte/default/c1/sync", "99", false).await();
        assertThat(nodeA.step("r1", "airbyte/default/c1/sync").orElseThrow().state())
                .as("a late answer of the old owner is not written over the new owner's step").isEqualTo("triggering");
        assertThat(nodeB.updateRun("r1", 2, "succeeded", clock.millis(), "{}", null)).isTrue();
        assertThat(nodeA.run("r1").orElseThrow().state()).isEqualTo("succeeded");
    }

    @Test
    void shouldFailAClaimWhenTheOwnerPassedAFencingCheckSinceTheClaimerReadTheRun() {
        nodeA.heartbeat();
        nodeA.insertRun("r1", null, "direct:sync-request", "{}", "running");
        clock.advance(Duration.ofSeconds(31));
        nodeB.heartbeat();
        RunJournal.Run readWhileDead = nodeB.claimableRuns(false).get(0);
        // node-a wakes up between node-b's read and its claim, renews its heartbeat and checks before a call
        nodeA.fence("r1", 1, "POST /jobs");

        assertThat(nodeB.claim(readWhileDead)).as("the check is ordered before the claim: the claim fails").isFalse();
        assertThat(nodeA.run("r1").orElseThrow().owner()).isEqualTo("node-a");
        assertThat(nodeB.claimableRuns(false)).as("node-a beats again: nothing to take over").isEmpty();
    }

    @Test
    void shouldRenewAStaleHeartbeatBeforeAFencedCallRatherThanSendItOnAnOldOne() {
        nodeA.heartbeat();
        nodeA.insertRun("r1", null, "direct:sync-request", "{}", "running");
        clock.advance(Duration.ofSeconds(25)); // alive for 5 s more: less than the margin (30 s / 4)

        nodeA.fence("r1", 1, "PATCH /v1/connections/c1");

        assertThat(nodeB.claimableRuns(false)).isEmpty();
        clock.advance(Duration.ofSeconds(29));
        assertThat(nodeB.claimableRuns(false)).as("the heartbeat was renewed by the check").isEmpty();
    }

    @Test
    void shouldRecordAnEventOnceAndListItForEveryRunner() {
        assertThat(nodeB.recordSignal("fivetran:c1", "sync:s1", "{\"event\":\"sync_end\"}")).isTrue();
        assertThat(nodeA.recordSignal("fivetran:c1", "sync:s1", "{\"event\":\"sync_end\"}"))
                .as("the same event delivered to another runner").isFalse();
        assertThat(nodeA.signalsSince(clock.millis() - 1)).singleElement().satisfies(s -> {
            assertThat(s.receivedBy()).isEqualTo("node-b");
            assertThat(s.payload()).contains("sync_end");
        });
        clock.advance(Duration.ofHours(2));
        assertThat(nodeA.pruneSignals(clock.millis() - 3_600_000)).isEqualTo(1);
    }
}
