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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The durable record of every accepted run and of every sync step in flight, in one SQL database: an embedded H2
 * file under the data directory by default, PostgreSQL when several runners share it. The same statements serve
 * both (plain SQL, no vendor dialect).
 * <p>
 * A run is owned by one runner (its node id) while its lease lasts; the owner renews the leases of its runs, and a
 * run whose lease ran out (its runner died) can be claimed by any runner with one conditional {@code UPDATE}, so
 * exactly one runner takes it over. A step is one provider sync inside a run, keyed by provider, account, target and
 * operation; it records what is needed to re-attach instead of triggering again: the trigger's send time, the
 * Fivetran baseline, the Airbyte job id, the deadline.
 */
public final class RunJournal {
    public static final List<String> OPEN_STATES = List.of("accepted", "running");
    private static final String OPEN = "('accepted','running')";
    /** Idempotency key prefix of a workflow's open run; released when the run ends, so the next fire may start. */
    public static final String OPEN_WORKFLOW_KEY = "open-workflow:";

    private final DataSource dataSource;
    private final String nodeId;
    private final Clock clock;
    private final Duration lease;

    public RunJournal(DataSource dataSource, String nodeId, Clock clock, Duration lease) {
        this.dataSource = dataSource;
        this.nodeId = nodeId;
        this.clock = clock;
        this.lease = lease;
    }

    public String nodeId() {
        return nodeId;
    }

    public Duration lease() {
        return lease;
    }

    /** Creates the tables when they are missing (every runner does it at start; the statements are idempotent). */
    public void createSchema() {
        String[] ddl = {
                "CREATE TABLE IF NOT EXISTS syncrunner_runs (run_id VARCHAR(64) PRIMARY KEY,"
                        + " idempotency_key VARCHAR(512), entry VARCHAR(200) NOT NULL, request VARCHAR NOT NULL,"
                        + " state VARCHAR(16) NOT NULL, owner VARCHAR(128), lease_until BIGINT NOT NULL,"
                        + " accepted_at BIGINT NOT NULL, finished_at BIGINT, result VARCHAR, error VARCHAR,"
                        + " attempts INT NOT NULL)",
                "CREATE UNIQUE INDEX IF NOT EXISTS syncrunner_runs_key ON syncrunner_runs (idempotency_key)",
                "CREATE INDEX IF NOT EXISTS syncrunner_runs_open ON syncrunner_runs (state, lease_until)",
                "CREATE TABLE IF NOT EXISTS syncrunner_steps (run_id VARCHAR(64) NOT NULL, step VARCHAR(512) NOT NULL,"
                        + " state VARCHAR(16) NOT NULL, started_at BIGINT NOT NULL, deadline BIGINT NOT NULL,"
                        + " trigger_sent_at BIGINT, baseline BIGINT, job_id VARCHAR(64), attached BOOLEAN,"
                        + " result VARCHAR, error VARCHAR, updated_at BIGINT NOT NULL, PRIMARY KEY (run_id, step))"};
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
            long leaseUntil, long acceptedAt, Long finishedAt, String result, String error, int attempts) {
    }

    /** A step as recorded. */
    public record Step(String runId, String step, String state, long startedAt, long deadline, Long triggerSentAt,
            Long baseline, String jobId, Boolean attached, String result, String error) {
        public boolean finished() {
            return "succeeded".equals(state) || "failed".equals(state);
        }
    }

