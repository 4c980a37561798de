package io.syncrunner.journal;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The group commit of the run journal ({@link JournalWriter}) on the embedded H2 file, as the runner uses it:
 * concurrent writes share one commit, each caller returns only once its write is committed, and a failure in a
 * batch belongs to the write that caused it.
 */
class JournalWriterTest {
    @TempDir
    Path dir;
    private String url;
    private HikariDataSource dataSource;
    private RunJournal journal;
    private ExecutorService callers;

    @BeforeEach
    void open() {
        url = JournalDatabase.url("", dir);
        dataSource = JournalDatabase.open(url, "", "", 8);
        journal = new RunJournal(dataSource, "node-a", Clock.systemUTC(), Duration.ofSeconds(30));
        journal.createSchema();
        callers = Executors.newFixedThreadPool(16);
    }

    @AfterEach
    void close() {
        callers.shutdownNow();
        journal.close();
        dataSource.close();
    }

    @Test
    void shouldCommitTheWritesOfConcurrentCallersTogether() throws Exception {
        CountDownLatch release = holdTheWriter();
        List<Future<RunJournal.Run>> inserts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String id = "r" + i;
            inserts.add(callers.submit(() -> journal.insertRun(id, null, "direct:sync-request", "{}", "accepted")));
        }
        await(() -> journal.writer().pending() == 12);
        long[] before = journal.writerCounts();

        release.countDown();
        for (Future<RunJournal.Run> f : inserts) {
            assertThat(f.get(10, TimeUnit.SECONDS).state()).isEqualTo("accepted");
        }

