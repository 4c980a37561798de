package io.syncrunner.journal;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable record of every accepted run and of every sync step in flight, in one SQL database: an embedded H2
 * file under the data directory by default, PostgreSQL when several runners share it. The same statements serve
 * both (plain SQL, no vendor dialect).
 * <p>
 * A run is owned by the runner (node id) that accepted it. Each runner records a heartbeat (one row, alive for one
 * more lease); the open runs of a runner whose heartbeat stopped for a lease (it died) can be claimed by any runner
 * with one conditional {@code UPDATE}, so
 * exactly one runner takes it over. A step is one provider sync inside a run, keyed by provider, account, target and
 * operation; it records what is needed to re-attach instead of triggering again: the trigger's send time, the
 * Fivetran baseline, the Airbyte job id, the deadline.
 * <p>
 * The writes of runs and steps are committed in batches, the writes of all threads pending at that moment together
 * (group commit, {@link JournalWriter}): a write method returns once its write is committed, as with one commit per
 * statement, at a fraction of the cost. The {@code ...Later} methods hand a write in without waiting for it; the
 * batches keep the order, so it is committed by the time any later write has returned. Claims, heartbeats and
 * pruning are single statements on their own, as before.
 */
public final class RunJournal {
    private static final String OPEN = "('accepted','running')";
    private static final Logger LOG = LoggerFactory.getLogger(RunJournal.class);
    /** Idempotency key prefix of a workflow's open run; released when the run ends, so the next fire may start. */
    public static final String OPEN_WORKFLOW_KEY = "open-workflow:";

    private final DataSource dataSource;
    private final String nodeId;
    private final Clock clock;
    private final Duration lease;
    private final Duration fencingMargin;
    private final String url;
    private final JournalWriter writer;

    /** With the default fencing margin, a quarter of the lease. */
    public RunJournal(DataSource dataSource, String nodeId, Clock clock, Duration lease) {
        this(dataSource, nodeId, clock, lease, lease.dividedBy(4));
    }

    /**
     * @param fencingMargin a call that changes a provider (trigger, cancel, PATCH) is sent only while this runner's
     *                      own heartbeat is alive for at least this much longer ({@link #fence}); a takeover
     *                      comes no sooner than that, so a call sent within the margin of its check is sent
     *                      before any other runner can own the run
     */
    public RunJournal(DataSource dataSource, String nodeId, Clock clock, Duration lease, Duration fencingMargin) {
        this(dataSource, nodeId, clock, lease, fencingMargin, "");
    }

    /** @param url the journal's JDBC URL (what {@link #url()} tells) */
    public RunJournal(DataSource dataSource, String nodeId, Clock clock, Duration lease, Duration fencingMargin,
            String url) {
        if (fencingMargin.isNegative() || fencingMargin.isZero() || fencingMargin.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("syncrunner.journal.fencing-margin (" + fencingMargin
                    + ") must be longer than 0 and shorter than syncrunner.journal.lease (" + lease + ")");
        }
        this.dataSource = dataSource;
        this.nodeId = nodeId;
        this.clock = clock;
        this.lease = lease;
        this.fencingMargin = fencingMargin;
        this.url = url;
        this.writer = new JournalWriter(dataSource, "journal-writer");
    }

    /** The journal's JDBC URL (empty when not given). */
    public String url() {
        return url;
    }

    /** How long after its fencing check a call may still be sent ({@link #fence}). */
    public Duration fencingMargin() {
        return fencingMargin;
    }

    /** Lets the writes in progress finish; later writes fail (the database is closed next). */
    public void close() {
        writer.close();
    }

    /** Group commit figures: commits (batches and writes run on their own), writes, batches run write by write. */
    public long[] writerCounts() {
        return writer.counts();
    }

    JournalWriter writer() {
        return writer;
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * A new run id: a UUID of version 7 (RFC 9562), its first 48 bits the time in milliseconds and 74 random bits.
     * Ids in order of time keep the rows and index entries of the runs in flight together at the end of each index,
     * so a commit rewrites a few index pages instead of one at a random place per run (with random UUIDs).
     */
    public static String newRunId() {
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        long high = (System.currentTimeMillis() << 16) | 0x7000L | ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL);
        long low = 0x8000000000000000L | ((random[2] & 0x3FL) << 56);
        for (int i = 3; i < 10; i++) {
            low |= (random[i] & 0xFFL) << (8 * (9 - i));
        }
        return new java.util.UUID(high, low).toString();
    }

