package io.syncrunner.runs;

import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutorService;

/**
 * Starts an accepted run (bean {@code runStarter}) for every trigger — the HTTP API, the queue, a schedule:
 * on an exchange of its own sent to {@code direct:sync-request}, handed to a starter thread, so the trigger's
 * exchange ends at once (the HTTP answer, the queue message's deletion, the schedule's fire).
 * <p>
 * Not a {@code wireTap}: a tapped exchange stays pending on the route that tapped it until the whole sync has
 * ended, so stopping or reloading that route while one of its syncs ran for hours would wait for it (up to
 * {@code camel.main.shutdown-timeout}) and then force the route down. Here the trigger's route owns nothing
 * afterwards; the run is in flight on the sync routes only, and graceful shutdown waits for it there.
 */
public final class RunStarter {
    private static final Logger LOG = LoggerFactory.getLogger(RunStarter.class);

    private final CamelContext context;
    private final SyncRuns runs;
    private final ExecutorService starter;
    /** Exchange property: the run is carried on from the journal, not started for the first time. */
    public static final String RESUMED = "syncRunResumed";
    private final java.util.Map<String, AsyncProducer> producers = new java.util.concurrent.ConcurrentHashMap<>();
    /** Runs handed over before {@link #open}: started, in order, once the runner has started. */
    private final java.util.List<Runnable> held = new java.util.ArrayList<>();
    private boolean open;

    /**
     * @param threads how many runs are started at once (each holds its thread only until its trigger call is
     *                answered and the sync waits); further ones queue, so a burst of requests never grows threads
     */
    public RunStarter(CamelContext context, int threads, SyncRuns runs) {
        this.context = context;
        this.runs = runs;
        this.starter = context.getExecutorServiceManager().newThreadPool(this, "RunStarter",
                // a queue without bound: for Camel a maxQueueSize of -1 (or 0) means no queue at all, and a run
                // beyond the threads then ran on the thread that handed it over (an HTTP worker, the queue's
                // consumer, a schedule's thread) until its trigger was answered
                new org.apache.camel.builder.ThreadPoolProfileBuilder("RunStarter").poolSize(threads)
                        .maxPoolSize(threads).maxQueueSize(Integer.MAX_VALUE).build());
    }

    /** Runs the accepted request of this exchange (properties set by {@link SyncRuns#accept}) on its own. */
    public void start(Exchange fire) {
        Exchange run = new DefaultExchange(context);
        run.getProperties().putAll(fire.getProperties());
        run.getMessage().setBody(fire.getMessage().getBody());
        send(fire.getProperty(SyncRuns.RUN_ENTRY, SyncRuns.ENTRY, String.class), run);
    }

    /**
     * Carries on a run of the journal (after a restart, or taken over from a runner that died): its flow runs again
     * from its entry route, and each of its sync steps re-attaches to what the journal recorded.
     */
    public void resume(SyncRun journaled, String entry) {
        resume(journaled, entry, 1);
    }

    /** As {@link #resume(SyncRun, String)}, holding the run with the fencing epoch this runner claimed it with. */
    public void resume(SyncRun journaled, String entry, long epoch) {
        Exchange run = new DefaultExchange(context);
        SyncRuns.apply(run, journaled);
        run.setProperty(SyncRuns.EPOCH, epoch);
        run.setProperty(RESUMED, true);
        run.getMessage().setBody(journaled.request() == null ? null : journaled.request().json());
        send(entry, run);
    }

    /**
     * Starts the runs handed over so far, and every later one at once. Called once the whole runner has started
     * (every route, client and pool, and the journal's unfinished runs handed over first): a run accepted earlier,
     * by a trigger whose route started before the others, waits until then instead of meeting a part not yet started.
     */
    public void open() {
        java.util.List<Runnable> waiting;
        synchronized (held) {
            open = true;
            waiting = java.util.List.copyOf(held);
            held.clear();
        }
        if (!waiting.isEmpty()) {
            LOG.info("Starting {} run(s) accepted while the runner started", waiting.size());
        }
        waiting.forEach(Runnable::run);
    }

    /** Whether runs are started as they come ({@link #open} was called). */
    public boolean isOpen() {
        synchronized (held) {
            return open;
        }
    }

    private void send(String entry, Exchange run) {
        Runnable start = () -> execute(entry, run);
        synchronized (held) {
            if (!open) {
                held.add(start);
                return;
            }
        }
        start.run();
    }

    private void execute(String entry, Exchange run) {
        String runId = run.getProperty(SyncRuns.RUN_ID, String.class);
        starter.execute(() -> producer(entry).process(run, doneSync -> {
            Exception e = run.getException();
            if (e instanceof io.syncrunner.journal.RunTakenOverException) {
                LOG.info("Run {} stopped here: {}", runId, e.getMessage());
            } else if (e != null) {
                LOG.warn("Run {} ended with an error: {}", runId, e.getMessage());
                // a run its route could not take (or whose route did not record the failure) must not stay open
                if (runs != null && runId != null && !SyncRuns.cutOffByShutdown(run, e)) {
                    runs.failed(runId, SyncRuns.epoch(run), e);
                }
            }
        }));
    }

    private AsyncProducer producer(String entry) {
        return producers.computeIfAbsent(entry, uri -> {
            try {
                AsyncProducer p = context.getEndpoint(uri).createAsyncProducer();
                ServiceHelper.startService(p);
                context.addService(p, true, false);
                return p;
            } catch (Exception e) {
                throw new IllegalStateException("Cannot send to " + uri + ": " + e.getMessage(), e);
            }
        });
    }
}
