package io.syncrunner.journal;

import io.syncrunner.support.Json;
import io.syncrunner.support.SyncWaiter;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Provider events that end waits (a webhook's "this sync ended"), for every runner of a cluster: the runner that
 * receives one records it in the shared journal ({@code syncrunner_signals}, keyed by wake key and the event's own
 * id, so a duplicate delivery is recorded once) and wakes its own waiting syncs at once; every runner reads the
 * events the others recorded with one query per {@code interval}, for all its waiting syncs together, and wakes
 * those parked under their keys ({@link SyncWaiter#signal}).
 * <p>
 * Without a shared journal (the embedded H2 file: one runner) nothing is recorded: the event wakes the syncs of
 * this runner only, in process, and a repeated delivery is told by the provider's own check of the event.
 */
public final class ClusterSignals extends ServiceSupport implements io.syncrunner.support.WakeSignals {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSignals.class);
    /** Events are kept this long, then pruned. */
    private static final Duration KEPT = Duration.ofHours(1);

    private final CamelContext context;
    private final RunJournal journal;
    private final SyncWaiter waiter;
    private final Clock clock;
    private final boolean shared;
    private final Duration interval;
    private final long lookbackMillis;
    /** Events seen by this runner (recorded here or relayed), by key|id, with when they were recorded. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();
    private volatile long since;
    private long lastPrune;
    private ScheduledExecutorService timer;

    /**
     * @param shared   the journal is shared by several runners (PostgreSQL): record and relay events
     * @param interval how often the events recorded by other runners are read
     */
    public ClusterSignals(CamelContext context, RunJournal journal, SyncWaiter waiter, Clock clock, boolean shared,
            Duration interval) {
        this.context = context;
        this.journal = journal;
        this.waiter = waiter;
        this.clock = clock;
        this.shared = shared;
        this.interval = interval;
        // an event committed a little after a later one (two runners receiving at once) is still read; the clocks
        // of the runners must agree to better than this
        this.lookbackMillis = Math.max(10_000, 5 * interval.toMillis());
    }

    /**
     * An event received by this runner: recorded for the others (when shared), then the syncs waiting here under
     * its key are woken.
     *
     * @param eventId the event's own id (the same for every delivery of it)
     * @return how many waiting syncs of this runner it woke, or -1 when the event had been recorded before (a
     *         duplicate delivery: nothing is woken again)
     */
    @Override
    public int publish(String key, String eventId, com.fasterxml.jackson.databind.JsonNode event) {
        if (shared) {
            if (!journal.recordSignal(key, eventId, Json.write(event))) {
                return -1;
            }
            seen.put(key + "|" + eventId, clock.millis());
        }
        return waiter.signal(key, event);
    }

    @Override
    protected void doStart() {
        if (!shared) {
            return;
        }
        since = clock.millis() - lookbackMillis;
        timer = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ClusterSignals");
        timer.scheduleWithFixedDelay(this::relay, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One read of the events recorded since the last (less the lookback), for all waiting syncs of this runner. */
    void relay() {
        try {
            long started = clock.millis();
            int woken = 0;
            for (RunJournal.Signal s : journal.signalsSince(since)) {
                if (seen.putIfAbsent(s.key() + "|" + s.eventId(), s.receivedAt()) != null
                        || journal.nodeId().equals(s.receivedBy())) {
                    continue; // relayed before, or received here (woken then)
                }
                int n = waiter.signal(s.key(), Json.parse(s.payload()));
                woken += n;
                LOG.info("Event {} of {} received by runner {}: woke {} waiting sync(s) here", s.eventId(), s.key(),
                        s.receivedBy(), n);
            }
            since = started - lookbackMillis;
            for (Iterator<Long> it = seen.values().iterator(); it.hasNext(); ) {
                if (it.next() < since - lookbackMillis) {
                    it.remove();
                }
            }
            if (started - lastPrune > KEPT.toMillis() / 12) {
                lastPrune = started;
                journal.pruneSignals(started - KEPT.toMillis());
            }
            if (woken > 0) {
                LOG.debug("Relayed events woke {} sync(s)", woken);
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not read the events recorded by other runners (retried in {}): {}", interval,
                    e.getMessage());
        }
    }

    @Override
    protected void doStop() {
        if (timer != null) {
            context.getExecutorServiceManager().shutdownGraceful(timer);
            timer = null;
        }
    }
}
