package io.syncrunner.runs;

import io.syncrunner.journal.RunJournal;
import io.syncrunner.journal.RunTakenOverException;


import io.syncrunner.support.ApiCall;
import org.apache.camel.Exchange;

/**
 * The fencing check right before every API call that changes a provider (bean {@code runFence}, called by route
 * {@code api-call} for each request that is not a {@code GET}, so also before each redelivery): a call of a run
 * goes out only within half the fencing margin of a committed check that this runner still owns the run with the
 * epoch it holds ({@link RunJournal#fence}). A check made moments before (the trigger's own, recorded with its
 * step) is not repeated. A call outside a run (e.g. registering a webhook) is not fenced.
 */
public final class RunFence {
    /** Exchange property: {@link System#nanoTime()} taken before the last committed fencing check of this run. */
    public static final String CHECKED_AT = "syncFenceCheckedAt";

    private final RunJournal journal;
    private final long freshNanos;

    public RunFence(RunJournal journal) {
        this.journal = journal;
        // the other half of the margin is left for the request to leave after the check
        this.freshNanos = journal.fencingMargin().toNanos() / 2;
    }

    /**
     * @throws RunTakenOverException another runner owns the run now: the request is not sent
     */
    public void beforeSend(Exchange ex) {
        String runId = ex.getProperty(SyncRuns.RUN_ID, String.class);
        String method = ex.getProperty(ApiCall.METHOD, "GET", String.class);
        if (runId == null || "GET".equals(method)) {
            return;
        }
        Long checkedAt = ex.getProperty(CHECKED_AT, Long.class);
        long now = System.nanoTime();
        if (checkedAt != null && now - checkedAt < freshNanos) {
            return;
        }
        journal.fence(runId, SyncRuns.epoch(ex), method + " " + ex.getProperty(ApiCall.PATH, String.class));
        ex.setProperty(CHECKED_AT, now);
    }
}