    /**
     * Records a new run owned by this runner. With an idempotency key already recorded, nothing is written and the
     * run recorded under that key is returned instead.
     *
     * @return the run that exists under this request: the new one, or the earlier one with the same key
     */
    public Run insertRun(String runId, String idempotencyKey, String entry, String request, String state) {
        long now = clock.millis();
        Run run = new Run(runId, idempotencyKey, entry, request, state, nodeId, now + lease.toMillis(), now, null,
                null, null, 1);
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO syncrunner_runs (run_id, idempotency_key, entry, request, state, owner, lease_until,"
                        + " accepted_at, attempts) VALUES (?,?,?,?,?,?,?,?,1)")) {
            p.setString(1, runId);
            p.setString(2, idempotencyKey);
            p.setString(3, entry);
            p.setString(4, request);
            p.setString(5, state);
            p.setString(6, nodeId);
            p.setLong(7, run.leaseUntil());
            p.setLong(8, now);
            p.executeUpdate();
            return run;
        } catch (SQLException e) {
            if (idempotencyKey != null && isUniqueViolation(e)) {
                return runByKey(idempotencyKey).orElseThrow(() -> failure("record the run", e));
            }
            throw failure("record the run", e);
        }
    }

    /** Sets the state of an open run (and, for a finished one, its end, result and error). */
    public void updateRun(String runId, String state, Long finishedAt, String result, String error) {
        String releaseWorkflowKey = finishedAt == null ? "" : ", idempotency_key=CASE WHEN idempotency_key LIKE '"
                + OPEN_WORKFLOW_KEY + "%' THEN NULL ELSE idempotency_key END";
        update("record the state of run " + runId, "UPDATE syncrunner_runs SET state=?, finished_at=?, result=?,"
                + " error=?" + releaseWorkflowKey + " WHERE run_id=? AND state IN " + OPEN, state, finishedAt, result,
                error, runId);
    }

    public Optional<Run> run(String runId) {
        return queryRuns("SELECT * FROM syncrunner_runs WHERE run_id=?", runId).stream().findFirst();
    }

    public Optional<Run> runByKey(String idempotencyKey) {
        return queryRuns("SELECT * FROM syncrunner_runs WHERE idempotency_key=?", idempotencyKey).stream().findFirst();
    }

    /** The newest runs first, at most {@code limit}. */
    public List<Run> recentRuns(int limit) {
        return queryRuns("SELECT * FROM syncrunner_runs ORDER BY accepted_at DESC, run_id FETCH FIRST " + limit
                + " ROWS ONLY");
    }

    /** Open runs this runner may take over: lease ran out, or (at its own start) recorded under its own node id. */
    public List<Run> claimableRuns(boolean includeOwn) {
        long now = clock.millis();
        return includeOwn
                ? queryRuns("SELECT * FROM syncrunner_runs WHERE state IN " + OPEN + " AND (lease_until < ? OR owner=?)"
                        + " ORDER BY accepted_at", now, nodeId)
                : queryRuns("SELECT * FROM syncrunner_runs WHERE state IN " + OPEN + " AND lease_until < ?"
                        + " ORDER BY accepted_at", now);
    }

    /**
     * Takes the run over, if it is still open and still claimable; exactly one runner wins a race (one
     * conditional update).
     */
    public boolean claim(Run run, boolean includeOwn) {
        long now = clock.millis();
        String sql = "UPDATE syncrunner_runs SET owner=?, lease_until=?, attempts=attempts+1 WHERE run_id=? AND state IN "
                + OPEN + " AND (lease_until < ?" + (includeOwn ? " OR owner=?)" : ")");
        Object[] args = includeOwn
                ? new Object[]{nodeId, now + lease.toMillis(), run.runId(), now, nodeId}
                : new Object[]{nodeId, now + lease.toMillis(), run.runId(), now};
        return update("claim run " + run.runId(), sql, args) == 1;
    }

    /** Extends the lease of every open run this runner owns; returns how many. */
    public int renewLeases() {
        return update("renew the leases of this runner's runs", "UPDATE syncrunner_runs SET lease_until=? WHERE owner=?"
                + " AND state IN " + OPEN, clock.millis() + lease.toMillis(), nodeId);
    }

    /** Deletes the oldest finished runs (and their steps) beyond the newest {@code retained}. */
    public int pruneFinished(int retained) {
        List<String> old = new ArrayList<>();
        for (Run r : queryRuns("SELECT * FROM syncrunner_runs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC"
                + " OFFSET " + retained + " ROWS")) {
            old.add(r.runId());
        }
        for (String id : old) {
            update("prune run " + id, "DELETE FROM syncrunner_steps WHERE run_id=?", id);
            update("prune run " + id, "DELETE FROM syncrunner_runs WHERE run_id=?", id);
        }
        return old.size();
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
                        longOrNull(rs, "baseline"), rs.getString("job_id"),
                        rs.getObject("attached") == null ? null : rs.getBoolean("attached"), rs.getString("result"),
                        rs.getString("error")));
            }
        } catch (SQLException e) {
            throw failure("read step " + step + " of run " + runId, e);
        }
    }

    /** Records a new step (state {@code started}); returns false when it was already recorded. */
    public boolean insertStep(String runId, String step, long startedAt, long deadline) {
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO syncrunner_steps (run_id, step, state, started_at, deadline, updated_at)"
                        + " VALUES (?,?,'started',?,?,?)")) {
            p.setString(1, runId);
            p.setString(2, step);
            p.setLong(3, startedAt);
            p.setLong(4, deadline);
            p.setLong(5, clock.millis());
            p.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
                return false;
            }
            throw failure("record step " + step + " of run " + runId, e);
        }
    }

    /** The trigger request is about to be sent: from now on a restart must look before it triggers. */
    public void stepTriggering(String runId, String step, long sentAt, Long baseline) {
        update("record the trigger of " + step, "UPDATE syncrunner_steps SET state='triggering', trigger_sent_at=?,"
                + " baseline=?, updated_at=? WHERE run_id=? AND step=?", sentAt, baseline, clock.millis(), runId, step);
    }

    /** The sync is known to run (the job id for Airbyte): a restart re-attaches to it. */
    public void stepTriggered(String runId, String step, String jobId, boolean attached) {
        update("record the job of " + step, "UPDATE syncrunner_steps SET state='triggered', job_id=?, attached=?,"
                + " updated_at=? WHERE run_id=? AND step=?", jobId, attached, clock.millis(), runId, step);
    }

    /** The step ended: a restart replays this outcome instead of syncing again. */
    public void stepEnded(String runId, String step, boolean succeeded, String result, String error) {
        update("record the end of " + step, "UPDATE syncrunner_steps SET state=?, result=?, error=?, updated_at=?"
                + " WHERE run_id=? AND step=?", succeeded ? "succeeded" : "failed", result, error, clock.millis(), runId,
                step);
    }

    public List<Step> steps(String runId) {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT step FROM syncrunner_steps WHERE run_id=? ORDER BY started_at")) {
            p.setString(1, runId);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw failure("read the steps of run " + runId, e);
        }
        return out.stream().map(s -> step(runId, s).orElseThrow()).toList();
    }

    private List<Run> queryRuns(String sql, Object... args) {
        List<Run> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            bind(p, args);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new Run(rs.getString("run_id"), rs.getString("idempotency_key"), rs.getString("entry"),
                            rs.getString("request"), rs.getString("state"), rs.getString("owner"),
                            rs.getLong("lease_until"), rs.getLong("accepted_at"), longOrNull(rs, "finished_at"),
                            rs.getString("result"), rs.getString("error"), rs.getInt("attempts")));
                }
            }
        } catch (SQLException e) {
            throw failure("read runs", e);
        }
        return out;
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
