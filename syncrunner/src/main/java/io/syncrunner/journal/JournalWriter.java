package io.syncrunner.journal;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Group commit for the run journal: the writes pending from any number of threads are executed in one transaction
 * with one commit (a batch), then each is completed; {@link #write} returns only once its write is committed. One
 * commit per batch instead of one per statement: with H2 ({@code WRITE_DELAY=0}) every commit writes a new chunk of
 * the file (the changed pages up to each root), with PostgreSQL every commit waits for its WAL flush; both cost
 * about the same for one statement as for a hundred.
 * <p>
 * One batch at a time, in the order the writes were handed in, so a thread's writes are committed in its order and
 * a write is committed no later than any write handed in after it. Who runs a batch: a caller of {@link #write} when
 * no batch is running (it takes what is pending with its own write, on its own thread: no hand-over, no wait for
 * another thread to be scheduled), else the batch running now passes the writes pending after it on to the writer
 * thread, which runs batches until none are pending. A write handed in without waiting ({@link #submit}) is taken
 * by the next batch, or by the writer thread after {@value #FLUSH_DELAY_MICROS} µs at the latest.
 * <p>
 * When anything in a batch fails (a unique key taken meanwhile by another runner, a lock timeout, a broken
 * connection), the batch is rolled back and each of its writes runs again on its own, in autocommit: a failure then
 * belongs only to the write that caused it, and every other write of the batch is committed as usual. A write must
 * therefore have no effect outside the database until it returns (it may run twice: once rolled back, once
 * committed).
 * <p>
 * The writer thread ends when it has had nothing to write for a while and starts again when needed.
 */
final class JournalWriter {
    /** One write: statements on the connection of the batch, and its result. */
    @FunctionalInterface
    interface Work<T> {
        T run(Session s) throws SQLException;
    }

    /** The connection a write runs on, in a batch (one transaction, not committed yet) or on its own. */
    static final class Session {
        private final Connection connection;
        private final boolean batched;
        private final Map<String, PreparedStatement> statements = new HashMap<>();

        Session(Connection connection, boolean batched) {
            this.connection = connection;
            this.batched = batched;
        }

        /** Whether this write shares its transaction with others (a failure then fails the whole batch). */
        boolean batched() {
            return batched;
        }

        /** A prepared statement, prepared once per batch for each SQL text. */
        PreparedStatement prepare(String sql) throws SQLException {
            PreparedStatement p = statements.get(sql);
            if (p == null) {
                p = connection.prepareStatement(sql);
                statements.put(sql, p);
            }
            return p;
        }

        private void closeStatements() {
            for (PreparedStatement p : statements.values()) {
                try {
                    p.close();
                } catch (SQLException ignored) {
                    // the connection goes back to the pool (or is broken) anyway
                }
            }
            statements.clear();
        }
    }

    private record Pending<T>(Work<T> work, CompletableFuture<T> done) {
    }

    static final int MAX_BATCH = 256;
    static final long FLUSH_DELAY_MICROS = 2000;
    private static final long IDLE_SECONDS = 30;

    private final DataSource dataSource;
    private final ConcurrentLinkedQueue<Pending<?>> queue = new ConcurrentLinkedQueue<>();
    /** A batch is running (on a caller's thread or the writer thread); only one at a time. */
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final ScheduledThreadPoolExecutor thread;
    private volatile boolean closed;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong fallbacks = new AtomicLong();

    JournalWriter(DataSource dataSource, String name) {
        this.dataSource = dataSource;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        this.thread.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
        this.thread.allowCoreThreadTimeOut(true);
    }

    /**
     * Runs the work in the next batch and waits until that batch is committed (not interruptible: once handed in,
     * a write is committed or has failed before its caller goes on).
     *
     * @throws SQLException the failure of this write (run on its own)
     */
    <T> T write(Work<T> work) throws SQLException {
        CompletableFuture<T> done = enqueue(work);
        // an interrupted thread leaves the file to the writer thread (H2 closes a file interrupted in I/O)
        if (!done.isDone() && !Thread.currentThread().isInterrupted() && draining.compareAndSet(false, true)) {
            lead(done);
        }
        return await(done);
    }

    /**
     * Hands the work to the next batch without waiting. It is committed no later than any write handed in after
     * it (by any thread), so a thread that waits for its next write knows this one is committed too, or failed.
     */
    <T> CompletableFuture<T> submit(Work<T> work) {
        CompletableFuture<T> done = enqueue(work);
        if (!done.isDone() && flushScheduled.compareAndSet(false, true)) {
            try {
                thread.schedule(this::flush, FLUSH_DELAY_MICROS, TimeUnit.MICROSECONDS);
            } catch (RejectedExecutionException e) {
                flushScheduled.set(false);
                failPending(closedException());
            }
        }
        return done;
    }

    private <T> CompletableFuture<T> enqueue(Work<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(closedException());
        } else {
            queue.add(new Pending<>(work, done));
        }
        return done;
    }

    private static SQLException closedException() {
        return new SQLException("the run journal is closed (the runner is stopping)");
    }

    /** On the caller's thread: runs batches until the one with this write; passes what is left to the writer. */
    private void lead(CompletableFuture<?> own) {
        List<Pending<?>> batch = new ArrayList<>();
        try {
            while (!own.isDone() && take(batch)) {
                executeSafely(batch);
                batch.clear();
            }
        } finally {
            draining.set(false);
            if (!queue.isEmpty()) {
                wake();
            }
        }
    }

    /** The writer thread, a while after a write not waited for: takes it unless a batch did already. */
    private void flush() {
        flushScheduled.set(false);
        if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
            drain();
        }
    }

    /** The result of a submitted write once it is committed, or its failure. */
    static <T> T await(CompletableFuture<T> done) throws SQLException {
        try {
            return done.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException s) {
                throw s;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new SQLException(String.valueOf(cause), cause);
        }
    }

    /**
     * Commits (a batch, or a write on its own), writes committed, and batches that were run again write
     * by write (for the bench and the tests).
     */
    long[] counts() {
        return new long[] {batches.get(), writes.get(), fallbacks.get()};
    }

    /** Writes handed in and not taken into a batch yet. */
    int pending() {
        return queue.size();
    }

    /** Lets the pending writes finish, then refuses new ones. */
    void close() {
        closed = true;
        thread.shutdown();
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failPending(closedException());
    }

    /** Has the writer thread run the pending batches, unless a batch is running (it passes them on when done). */
    private void wake() {
        if (draining.compareAndSet(false, true)) {
            try {
                thread.execute(this::drain);
            } catch (RejectedExecutionException e) {
                draining.set(false);
                failPending(closedException());
            }
        }
    }

    private void failPending(SQLException e) {
        Pending<?> p;
        while ((p = queue.poll()) != null) {
            p.done().completeExceptionally(e);
        }
    }

    /** On the writer thread (holding {@code draining}): runs batches while writes are pending. */
    private void drain() {
        List<Pending<?>> batch = new ArrayList<>();
        while (true) {
            if (!take(batch)) {
                draining.set(false);
                // a write added after the last poll but before the flag was cleared found it set: take it here
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            executeSafely(batch);
            batch.clear();
        }
    }

    /** The next batch: the pending writes in order, at most {@value #MAX_BATCH}; false when none are pending. */
    private boolean take(List<Pending<?>> batch) {
        Pending<?> p;
        while (batch.size() < MAX_BATCH && (p = queue.poll()) != null) {
            batch.add(p);
        }
        return !batch.isEmpty();
    }

    private void executeSafely(List<Pending<?>> batch) {
        try {
            execute(batch);
        } catch (Throwable t) {
            for (Pending<?> each : batch) {
                each.done().completeExceptionally(t);
            }
        }
    }

    private void execute(List<Pending<?>> batch) {
        if (batch.size() == 1) {
            runAlone(batch.get(0));
            return;
        }
        List<Object> results = new ArrayList<>(batch.size());
        boolean committed = false;
        try (Connection c = dataSource.getConnection()) {
            Session s = new Session(c, true);
            try {
                c.setAutoCommit(false);
                for (Pending<?> p : batch) {
                    results.add(p.work().run(s));
                }
                c.commit();
                committed = true;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
            } finally {
                s.closeStatements();
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // a broken connection: the pool drops it
                }
            }
        } catch (SQLException e) {
            // no connection, or it broke: each write on its own below reports why
        }
        if (committed) {
            batches.incrementAndGet();
            writes.addAndGet(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                complete(batch.get(i), results.get(i));
            }
            return;
        }
        fallbacks.incrementAndGet();
        for (Pending<?> p : batch) {
            runAlone(p);
        }
    }

    private void runAlone(Pending<?> p) {
        try (Connection c = dataSource.getConnection()) {
            Session s = new Session(c, false);
            Object result;
            try {
                result = p.work().run(s);
            } finally {
                s.closeStatements();
            }
            batches.incrementAndGet();
            writes.incrementAndGet();
            complete(p, result);
        } catch (SQLException | RuntimeException e) {
            p.done().completeExceptionally(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Pending<T> p, Object result) {
        p.done().complete((T) result);
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken: nothing was committed
        }
    }
}