    public String nodeId() {
        return nodeId;
    }

    /** Creates the tables when they are missing (every runner does it at start; the statements are idempotent). */
    public void createSchema() {
        String[] ddl = {
                "CREATE TABLE IF NOT EXISTS syncrunner_runs (run_id VARCHAR(64) PRIMARY KEY,"
                        + " idempotency_key VARCHAR(512), entry VARCHAR(200) NOT NULL, request VARCHAR NOT NULL,"
                        + " state VARCHAR(16) NOT NULL, owner VARCHAR(128),"
                        + " accepted_at BIGINT NOT NULL, finished_at BIGINT, result VARCHAR, error VARCHAR,"
                        + " attempts INT NOT NULL)",
                "CREATE UNIQUE INDEX IF NOT EXISTS syncrunner_runs_key ON syncrunner_runs (idempotency_key)",
                // few indexes: each one is rewritten on every commit (the takeover scan reads all open runs
                // every takeover-interval, which costs less than an index on state written with each change)
                "CREATE INDEX IF NOT EXISTS syncrunner_runs_finished ON syncrunner_runs (finished_at)",
                "CREATE TABLE IF NOT EXISTS syncrunner_nodes (node_id VARCHAR(128) PRIMARY KEY,"
                        + " alive_until BIGINT NOT NULL, started_at BIGINT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS syncrunner_steps (run_id VARCHAR(64) NOT NULL, step VARCHAR(512) NOT NULL,"
                        + " state VARCHAR(16) NOT NULL, started_at BIGINT NOT NULL, deadline BIGINT NOT NULL,"
                        + " trigger_sent_at BIGINT, baseline BIGINT, job_id VARCHAR(64), attached BOOLEAN,"
                        + " result VARCHAR, error VARCHAR, updated_at BIGINT NOT NULL, PRIMARY KEY (run_id, step))",
                // the Fivetran baseline at full precision (ISO-8601, as Instant.toString writes it): Fivetran
                // timestamps carry microseconds, which the BIGINT baseline (epoch ms) of older journals cut off;
                // added to tables created before it (H2 and PostgreSQL both know ADD COLUMN IF NOT EXISTS)
                "ALTER TABLE syncrunner_steps ADD COLUMN IF NOT EXISTS baseline_instant VARCHAR(40)",
                // fencing: attempts (incremented by every claim) is the run's epoch; fences counts the checks
                // before calls that change a provider, and a claim requires it unchanged since the claimer read
                // the run, so a check and a takeover are ordered on the run's row; last_call says what was sent
                "ALTER TABLE syncrunner_runs ADD COLUMN IF NOT EXISTS fences BIGINT DEFAULT 0 NOT NULL",
                "ALTER TABLE syncrunner_runs ADD COLUMN IF NOT EXISTS last_call VARCHAR(400)",
                // provider events (webhooks) received by any runner, for the runners that wait for them
                "CREATE TABLE IF NOT EXISTS syncrunner_signals (signal_key VARCHAR(200) NOT NULL,"
                        + " event_id VARCHAR(200) NOT NULL, received_by VARCHAR(128) NOT NULL,"
                        + " received_at BIGINT NOT NULL, payload VARCHAR NOT NULL, PRIMARY KEY (signal_key, event_id))",
                "CREATE INDEX IF NOT EXISTS syncrunner_signals_received ON syncrunner_signals (received_at)"};
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            boolean postgres = c.getMetaData().getDatabaseProductName().toLowerCase().contains("postgres");
            if (postgres) {
                s.execute("SELECT pg_advisory_lock(472012)"); // runners starting together create the tables once
            }
            try {
                for (String sql : ddl) {
                    s.execute(sql);
                }
            } finally {
                if (postgres) {
                    s.execute("SELECT pg_advisory_unlock(472012)");
                }
            }
        } catch (SQLException e) {
            throw failure("create the journal tables", e);
        }
    }

    /** A run as recorded. */
    public record Run(String runId, String idempotencyKey, String entry, String request, String state, String owner,
            long acceptedAt, Long finishedAt, String result, String error, int attempts, long fences) {
        public Run(String runId, String idempotencyKey, String entry, String request, String state, String owner,
                long acceptedAt, Long finishedAt, String result, String error, int attempts) {
            this(runId, idempotencyKey, entry, request, state, owner, acceptedAt, finishedAt, result, error, attempts,
                    0);
        }

        /** The fencing epoch of the runner that owns the run: 1 for a new run, one more with every claim. */
        public long epoch() {
            return attempts;
        }
    }

    /**
     * A step as recorded.
     *
     * @param baseline the Fivetran baseline at full precision, null when the connector had never synced (or for an
     *                 Airbyte step)
     */
    public record Step(String runId, String step, String state, long startedAt, long deadline, Long triggerSentAt,
            Instant baseline, String jobId, Boolean attached, String result, String error) {
        public boolean finished() {
            return "succeeded".equals(state) || "failed".equals(state);
        }
    }

    /**
     * Records a new run owned by this runner. With an idempotency key already recorded, nothing is written and the
     * run recorded under that key is returned instead. Committed when this returns.
     *
     * @return the run that exists under this request: the new one, or the earlier one with the same key
     */
    public Run insertRun(String runId, String idempotencyKey, String entry, String request, String state) {
        long now = clock.millis();
        Run run = new Run(runId, idempotencyKey, entry, request, state, nodeId, now, null, null, null, 1);
        return write("record the run", s -> {
            if (idempotencyKey != null) {
                // also finds a run inserted earlier in the same batch (same transaction)
                Optional<Run> existing = runByKey(s, idempotencyKey);
                if (existing.isPresent()) {
                    return existing.get();
                }
            }
            try {
                return insert(s, run);
            } catch (SQLException e) {
                // another runner recorded the key meanwhile; in a batch the whole batch runs again write by write
                if (idempotencyKey != null && isUniqueViolation(e) && !s.batched()) {
                    return runByKey(s, idempotencyKey).orElseThrow(() -> e);
                }
                throw e;
            }
        });
    }

    /**
     * Records a new run without an idempotency key, without waiting: it is committed by the time a later write
     * (e.g. the {@link #stepTriggering} of its first step) has returned, and {@link Deferred#await} tells whether it
     * failed.
     */
    public Deferred insertRunLater(String runId, String entry, String request, String state) {
        Run run = new Run(runId, null, entry, request, state, nodeId, clock.millis(), null, null, null, 1);
        return later("record run " + runId, s -> insert(s, run));
    }

    private static Run insert(JournalWriter.Session s, Run r) throws SQLException {
        update(s, "INSERT INTO syncrunner_runs (run_id, idempotency_key, entry, request, state, owner, accepted_at,"
                + " attempts) VALUES (?,?,?,?,?,?,?,1)", r.runId(), r.idempotencyKey(), r.entry(), r.request(),
                r.state(), r.owner(), r.acceptedAt());
        return r;
    }

    /**
     * Sets the state of an open run as its owner of {@code epoch}: nothing is written when another runner has taken
     * the run over (its state is the new owner's), and a finished run keeps its outcome.
     *
     * @return false when the run is no longer this runner's (or has ended)
     */
    public boolean updateRun(String runId, long epoch, String state, Long finishedAt, String result, String error) {
        String releaseWorkflowKey = finishedAt == null ? "" : ", idempotency_key=CASE WHEN idempotency_key LIKE '"
                + OPEN_WORKFLOW_KEY + "%' THEN NULL ELSE idempotency_key END";
        String sql = "UPDATE syncrunner_runs SET state=?, finished_at=?, result=?, error=?" + releaseWorkflowKey
                + " WHERE run_id=? AND owner=? AND attempts=? AND state IN " + OPEN;
        return write("record the state of run " + runId, s -> update(s, sql, state, finishedAt, result, error, runId,
                nodeId, epoch)) == 1;
    }

    /** Sets the state of an open run (and, for a finished one, its end, result and error). */
    public void updateRun(String runId, String state, Long finishedAt, String result, String error) {
        String releaseWorkflowKey = finishedAt == null ? "" : ", idempotency_key=CASE WHEN idempotency_key LIKE '"
                + OPEN_WORKFLOW_KEY + "%' THEN NULL ELSE idempotency_key END";
        String sql = "UPDATE syncrunner_runs SET state=?, finished_at=?, result=?, error=?" + releaseWorkflowKey
                + " WHERE run_id=? AND state IN " + OPEN;
        write("record the state of run " + runId, s -> update(s, sql, state, finishedAt, result, error, runId));
    }

    /**
     * Sets the state of an open run that is not finished (e.g. {@code running}) without waiting for the commit: a
     * state a restart does not depend on (it carries on accepted and running runs alike). A failure is logged.
     */
    public Deferred updateRunLater(String runId, String state) {
        return later("record the state of run " + runId, s -> update(s, "UPDATE syncrunner_runs SET state=?,"
                + " finished_at=?, result=?, error=? WHERE run_id=? AND state IN " + OPEN, state, null, null, null,
                runId));
    }

    public Optional<Run> run(String runId) {
        return queryRuns("SELECT * FROM syncrunner_runs WHERE run_id=?", runId).stream().findFirst();
    }

    /** The newest runs first, at most {@code limit}. */
    public List<Run> recentRuns(int limit) {
        return queryRuns("SELECT * FROM syncrunner_runs ORDER BY accepted_at DESC, run_id FETCH FIRST " + limit
                + " ROWS ONLY");
    }

    /**
     * Open runs this runner may take over: those of runners whose heartbeat ran out (or that never had one), and, at
     * its own start, those recorded under its own node id.
     */
    public List<Run> claimableRuns(boolean includeOwn) {
        String sql = "SELECT r.* FROM syncrunner_runs r LEFT JOIN syncrunner_nodes n ON n.node_id = r.owner"
                + " WHERE r.state IN " + OPEN + " AND ((r.owner <> ? AND (n.alive_until IS NULL OR n.alive_until < ?))"
                + (includeOwn ? " OR r.owner = ?)" : ")") + " ORDER BY r.accepted_at";
        return includeOwn ? queryRuns(sql, nodeId, clock.millis(), nodeId) : queryRuns(sql, nodeId, clock.millis());
    }

    /**
     * Takes the run over if it is still open and still has the owner it was read with; of runners racing for it,
     * exactly one wins (one conditional update).
     */
    public boolean claim(Run run) {
        // the epoch and the fencing count as read: a check of the old owner committed since (it was alive after
        // all, and may be sending a call now) makes this claim fail; one committed after it finds the run not its own
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE syncrunner_runs SET owner=?, attempts=attempts+1 WHERE run_id=? AND owner=? AND attempts=?"
                        + " AND fences=? AND state IN " + OPEN)) {
            // a runner paused inside a transaction (a GC pause, SIGSTOP) holds the run's row until it goes on: do not
            // wait for it here (the next takeover round tries again), or every other run's takeover would wait too
            p.setQueryTimeout((int) Math.max(1, lease.toSeconds() / 4));
            bind(p, nodeId, run.runId(), run.owner(), run.attempts(), run.fences());
            return p.executeUpdate() == 1;
        } catch (SQLException e) {
            if ("57014".equals(e.getSQLState()) || e instanceof java.sql.SQLTimeoutException) {
                LOG.info("Run {} is locked by its owner's open transaction: not taken over this round", run.runId());
                return false;
            }
            throw failure("claim run " + run.runId(), e);
        }
    }

    /** Why a fencing check failed. */
    private enum Held { YES, LOST, HEARTBEAT_OLD }

    /**
     * The fencing check before a call that changes a provider (a trigger, a cancel, a PATCH), committed when this
     * returns: this runner still owns the run with the epoch it holds, the run is open, and this runner's own
     * heartbeat is alive for at least the fencing margin more. The call is recorded on the run in the same
     * statement ({@code last_call}, and {@code fences} counted up, which a claim read before it then fails on).
     * A heartbeat too old is renewed and the check made once more.
     *
     * @throws RunTakenOverException the run is another runner's now (or ended): the call must not be sent
     */
    public void fence(String runId, long epoch, String call) {
        fenced(runId, epoch, call, s -> fenceIn(s, runId, epoch, call));
    }

    private Held fenceIn(JournalWriter.Session s, String runId, long epoch, String call) throws SQLException {
        long now = clock.millis();
        int n = update(s, "UPDATE syncrunner_runs SET fences=fences+1, last_call=? WHERE run_id=? AND owner=?"
                + " AND attempts=? AND state IN " + OPEN + " AND EXISTS (SELECT 1 FROM syncrunner_nodes n WHERE"
                + " n.node_id=? AND n.alive_until>=?)", abbreviate(call + " at " + java.time.Instant.ofEpochMilli(now)),
                runId, nodeId, epoch, nodeId, now + fencingMargin.toMillis());
        if (n == 1) {
            return Held.YES;
        }
        PreparedStatement p = s.prepare("SELECT COUNT(*) FROM syncrunner_runs WHERE run_id=? AND owner=?"
                + " AND attempts=? AND state IN " + OPEN);
        bind(p, runId, nodeId, epoch);
        try (ResultSet rs = p.executeQuery()) {
            return rs.next() && rs.getLong(1) == 1 ? Held.HEARTBEAT_OLD : Held.LOST;
        }
    }

    private void fenced(String runId, long epoch, String call, JournalWriter.Work<Held> work) {
        for (int attempt = 1; ; attempt++) {
            Held held = write("check that run " + runId + " is still this runner's", work);
            if (held == Held.YES) {
                return;
            }
            if (held == Held.LOST) {
                LOG.warn("Run {} is no longer this runner's (epoch {} of node {}: another runner has taken it over,"
                        + " or it ended): not sending {}; the run is left to its owner", runId, epoch, nodeId, call);
                throw new RunTakenOverException(runId, call);
            }
            if (attempt == 2) {
                throw new JournalException("Could not check that run " + runId + " is still this runner's before "
                        + call + ": its heartbeat stays older than the lease minus the fencing margin; not sent", null);
            }
            LOG.warn("This runner's heartbeat is older than the lease minus the fencing margin ({}): renewing it"
                    + " before {} of run {}", fencingMargin, call, runId);
            heartbeat();
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 400 ? text : text.substring(0, 397) + "...";
    }

    /** Whether this runner still owns the run with this epoch (in the write's transaction, locking nothing). */
    private int ownedIn(JournalWriter.Session s, String runId, long epoch) throws SQLException {
        // an update of the run's row (changing nothing): a claim running now is ordered before or after it
        return update(s, "UPDATE syncrunner_runs SET owner=owner WHERE run_id=? AND owner=? AND attempts=?", runId,
                nodeId, epoch);
    }

    /**
     * This runner is alive for one more lease: one row per runner, however many runs it owns. Its runs become
     * claimable by others only once this stops for a lease.
     */
    public void heartbeat() {
        long now = clock.millis();
        if (update("record this runner's heartbeat", "UPDATE syncrunner_nodes SET alive_until=? WHERE node_id=?",
                now + lease.toMillis(), nodeId) == 0) {
            try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                    "INSERT INTO syncrunner_nodes (node_id, alive_until, started_at) VALUES (?,?,?)")) {
                p.setString(1, nodeId);
                p.setLong(2, now + lease.toMillis());
                p.setLong(3, now);
                p.executeUpdate();
            } catch (SQLException e) {
                if (!isUniqueViolation(e)) {
                    throw failure("record this runner's heartbeat", e);
                }
            }
        }
    }

    /** Deletes the oldest finished runs (and their steps) beyond the newest {@code retained}; returns how many. */
    public int pruneFinished(int retained) {
        List<Long> cutoff = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT finished_at FROM syncrunner_runs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC"
                        + " OFFSET " + retained + " ROWS FETCH FIRST 1 ROWS ONLY")) {
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next()) {
                    cutoff.add(rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw failure("find old runs", e);
        }
        if (cutoff.isEmpty()) {
            return 0;
        }
        update("prune old steps", "DELETE FROM syncrunner_steps WHERE run_id IN (SELECT run_id FROM syncrunner_runs"
                + " WHERE finished_at <= ?)", cutoff.get(0));
        return update("prune old runs", "DELETE FROM syncrunner_runs WHERE finished_at <= ?", cutoff.get(0));
    }

    /**
     * The newest steps (by start) whose key begins with {@code stepPrefix} (e.g. {@code provider/account/target/}),
     * at most {@code limit}: what this runner started for one target, for the connection inventory.
     */
    public List<Step> recentSteps(String stepPrefix, int limit) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT * FROM syncrunner_steps WHERE step LIKE ? ESCAPE '!' ORDER BY started_at DESC LIMIT ?")) {
            p.setString(1, stepPrefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
            p.setInt(2, limit);
            List<Step> steps = new java.util.ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    steps.add(new Step(rs.getString("run_id"), rs.getString("step"), rs.getString("state"),
                            rs.getLong("started_at"), rs.getLong("deadline"), longOrNull(rs, "trigger_sent_at"),
                            baseline(rs), rs.getString("job_id"),
                            rs.getObject("attached") == null ? null : rs.getBoolean("attached"),
                            rs.getString("result"), rs.getString("error")));
                }
            }
            return steps;
        } catch (SQLException e) {
            throw failure("read the steps of " + stepPrefix, e);
        }
    }

    /**
     * The newest steps (at most {@code limit} each) of every step key prefix that ends at a {@code /}: the same
     * lists as {@link #recentSteps(String, int)} gives for each such prefix, read in one pass over the table (for
     * many connections at once, instead of one query each).
     */
    public Map<String, List<Step>> recentStepsByPrefix(int limit) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT * FROM syncrunner_steps ORDER BY started_at DESC")) {
            Map<String, List<Step>> out = new java.util.HashMap<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    Step step = new Step(rs.getString("run_id"), rs.getString("step"), rs.getString("state"),
                            rs.getLong("started_at"), rs.getLong("deadline"), longOrNull(rs, "trigger_sent_at"),
                            baseline(rs), rs.getString("job_id"),
                            rs.getObject("attached") == null ? null : rs.getBoolean("attached"),
                            rs.getString("result"), rs.getString("error"));
                    String key = step.step();
                    for (int i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
                        List<Step> list = out.computeIfAbsent(key.substring(0, i + 1), k -> new java.util.ArrayList<>());
                        if (list.size() < limit) {
                            list.add(step);
                        }
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("read the newest steps", e);
        }
    }

    public Optional<Step> step(String runId, String step) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT * FROM syncrunner_steps WHERE run_id=? AND step=?")) {
            p.setString(1, runId);
            p.setString(2, step);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Step(rs.getString("run_id"), rs.getString("step"), rs.getString("state"),
                        rs.getLong("started_at"), rs.getLong("deadline"), longOrNull(rs, "trigger_sent_at"),
                        baseline(rs), rs.getString("job_id"),
                        rs.getObject("attached") == null ? null : rs.getBoolean("attached"), rs.getString("result"),
                        rs.getString("error")));
            }
        } catch (SQLException e) {
            throw failure("read step " + step + " of run " + runId, e);
        }
    }

    /**
     * The trigger request is about to be sent: from now on a restart must look before it triggers. Records the step
     * (its start and deadline) the first time. Fenced ({@link #fence}): the step is recorded in the same transaction
     * that checks this runner still owns the run with {@code epoch}.
     *
     * @throws RunTakenOverException the run is another runner's now: nothing was written, nothing may be sent
     */
    public void stepTriggering(String runId, long epoch, String step, String call, long sentAt, Instant baseline,
            long startedAt, long deadline) {
        long now = clock.millis();
        String exact = baseline == null ? null : baseline.toString();
        Long millis = baseline == null ? null : baseline.toEpochMilli();
        fenced(runId, epoch, call, s -> {
            Held held = fenceIn(s, runId, epoch, call);
            if (held == Held.YES) {
                upsertTriggering(s, runId, step, sentAt, millis, exact, startedAt, deadline, now);
            }
            return held;
        });
    }

    private static void upsertTriggering(JournalWriter.Session s, String runId, String step, long sentAt, Long millis,
            String exact, long startedAt, long deadline, long now) throws SQLException {
        if (update(s, "UPDATE syncrunner_steps SET state='triggering', trigger_sent_at=?, baseline=?,"
                + " baseline_instant=?, updated_at=? WHERE run_id=? AND step=?", sentAt, millis, exact, now, runId,
                step) == 0) {
            update(s, "INSERT INTO syncrunner_steps (run_id, step, state, started_at, deadline, trigger_sent_at,"
                    + " baseline, baseline_instant, updated_at) VALUES (?,?,'triggering',?,?,?,?,?,?)", runId, step,
                    startedAt, deadline, sentAt, millis, exact, now);
        }
    }

    /**
     * The trigger request is about to be sent: from now on a restart must look before it triggers. Records the step
     * (its start and deadline) the first time. Not fenced (the unit tests of the journal's SQL).
     */
    public void stepTriggering(String runId, String step, long sentAt, Instant baseline, long startedAt,
            long deadline) {
        long now = clock.millis();
        String exact = baseline == null ? null : baseline.toString();
        // the epoch ms column too, only for a runner of an older version that may take the run over meanwhile
        Long millis = baseline == null ? null : baseline.toEpochMilli();
        write("record the trigger of " + step + " of run " + runId, s -> {
            if (update(s, "UPDATE syncrunner_steps SET state='triggering', trigger_sent_at=?, baseline=?,"
                    + " baseline_instant=?, updated_at=? WHERE run_id=? AND step=?", sentAt, millis, exact, now, runId,
                    step) == 0) {
                update(s, "INSERT INTO syncrunner_steps (run_id, step, state, started_at, deadline, trigger_sent_at,"
                        + " baseline, baseline_instant, updated_at) VALUES (?,?,'triggering',?,?,?,?,?,?)", runId, step,
                        startedAt, deadline, sentAt, millis, exact, now);
            }
            return null;
        });
    }

    /**
     * The sync is known to run (the job id for Airbyte): a restart re-attaches to it. Not waited for: should the
     * runner stop before it is committed, the step is still {@code triggering} and a restart looks at the provider
     * before it triggers (and finds this sync). A failure is logged; {@link Deferred#await} waits if needed.
     */
    public Deferred stepTriggeredLater(String runId, String step, String jobId, boolean attached) {
        long now = clock.millis();
        return later("record the job of " + step + " of run " + runId,
                s -> triggered(s, runId, step, jobId, attached, now));
    }

    /**
     * As {@link #stepTriggeredLater(String, String, String, boolean)}, written only while this runner still owns the
     * run with {@code epoch} (a late answer read by a runner that lost the run is not written over its new owner's).
     */
    public Deferred stepTriggeredLater(String runId, long epoch, String step, String jobId, boolean attached) {
        long now = clock.millis();
        return later("record the job of " + step + " of run " + runId,
                s -> ownedIn(s, runId, epoch) == 1 ? triggered(s, runId, step, jobId, attached, now) : 0);
    }

    /**
     * As {@link #stepEnded(String, String, boolean, String, String)}, written only while this runner still owns the
     * run with {@code epoch}.
     *
     * @throws RunTakenOverException the run is another runner's now: nothing was written
     */
    public void stepEnded(String runId, long epoch, String step, boolean succeeded, String result, String error) {
        long now = clock.millis();
        boolean owned = write("record the end of " + step, s -> {
            if (ownedIn(s, runId, epoch) == 0) {
                return false;
            }
            update(s, "UPDATE syncrunner_steps SET state=?, result=?, error=?, updated_at=? WHERE run_id=? AND step=?",
                    succeeded ? "succeeded" : "failed", result, error, now, runId, step);
            return true;
        });
        if (!owned) {
            LOG.warn("Run {} is no longer this runner's (epoch {} of node {}): the end of step {} it read is not"
                    + " recorded; the run is left to its owner", runId, epoch, nodeId, step);
            throw new RunTakenOverException(runId, "recording the end of " + step);
        }
    }

    private static int triggered(JournalWriter.Session s, String runId, String step, String jobId, boolean attached,
            long now) throws SQLException {
        return update(s, "UPDATE syncrunner_steps SET state='triggered', job_id=?, attached=?, updated_at=?"
                + " WHERE run_id=? AND step=?", jobId, attached, now, runId, step);
    }

    /** The step ended: a restart replays this outcome instead of syncing again. */
    public void stepEnded(String runId, String step, boolean succeeded, String result, String error) {
        long now = clock.millis();
        write("record the end of " + step, s -> update(s, "UPDATE syncrunner_steps SET state=?, result=?, error=?,"
                + " updated_at=? WHERE run_id=? AND step=?", succeeded ? "succeeded" : "failed", result, error, now,
                runId, step));
    }

    /** A provider event recorded for every runner ({@link #recordSignal}). */
    public record Signal(String key, String eventId, String receivedBy, long receivedAt, String payload) {
    }

    /**
     * Records an event (e.g. a webhook) under its wake key for the runners that wait for it; committed when this
     * returns.
     *
     * @return false when the same event (key and id) was recorded before: a duplicate delivery
     */
    public boolean recordSignal(String key, String eventId, String payload) {
        long now = clock.millis();
        return write("record event " + eventId + " of " + key, s -> {
            PreparedStatement p = s.prepare("SELECT COUNT(*) FROM syncrunner_signals WHERE signal_key=? AND event_id=?");
            bind(p, key, eventId);
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next() && rs.getLong(1) > 0) {
                    return false;
                }
            }
            try {
                update(s, "INSERT INTO syncrunner_signals (signal_key, event_id, received_by, received_at, payload)"
                        + " VALUES (?,?,?,?,?)", key, eventId, nodeId, now, payload);
                return true;
            } catch (SQLException e) {
                // the same event delivered to another runner at the same time; in a batch, run again on its own
                if (isUniqueViolation(e) && !s.batched()) {
                    return false;
                }
                throw e;
            }
        });
    }

    /** The events recorded at or after {@code sinceMillis} (the receiving runner's clock), oldest first. */
    public List<Signal> signalsSince(long sinceMillis) {
        List<Signal> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT signal_key, event_id, received_by, received_at, payload FROM syncrunner_signals"
                        + " WHERE received_at>=? ORDER BY received_at")) {
            p.setLong(1, sinceMillis);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new Signal(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                            rs.getString(5)));
                }
            }
        } catch (SQLException e) {
            throw failure("read the recorded events", e);
        }
        return out;
    }

    /** Deletes the events recorded before {@code beforeMillis}; returns how many. */
    public int pruneSignals(long beforeMillis) {
        return update("prune old events", "DELETE FROM syncrunner_signals WHERE received_at<?", beforeMillis);
    }

    private List<Run> queryRuns(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            return readRuns(p, args);
        } catch (SQLException e) {
            throw failure("read runs", e);
        }
    }

    private static List<Run> readRuns(PreparedStatement p, Object... args) throws SQLException {
        List<Run> out = new ArrayList<>();
        bind(p, args);
        try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                out.add(new Run(rs.getString("run_id"), rs.getString("idempotency_key"), rs.getString("entry"),
                        rs.getString("request"), rs.getString("state"), rs.getString("owner"),
                        rs.getLong("accepted_at"), longOrNull(rs, "finished_at"),
                        rs.getString("result"), rs.getString("error"), rs.getInt("attempts"), rs.getLong("fences")));
            }
        }
        return out;
    }

    private static Optional<Run> runByKey(JournalWriter.Session s, String idempotencyKey) throws SQLException {
        return readRuns(s.prepare("SELECT * FROM syncrunner_runs WHERE idempotency_key=?"), idempotencyKey).stream()
                .findFirst();
    }

    /** A write handed to the journal without waiting for its commit (the {@code ...Later} methods). */
    public static final class Deferred {
        private final String what;
        private final CompletableFuture<?> done;

        private Deferred(String what, CompletableFuture<?> done) {
            this.what = what;
            this.done = done;
        }

        /** Waits until the write is committed; its failure is thrown as a {@link JournalException}. */
        public void await() {
            try {
                JournalWriter.await(done);
            } catch (SQLException e) {
                throw failure(what, e);
            }
        }
    }

    private Deferred later(String what, JournalWriter.Work<?> work) {
        CompletableFuture<?> done = writer.submit(work);
        done.whenComplete((r, e) -> {
            if (e != null) {
                LOG.warn("Could not {} in the run journal: {}", what, e.getMessage());
            }
        });
        return new Deferred(what, done);
    }

    /** A write through the group commit: committed (with the others of its batch) when this returns. */
    private <T> T write(String what, JournalWriter.Work<T> work) {
        try {
            return writer.write(work);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private static int update(JournalWriter.Session s, String sql, Object... args) throws SQLException {
        PreparedStatement p = s.prepare(sql);
        bind(p, args);
        return p.executeUpdate();
    }

    private int update(String what, String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            bind(p, args);
            return p.executeUpdate();
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private static void bind(PreparedStatement p, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                p.setNull(i + 1, Types.NULL);
            } else if (a instanceof Long l) {
                p.setLong(i + 1, l);
            } else if (a instanceof Integer n) {
                p.setInt(i + 1, n);
            } else if (a instanceof Boolean b) {
                p.setBoolean(i + 1, b);
            } else {
                p.setString(i + 1, a.toString());
            }
        }
    }

    /**
     * The recorded baseline: {@code baseline_instant} exactly; for a step recorded before that column existed, the
     * epoch ms of {@code baseline} read as the last instant of its millisecond. The true baseline lay somewhere in
     * that millisecond, so the unchanged timestamp (e.g. {@code ...29.613498Z} recorded as {@code ...29.613Z}) is not
     * taken for a new completion, while a sync that ends after the trigger is at least a millisecond later.
     */
    static Instant baseline(ResultSet rs) throws SQLException {
        String exact = rs.getString("baseline_instant");
        if (exact != null) {
            return Instant.parse(exact);
        }
        Long millis = longOrNull(rs, "baseline");
        return millis == null ? null : Instant.ofEpochMilli(millis).plusNanos(999_999);
    }

    private static Long longOrNull(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState()) || (e.getSQLState() != null && e.getSQLState().startsWith("23")
                && String.valueOf(e.getMessage()).toLowerCase().contains("unique"));
    }

    private static JournalException failure(String what, SQLException e) {
        return new JournalException("Could not " + what + " in the run journal: " + e.getMessage(), e);
    }
}
