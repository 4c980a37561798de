package io.syncrunner.runs;

import io.syncrunner.journal.RunJournal;




import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Carries on the journal's unfinished runs. Once the routes have started, the runner claims its own open runs
 * (recorded under its node id before a crash or a stop) and every open run of a runner whose heartbeat stopped,
 * and resumes each from its entry route. Then, every {@code takeoverInterval}, it records its own heartbeat (alive
 * for one more lease), takes over the runs of runners that died (no heartbeat for a lease), and prunes old finished
 * runs.
 */
public final class RunRecovery extends ServiceSupport implements StartupListener {
    private static final Logger LOG = LoggerFactory.getLogger(RunRecovery.class);

    private final CamelContext context;
    private final RunJournal journal;
    private final RunStarter starter;
    private final Duration takeoverInterval;
    private final int retained;
    private ScheduledExecutorService timer;
    private volatile long startedAt;
    /** Wall clock of this start: own runs accepted since are this process's own, not left over from before. */
    private volatile long startedAtMillis;

    public RunRecovery(CamelContext context, RunJournal journal, RunStarter starter, Duration takeoverInterval,
            int retained) {
        this.context = context;
        this.journal = journal;
        this.starter = starter;
        this.takeoverInterval = takeoverInterval;
        this.retained = retained;
    }

    @Override
    protected void doStart() {
        startedAt = System.nanoTime();
        startedAtMillis = System.currentTimeMillis(); // the clock runs are accepted by (Clock.systemUTC())
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
        journal.heartbeat();
        int n = resumeClaimable(true);
        if (n > 0) {
            LOG.info("Re-attached {} unfinished run(s) from the journal {} ms after start (node {})", n,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt), journal.nodeId());
        }
        // every route has started (Camel calls this after the last consumer started): the carried-on runs first,
        // then those the triggers accepted meanwhile, and from now on each run as it comes (readiness goes UP)
        starter.open();
        long period = takeoverInterval.toMillis();
        timer = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "RunRecovery");
        timer.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
        // called before the routes' consumers start (alreadyStarted=false), and again when routes are added later
        // (alreadyStarted=true, e.g. a reload): runs are carried on only once every route has started
        // (onCamelContextFullyStarted, called once, after the context has fully started)
    }

    private void tick() {
        try {
            journal.heartbeat();
            int n = resumeClaimable(false);
            if (n > 0) {
                LOG.warn("Took over {} run(s) of runner(s) whose heartbeat stopped for a lease", n);
            }
            journal.pruneFinished(retained);
        } catch (RuntimeException e) {
            LOG.warn("Journal upkeep failed (retried in {}): {}", takeoverInterval, e.getMessage());
        }
    }

    private int resumeClaimable(boolean includeOwn) {
        int n = 0;
        for (RunJournal.Run run : journal.claimableRuns(includeOwn)) {
            if (includeOwn && run.owner().equals(journal.nodeId()) && run.acceptedAt() >= startedAtMillis) {
                continue; // accepted by a trigger while this runner started: it is started already (RunStarter)
            }
            if (!context.getStatus().isStarted() || !journal.claim(run)) {
                continue;
            }
            SyncRun sync = SyncRuns.toSyncRun(run);
            LOG.info("Carrying on run {} ({}, accepted {}, previously on {})", run.runId(),
                    sync.request() == null ? "workflow " + sync.workflow() : sync.request().provider() + " "
                            + sync.request().targetProperty() + " '" + sync.request().target() + "'",
                    sync.acceptedAt(), run.owner());
            starter.resume(sync, run.entry(), run.epoch() + 1); // the claim counted the epoch up
            n++;
        }
        return n;
    }

    @Override
    protected void doStop() {
        if (timer != null) {
            // not shutdownNow: an interrupt inside an H2 file operation closes the file under every other user of
            // the journal; a tick that is running (a prune may take seconds) ends before the journal is closed
            context.getExecutorServiceManager().shutdownGraceful(timer);
            timer = null;
        }
    }
}
