package io.syncrunner.sync;

import io.syncrunner.journal.RunJournal;
import io.syncrunner.journal.RunTakenOverException;
import io.syncrunner.runs.RunFence;
import io.syncrunner.runs.RunStarter;
import io.syncrunner.runs.SyncEvents;
import io.syncrunner.runs.SyncRequest;
import io.syncrunner.runs.SyncRun;
import io.syncrunner.runs.SyncRuns;
import io.syncrunner.support.SyncFailedException;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncState;
import io.syncrunner.support.SyncStoppedException;
import io.syncrunner.support.SyncTimeoutException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Journals each provider sync of a run as one step (bean {@code syncSteps}, used by routes/sync-flow.yaml), and decides, when a run is carried on after a restart or a takeover, what the step
 * does instead of triggering again. Exchange property {@value #RESUME}:
 * <ul>
 *   <li>{@code trigger}: nothing was sent yet; trigger as usual;</li>
 *   <li>{@code reconcile}: the trigger may have been sent (the runner stopped before its answer was recorded); look
 *       at the provider ({@link SyncProvider#recoverRequest}) and follow what it shows, triggering only when it
 *       shows nothing was started;</li>
 *   <li>{@code attach}: the sync is known ({@link SyncProvider#canAttach}); wait for its end, with the original
 *       deadline;</li>
 *   <li>{@code replay}: the step had already ended; its recorded result (or failure) is the outcome.</li>
 * </ul>
 * A sync step used in a route that was not started as a run (e.g. a timer route calling the kamelet) gets a run of
 * its own, so that a restart still carries that sync to its end.
 */
public final class SyncSteps {
    public static final String RESUME = "syncResume";
    public static final String STEP = SyncRuns.STEP;
    private static final String OWN_RUN = "syncStepOwnRun";
    /** The write of the step's own run, handed in without waiting; checked once the trigger is recorded. */
    private static final String OWN_RUN_WRITE = "syncStepOwnRunWrite";
    /** The step as {@link SyncEvents} were told of its start (a {@link SyncEvents.Step}). */
    private static final String EVENTS_STEP = "syncStepEvents";
    private static final Logger LOG = LoggerFactory.getLogger(SyncSteps.class);

    private final RunJournal journal;
    private final Clock clock;
    private final SyncFlow flow;
    private final SyncEvents events;

    public SyncSteps(RunJournal journal, Clock clock, SyncFlow flow) {
        this(journal, clock, flow, SyncEvents.NONE);
    }

    /** @param events told when a step begins (not a replayed one) and when it ends */
    public SyncSteps(RunJournal journal, Clock clock, SyncFlow flow, SyncEvents events) {
        this.journal = journal;
        this.clock = clock;
        this.flow = flow;
        this.events = events;
    }

    /** After the flow's {@code begin}: records the step, or reads it back and sets {@value #RESUME}. */
    public void resume(Exchange ex) {
        SyncProvider provider = flow.provider(ex);
        String runId = ex.getProperty(SyncRuns.RUN_ID, String.class);
        if (runId == null) {
            runId = ownRun(ex, provider.kind().provider());
        }
        String step = provider.stepKey(ex);
        ex.setProperty(STEP, step);
        // a run started here and now has no steps yet: nothing to read (the step is written with its trigger)
        Optional<RunJournal.Step> recorded = Boolean.TRUE.equals(ex.getProperty(RunStarter.RESUMED, Boolean.class))
                ? journal.step(runId, step) : Optional.empty();
        if (recorded.isEmpty()) {
            ex.setProperty(RESUME, "trigger");
            started(ex, provider, runId, step);
            return;
        }
        RunJournal.Step s = recorded.get();
        ex.setProperty(SyncState.STARTED_AT, s.startedAt());
        ex.setProperty(SyncState.DEADLINE, s.deadline());
        ex.setProperty(SyncState.NEXT_POLL_DELAY, 0L);
        String mode;
        if (s.finished()) {
            mode = "replay";
        } else if ("triggered".equals(s.state()) && provider.canAttach(s)) {
            mode = "attach";
            ex.setProperty(SyncProvider.ATTACHED, Boolean.TRUE.equals(s.attached()));
            ex.setProperty(SyncState.STATUS, "running");
            provider.restore(ex, s, true);
        } else {
            // written right before the trigger request, and no sync recorded since: it may have been sent
            mode = "reconcile";
            provider.restore(ex, s, false);
        }
        ex.setProperty(RESUME, mode);
        LOG.info("Run {}: carrying on step {} ({}){}", runId, step, mode,
                s.jobId() == null ? "" : ", job " + s.jobId());
        if (!"replay".equals(mode)) {
            started(ex, provider, runId, step);
        }
    }

    private void started(Exchange ex, SyncProvider provider, String runId, String step) {
        Long startedAt = ex.getProperty(SyncState.STARTED_AT, Long.class);
        Object target = ex.getProperty(provider.kind().targetField());
        SyncEvents.Step s = new SyncEvents.Step(runId, step, provider.kind().provider(),
                SyncState.text(ex, SyncState.ACCOUNT), target == null ? null : target.toString().trim(),
                ex.getProperty(SyncRuns.WORKFLOW, String.class),
                startedAt == null ? clock.instant() : Instant.ofEpochMilli(startedAt));
        ex.setProperty(EVENTS_STEP, s);
        events.started(s);
    }

    /** Tells the listeners, and leaves the step's end on the exchange ({@value SyncEvents#ENDED}). */
    private void ended(Exchange ex, SyncEvents.Outcome outcome, String result, String error) {
        SyncEvents.Step s = ex.getProperty(EVENTS_STEP, SyncEvents.Step.class);
        if (s != null) {
            ex.removeProperty(EVENTS_STEP);
            SyncEvents.Ended end = new SyncEvents.Ended(s, outcome, result, error, flow.provider(ex).syncId(ex),
                    SyncState.text(ex, SyncEvents.UI_URL), clock.instant());
            ex.setProperty(SyncEvents.ENDED, end);
            events.ended(end);
        }
    }

    /** How a step ended, from its result JSON (a success) or its failure. */
    static SyncEvents.Outcome outcome(Throwable failure, String result) {
        String status = result == null ? null : Json.text(Json.parseLenient(result), "status");
        if (failure == null) {
            return "succeeded".equals(status) ? SyncEvents.Outcome.SUCCEEDED
                    : "skipped".equals(status) ? SyncEvents.Outcome.SKIPPED : SyncEvents.Outcome.TRIGGERED;
        }
        if (failure instanceof SyncStoppedException) {
            return SyncEvents.Outcome.STOPPED;
        }
        if (failure instanceof SyncTimeoutException) {
            return SyncEvents.Outcome.TIMED_OUT;
        }
        return "cancelled".equals(status) ? SyncEvents.Outcome.CANCELLED : SyncEvents.Outcome.FAILED;
    }

    /**
     * Right before the trigger request is sent: returns once the step (and the step's own run, if it has one) is
     * committed.
     */
    public void triggering(Exchange ex) {
        String step = ex.getProperty(STEP, String.class);
        long checkedAt = System.nanoTime();
        // fenced: recorded in the transaction that checks this runner still owns the run (else nothing is sent)
        journal.stepTriggering(runId(ex), SyncRuns.epoch(ex), step, "the trigger of " + step, clock.millis(),
                flow.provider(ex).baseline(ex), ex.getProperty(SyncState.STARTED_AT, Long.class),
                ex.getProperty(SyncState.DEADLINE, Long.class));
        ex.setProperty(RunFence.CHECKED_AT, checkedAt);
        RunJournal.Deferred ownRun = ex.getProperty(OWN_RUN_WRITE, RunJournal.Deferred.class);
        if (ownRun != null) {
            ex.removeProperty(OWN_RUN_WRITE);
            ownRun.await(); // handed in before the step: committed by now, or failed (then nothing is sent)
        }
    }

    /**
     * The sync runs (triggered or attached to): a restart re-attaches to it. Not waited for: until it is committed
     * the step is {@code triggering}, and a restart looks at the provider instead (and finds this sync).
     */
    public void triggered(Exchange ex) {
        String syncId = flow.provider(ex).syncId(ex);
        boolean attached = Boolean.TRUE.equals(ex.getProperty(SyncProvider.ATTACHED, Boolean.class));
        journal.stepTriggeredLater(runId(ex), SyncRuns.epoch(ex), ex.getProperty(STEP, String.class), syncId,
                attached);
    }

    /** The step ended well (the body is its result JSON). */
    public void succeeded(Exchange ex) {
        String result = ex.getMessage().getBody(String.class);
        journal.stepEnded(runId(ex), SyncRuns.epoch(ex), ex.getProperty(STEP, String.class), true, result, null);
        ended(ex, outcome(null, result), result, null);
        endOwnRun(ex, SyncRun.SUCCEEDED, result, null);
    }

    /**
     * The step failed: records it and throws the failure on. Not when the runner's shutdown cut it off (it is
     * carried on by the next start).
     */
    public void failed(Exchange ex) throws Exception {
        Exception e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (!SyncRuns.cutOffByShutdown(ex, e) && !(e instanceof RunTakenOverException)) {
            String result = SyncFailedException.resultOf(e);
            String error = SyncFailedException.messageOf(e);
            journal.stepEnded(runId(ex), SyncRuns.epoch(ex), ex.getProperty(STEP, String.class), false, result,
                    error);
            ended(ex, outcome(e, result), result, error);
            endOwnRun(ex, SyncRun.FAILED, result, error);
        }
        ex.removeProperty(EVENTS_STEP); // cut off or taken over: carried on (and told again) later or elsewhere
        throw e == null ? new IllegalStateException("the sync step failed") : e;
    }

    /** The step had ended before: its recorded result is the body again, or its recorded failure is thrown. */
    public void replay(Exchange ex) {
        RunJournal.Step s = journal.step(runId(ex), ex.getProperty(STEP, String.class)).orElseThrow();
        LOG.info("Run {}: step {} had already {}; not synced again", s.runId(), s.step(), s.state());
        endOwnRun(ex, s.state(), s.result(), s.error());
        ex.getMessage().setBody(s.result());
        if ("failed".equals(s.state())) {
            throw new SyncFailedException(s.error(), s.result());
        }
    }

    private String ownRun(Exchange ex, String provider) {
        SyncRequest request = SyncRequest.fromProperties(provider, ex);
        String runId = RunJournal.newRunId();
        // not waited for here: committed with (or before) the step's trigger record, which triggering() waits for
        ex.setProperty(OWN_RUN_WRITE, journal.insertRunLater(runId, SyncRuns.ENTRY, request.json(), SyncRun.RUNNING));
        ex.setProperty(SyncRuns.RUN_ID, runId);
        ex.setProperty(OWN_RUN, true);
        return runId;
    }

    /** A step with a run of its own ends that run too, and leaves the exchange free for a next step. */
    private void endOwnRun(Exchange ex, String state, String result, String error) {
        if (Boolean.TRUE.equals(ex.getProperty(OWN_RUN, Boolean.class))) {
            // handed in after the run's insert, so it finds the run (a failed insert was logged)
            journal.updateRun(runId(ex), SyncRuns.epoch(ex), state, clock.millis(), result, error);
            ex.removeProperty(SyncRuns.RUN_ID);
            ex.removeProperty(OWN_RUN);
            ex.removeProperty(OWN_RUN_WRITE);
        }
    }

    private static String runId(Exchange ex) {
        return Optional.ofNullable(ex.getProperty(SyncRuns.RUN_ID, String.class))
                .orElseThrow(() -> new IllegalStateException("no run id on the exchange"));
    }
}
