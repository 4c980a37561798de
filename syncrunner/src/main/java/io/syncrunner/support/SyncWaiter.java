package io.syncrunner.support;

import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The wait between two status polls of a sync, without a thread: the exchange is parked and continued by a
 * timer after {@code syncNextPollDelay} ms, or earlier by {@link #signal} when a provider tells us (a webhook)
 * that the sync of key {@code syncWakeKey} ended. The continuation always runs on the scheduler's threads,
 * never on the thread that signalled (e.g. an HTTP server's event loop).
 * <p>
 * After the wait, exchange property {@code syncWokenBy} is {@code poll} or {@code signal}, and a signal's
 * payload is in {@code syncSignal}.
 * <p>
 * A run can ask its waiting syncs to stop ({@link #requestStop}, e.g. because another branch of the same workflow
 * run failed): every sync of that run (exchange property {@value #RUN_KEY}) that waits now, or parks later, is
 * woken with {@code syncWokenBy} = {@code stop}, and {@value #STOP_REQUESTED} holds the reason. What a stop means
 * is the provider flow's decision (cancel the job, or stop waiting where the provider cannot cancel).
 */
public final class SyncWaiter extends AsyncProcessorSupport implements AsyncProcessor {
    public static final String WAKE_KEY = "syncWakeKey";
    public static final String WOKEN_BY = "syncWokenBy";
    public static final String SIGNAL = "syncSignal";
    /** The run a waiting sync belongs to (the run id the runs and the journal use). */
    public static final String RUN_KEY = "syncRunId";
    /** Set when the sync's run asked it to stop: the reason. */
    public static final String STOP_REQUESTED = "syncStopRequested";
    /**
     * A {@link #signalMark()} taken right before the trigger was sent: a signal of this sync's key received after
     * it wakes the sync at once, even one received before the sync parked; one received before it never does.
     */
    public static final String SIGNALS_SINCE = "syncSignalsSince";
    /**
     * Numbers the signals in the order they were received (in this JVM). An order, not a time: a clock in
     * milliseconds cannot tell a signal received in the same millisecond before the trigger from one after it.
     */
    private static final AtomicLong SIGNALS = new AtomicLong();
    private static final long RECENT_MILLIS = 15 * 60_000L;
    private static final Logger LOG = LoggerFactory.getLogger(SyncWaiter.class);

    private final ScheduledExecutorService scheduler;
    private final Map<String, Set<Parked>> parked = new ConcurrentHashMap<>();
    /** The last signal per key, so a signal that came before the sync parked (a fast sync) is not lost. */
    private final Map<String, Recent> recent = new ConcurrentHashMap<>();
    /** Every parked sync, with or without a wake key (the metrics' in-flight waits). */
    private final AtomicInteger waiting = new AtomicInteger();
    /** Every parked sync by its run, for {@link #requestStop}. */
    private final Map<String, Set<Parked>> parkedByRun = new ConcurrentHashMap<>();
    /** Runs whose syncs were asked to stop, with the reason, until {@link #forgetRun}. */
    private final Map<String, String> stops = new ConcurrentHashMap<>();

    private record Recent(long at, long number, Object payload) {
    }

    public SyncWaiter(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        long delay = Math.max(0, exchange.getProperty(SyncState.NEXT_POLL_DELAY, 0L, Long.class));
        String key = exchange.getProperty(WAKE_KEY, String.class);
        String run = exchange.getProperty(RUN_KEY, String.class);
        Parked p = new Parked(exchange, callback, key, run);
        waiting.incrementAndGet();
        try {
            if (run != null) {
                parkedByRun.computeIfAbsent(run, k -> ConcurrentHashMap.newKeySet()).add(p);
                String stop = stops.get(run);
                if (stop != null) {
                    scheduler.execute(() -> p.wake("stop", stop));
                    return false;
                }
            }
            if (key != null) {
                Recent r = recent.get(key);
                Long since = exchange.getProperty(SIGNALS_SINCE, Long.class);
                if (r != null && since != null && r.number() > since) {
                    scheduler.execute(() -> p.wake("signal", r.payload()));
                    return false;
                }
                parked.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(p);
            }
            p.timer = scheduler.schedule(() -> p.wake("poll", null), delay, TimeUnit.MILLISECONDS);
            return false;
        } catch (RejectedExecutionException e) {
            // only while the runner stops: fail the sync visibly rather than leave it parked for ever
            if (p.woken.compareAndSet(false, true)) {
                waiting.decrementAndGet();
            }
            p.unpark();
            exchange.setException(new IllegalStateException("The runner is stopping: the wait for the next poll"
                    + " of this sync could not be scheduled", e));
            callback.done(true);
            return true;
        }
    }

    /**
     * Wakes every sync parked under the key, handing it the payload. Returns how many were woken.
     */
    public int signal(String key, Object payload) {
        long now = System.currentTimeMillis();
        recent.put(key, new Recent(now, SIGNALS.incrementAndGet(), payload));
        recent.values().removeIf(r -> r.at() < now - RECENT_MILLIS);
        Set<Parked> waiting = parked.remove(key);
        if (waiting == null) {
            return 0;
        }
        int n = 0;
        for (Parked p : waiting) {
            try {
                scheduler.execute(() -> p.wake("signal", payload));
            } catch (RejectedExecutionException e) {
                p.wake("signal", payload); // the scheduler is stopping: continue it here rather than lose it
            }
            if (p.timer != null) {
                p.timer.cancel(false);
            }
            n++;
        }
        return n;
    }

    /**
     * Asks every sync of the run to stop waiting, now or as soon as it parks, with the reason (the first request
     * of a run wins). Returns how many were waiting. The request holds until {@link #forgetRun}.
     */
    public int requestStop(String runId, String reason) {
        if (stops.putIfAbsent(runId, reason) != null) {
            return 0;
        }
        Set<Parked> of = parkedByRun.get(runId);
        if (of == null) {
            return 0;
        }
        int n = 0;
        for (Parked p : Set.copyOf(of)) {
            if (p.timer != null) {
                p.timer.cancel(false);
            }
            try {
                scheduler.execute(() -> p.wake("stop", reason));
            } catch (RejectedExecutionException e) {
                p.wake("stop", reason); // the scheduler is stopping: continue it here rather than lose it
            }
            n++;
        }
        return n;
    }

    /** The reason the run's syncs were asked to stop, or null. */
    public String stopRequested(String runId) {
        return runId == null ? null : stops.get(runId);
    }

    /** The run has ended: its stop request (if any) is dropped. */
    public void forgetRun(String runId) {
        if (runId != null) {
            stops.remove(runId);
        }
    }

    /** The signals received so far, as a mark for {@link #SIGNALS_SINCE}: later signals are after it. */
    public static long signalMark() {
        return SIGNALS.get();
    }

    /** How many syncs wait now, whether a timer or a signal (webhook) will continue them. */
    public int waitingCount() {
        return waiting.get();
    }

    /** How many syncs are parked now under a wake key (those a signal can wake). */
    public int parkedCount() {
        return parked.values().stream().mapToInt(Set::size).sum();
    }

    private final class Parked {
        private final Exchange exchange;
        private final AsyncCallback callback;
        private final String key;
        private final String run;
        private final AtomicBoolean woken = new AtomicBoolean();
        private volatile ScheduledFuture<?> timer;

        Parked(Exchange exchange, AsyncCallback callback, String key, String run) {
            this.exchange = exchange;
            this.callback = callback;
            this.key = key;
            this.run = run;
        }

        void unpark() {
            if (key != null) {
                Set<Parked> set = parked.get(key);
                if (set != null) {
                    set.remove(this);
                    parked.remove(key, Set.of());
                }
            }
            if (run != null) {
                Set<Parked> set = parkedByRun.get(run);
                if (set != null) {
                    set.remove(this);
                    parkedByRun.remove(run, Set.of());
                }
            }
        }

        void wake(String by, Object payload) {
            if (!woken.compareAndSet(false, true)) {
                return;
            }
            waiting.decrementAndGet();
            unpark();
            if (timer != null) {
                timer.cancel(false);
            }
            exchange.setProperty(WOKEN_BY, by);
            exchange.setProperty(SIGNAL, payload);
            if ("stop".equals(by)) {
                exchange.setProperty(STOP_REQUESTED, payload);
            }
            try {
                callback.done(false);
            } catch (RuntimeException e) {
                LOG.warn("Continuing a waiting sync failed", e);
            }
        }
    }
}