        long[] after = journal.writerCounts();
        assertThat(after[1] - before[1]).as("writes").isEqualTo(13); // the 12 inserts and the one holding the writer
        assertThat(after[0] - before[0]).as("commits: the held one, then one for the 12").isEqualTo(2);
        assertThat(countRuns()).isEqualTo(12);
    }

    @Test
    void shouldHaveCommittedEveryWriteWhenItsCallerReturns() throws Exception {
        List<Future<?>> all = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            all.add(callers.submit(() -> {
                for (int i = 0; i < 40; i++) {
                    String id = "t" + thread + "-" + i;
                    journal.insertRun(id, "key-" + id, "direct:sync-request", "{}", "accepted");
                    // committed: another session (not the writer's connection, not the pool) sees it at once
                    assertThat(stateSeenByAnotherSession(id)).isEqualTo("accepted");
                    journal.stepTriggering(id, "airbyte/a/c/sync", 1, null, 1, 2);
                    journal.updateRun(id, "succeeded", 3L, "{}", null);
                    assertThat(stateSeenByAnotherSession(id)).isEqualTo("succeeded");
                }
                return null;
            }));
        }
        for (Future<?> f : all) {
            f.get(60, TimeUnit.SECONDS);
        }
        long[] counts = journal.writerCounts();
        assertThat(counts[1]).as("writes").isEqualTo(8 * 40 * 3);
        assertThat(counts[0]).as("commits: fewer than writes with 8 concurrent callers").isLessThan(counts[1]);
        assertThat(counts[2]).as("no batch failed").isZero();
    }

    @Test
    void shouldHaveCommittedAWriteNotWaitedForOnceALaterWriteReturns() throws Exception {
        CountDownLatch release = holdTheWriter();
        RunJournal.Deferred run = journal.insertRunLater("r1", "direct:sync-request", "{}", "running");
        journal.updateRunLater("r1", "running");
        Future<?> trigger = callers.submit(() -> journal.stepTriggering("r1", "airbyte/a/c/sync", 1, null, 1, 2));
        assertThat(stateSeenByAnotherSession("r1")).as("not written yet").isNull();

        release.countDown();
        trigger.get(10, TimeUnit.SECONDS);
        assertThat(stateSeenByAnotherSession("r1")).isEqualTo("running");
        run.await();
    }

    @Test
    void shouldGiveTheExistingRunToADuplicateKeyInTheSameBatchAndCommitTheOthers() throws Exception {
        journal.insertRun("earlier", "key-old", "direct:sync-request", "{}", "accepted");
        CountDownLatch release = holdTheWriter();
        Future<RunJournal.Run> first = callers.submit(() -> journal.insertRun("r1", "key-1", "e", "{}", "accepted"));
        await(() -> journal.writer().pending() == 1);
        Future<RunJournal.Run> again = callers.submit(() -> journal.insertRun("r2", "key-1", "e", "{}", "accepted"));
        Future<RunJournal.Run> old = callers.submit(() -> journal.insertRun("r3", "key-old", "e", "{}", "accepted"));
        Future<RunJournal.Run> other = callers.submit(() -> journal.insertRun("r4", "key-4", "e", "{}", "accepted"));
        await(() -> journal.writer().pending() == 4);

        release.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS).runId()).isEqualTo("r1");
        assertThat(again.get(10, TimeUnit.SECONDS).runId()).as("same key, same batch").isEqualTo("r1");
        assertThat(old.get(10, TimeUnit.SECONDS).runId()).as("key of an earlier batch").isEqualTo("earlier");
        assertThat(other.get(10, TimeUnit.SECONDS).runId()).isEqualTo("r4");
        assertThat(journal.run("r2")).isEmpty();
        assertThat(journal.run("r3")).isEmpty();
        assertThat(countRuns()).isEqualTo(3);
        assertThat(journal.writerCounts()[2]).as("no batch ran again").isZero();
    }

    @Test
    void shouldGiveTheExistingRunWhenAnotherRunnerTakesTheKeyWhileTheBatchRuns() throws Exception {
        // another runner's transaction holds key-1, not committed yet: this runner's batch does not see it
        Connection otherRunner = DriverManager.getConnection(url);
        otherRunner.setAutoCommit(false);
        try (PreparedStatement p = otherRunner.prepareStatement("INSERT INTO syncrunner_runs (run_id,"
                + " idempotency_key, entry, request, state, owner, accepted_at, attempts)"
                + " VALUES ('theirs','key-1','e','{}','accepted','node-b',1,1)")) {
            p.executeUpdate();
        }
        CountDownLatch release = holdTheWriter();
        // handed in one after the other (each caller is a thread of its own, so they could reach the writer in any
        // order): the update of r2 after its insert, as a run's own thread writes them
        Future<RunJournal.Run> mine = callers.submit(() -> journal.insertRun("mine", "key-1", "e", "{}", "accepted"));
        await(() -> journal.writer().pending() == 1);
        Future<RunJournal.Run> other = callers.submit(() -> journal.insertRun("r2", "key-2", "e", "{}", "accepted"));
        await(() -> journal.writer().pending() == 2);
        Future<?> update = callers.submit(() -> journal.updateRun("r2", "running", null, null, null));
        await(() -> journal.writer().pending() == 3);
        release.countDown();
        await(() -> insertsWaiting() > 0); // the batch's insert of key-1 waits for the other runner's row
        otherRunner.commit();
        otherRunner.close();

        assertThat(mine.get(20, TimeUnit.SECONDS).runId()).isEqualTo("theirs");
        assertThat(other.get(20, TimeUnit.SECONDS).runId()).isEqualTo("r2");
        update.get(20, TimeUnit.SECONDS);
        assertThat(journal.run("r2").orElseThrow().state()).isEqualTo("running");
        assertThat(journal.run("mine")).isEmpty();
    }

    @Test
    void shouldFailOnlyTheWriteThatFailsInABatch() throws Exception {
        journal.insertRun("taken", null, "direct:sync-request", "{}", "accepted");
        CountDownLatch release = holdTheWriter();
        Future<RunJournal.Run> before = callers.submit(() -> journal.insertRun("r1", null, "e", "{}", "accepted"));
        await(() -> journal.writer().pending() == 1);
        Future<RunJournal.Run> clash = callers.submit(() -> journal.insertRun("taken", null, "e", "{}", "accepted"));
        await(() -> journal.writer().pending() == 2);
        Future<RunJournal.Run> after = callers.submit(() -> journal.insertRun("r3", null, "e", "{}", "accepted"));
        await(() -> journal.writer().pending() == 3);
        long fallbacks = journal.writerCounts()[2];

        release.countDown();

        assertThat(before.get(10, TimeUnit.SECONDS).runId()).isEqualTo("r1");
        assertThat(after.get(10, TimeUnit.SECONDS).runId()).isEqualTo("r3");
        assertThatThrownBy(() -> clash.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(JournalException.class)
                .cause().hasMessageStartingWith("Could not record the run in the run journal: ");
        assertThat(countRuns()).isEqualTo(3);
        assertThat(journal.writerCounts()[2]).as("the batch ran again write by write").isEqualTo(fallbacks + 1);
    }

    @Test
    void shouldGiveEachCallerAJournalExceptionWhenTheDatabaseIsClosed() throws Exception {
        CountDownLatch release = holdTheWriter();
        Future<RunJournal.Run> insert = callers.submit(() -> journal.insertRun("r1", "k", "e", "{}", "accepted"));
        Future<?> trigger = callers.submit(() -> journal.stepTriggering("r1", "airbyte/a/c/sync", 1, null, 1, 2));
        await(() -> journal.writer().pending() == 2);
        dataSource.close();
        release.countDown();

        assertThatThrownBy(() -> insert.get(20, TimeUnit.SECONDS)).cause().isInstanceOf(JournalException.class)
                .hasMessageStartingWith("Could not record the run in the run journal: ")
                .hasMessageContaining("has been closed");
        assertThatThrownBy(() -> trigger.get(20, TimeUnit.SECONDS)).cause().isInstanceOf(JournalException.class)
                .hasMessageStartingWith("Could not record the trigger of airbyte/a/c/sync of run r1 in the run"
                        + " journal: ");
        assertThatThrownBy(() -> journal.updateRun("r1", "running", null, null, null))
                .isInstanceOf(JournalException.class)
                .hasMessageStartingWith("Could not record the state of run r1 in the run journal: ");
    }

    @Test
    void shouldRefuseWritesOnceTheJournalIsClosed() {
        journal.close();

        assertThatThrownBy(() -> journal.insertRun("r1", null, "e", "{}", "accepted"))
                .isInstanceOf(JournalException.class)
                .hasMessage("Could not record the run in the run journal: the run journal is closed (the runner is"
                        + " stopping)");
        assertThatThrownBy(() -> journal.insertRunLater("r2", "e", "{}", "running").await())
                .isInstanceOf(JournalException.class).hasMessageContaining("the run journal is closed");
    }

    /** Keeps the writer busy with a write of its own until the latch is released. */
    private CountDownLatch holdTheWriter() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> held = journal.writer().submit(s -> {
            started.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(held).isNotDone();
        return release;
    }

    private String stateSeenByAnotherSession(String runId) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); PreparedStatement p = c.prepareStatement(
                "SELECT state FROM syncrunner_runs WHERE run_id=?")) {
            p.setString(1, runId);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * Sessions of the database in the middle of an insert of a run (H2 shows an insert that waits for a row another
     * transaction has not committed yet as executing, with no blocker).
     */
    private int insertsWaiting() {
        try (Connection c = DriverManager.getConnection(url); ResultSet rs = c.createStatement().executeQuery(
                "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE EXECUTING_STATEMENT LIKE"
                        + " 'INSERT INTO syncrunner_runs%'")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private int countRuns() throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
             ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM syncrunner_runs")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(until);
            Thread.sleep(5);
        }
    }
}
