package io.syncrunner.runs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.journal.RunJournal;
import io.syncrunner.journal.RunTakenOverException;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncFailedException;
import org.apache.camel.Exchange;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The runs of sync requests, whatever brought them (HTTP, a queue, a schedule): accepted, running, and the
 * result or error of the finished ones. Every accepted request is written to the run journal before it is
 * acknowledged, so a runner that dies afterwards (or another runner of the cluster) carries it on. A request
 * carrying an idempotency key that was already accepted returns the existing run and never starts a second sync,
 * across restarts and across runners sharing the journal.
 */
public final class SyncRuns {
    /** Exchange property: the journal step of the sync the exchange runs (provider/account/target/operation). */
    public static final String STEP = "syncStep";
    public static final String RUN_ID = "syncRunId";
    public static final String DUPLICATE = "syncRunDuplicate";
    /** The route a sync request runs through, first time and on re-attach. */
    public static final String ENTRY = "direct:sync-request";
    /** Exchange property: the route a run starts from (a workflow's own; else {@value #ENTRY}). */
    public static final String RUN_ENTRY = "syncRunEntry";
    /** Exchange property: the workflow whose run this is (absent for a run of a sync request). */
    public static final String WORKFLOW = "syncRunWorkflow";
    /**
     * Exchange property: the fencing epoch this runner holds the run with (the journal's {@code attempts}): 1 for a
     * run it accepted, the claimed epoch for one it carries on. Absent means 1.
     */
    public static final String EPOCH = "syncRunEpoch";

    private final RunJournal journal;
    private final Clock clock;
    private final int listed;
    private final Map<String, java.util.function.Consumer<String>> accountChecks;

    /**
     * @param listed        how many of the newest runs the API and the status page list
     * @param accountChecks per provider, a check that throws IllegalArgumentException (with a message naming
     *                      the missing setting) when the account is not configured
     */
    public SyncRuns(RunJournal journal, Clock clock, int listed,
            Map<String, java.util.function.Consumer<String>> accountChecks) {
        this.journal = journal;
        this.clock = clock;
        this.listed = listed;
        this.accountChecks = accountChecks;
    }

    /** An accepted request: its run, and whether that run already existed (same idempotency key). */
    public record Acceptance(SyncRun run, boolean duplicate) {
    }

    /**
     * Parses the body as a {@link SyncRequest} and accepts it. Sets exchange properties {@value #RUN_ID},
     * {@value #DUPLICATE} and the inputs of the provider's flow.
     */
    public Acceptance accept(Exchange ex) {
        return accept(ex, null);
    }

    /**
     * A request from the queue: the message id is its idempotency key unless it carries one, so a message delivered
     * again (the runner died after journaling it but before deleting it, or its visibility timeout ran out) starts
     * nothing a second time.
     */
    public Acceptance acceptMessage(Exchange ex) {
        String messageId = ex.getMessage().getHeader("CamelAwsSqsMessageId", String.class);
        return accept(ex, messageId == null ? null : "sqs:" + messageId);
    }

    private Acceptance accept(Exchange ex, String defaultKey) {
        SyncRequest request = SyncRequest.parse(ex.getMessage().getBody(String.class)).withDefaultKey(defaultKey);
        try {
            accountChecks.getOrDefault(request.provider(), a -> { }).accept(request.account());
        } catch (IllegalArgumentException e) {
            throw new InvalidSyncRequestException(e.getMessage());
        }
        Acceptance a = accept(request);
        apply(ex, a.run());
        ex.setProperty(DUPLICATE, a.duplicate());
        return a;
    }

    /** Sets the exchange properties a run's flow starts from: its id and the inputs of the provider's flow. */
    public static void apply(Exchange ex, SyncRun run) {
        SyncRequest request = run.request();
        ex.setProperty(RUN_ID, run.runId());
        if (request == null) {
            if (run.workflow() != null) {
                ex.setProperty(WORKFLOW, run.workflow());
            }
            return;
        }
        request.applyTo(ex);
    }

    /** Records the request in the journal, or returns the run already recorded under its idempotency key. */
    public Acceptance accept(SyncRequest request) {
        String runId = RunJournal.newRunId();
        RunJournal.Run run = journal.insertRun(runId, request.idempotencyKey(), ENTRY, request.json(),
                SyncRun.ACCEPTED);
        boolean duplicate = !run.runId().equals(runId);
        // a new run is the request just parsed and checked: it is not parsed again from the journal's copy
        return new Acceptance(duplicate ? toSyncRun(run) : toSyncRun(run, request, null), duplicate);
    }

    /**
     * Starts a run of a workflow route (bean call from the route that fires it, e.g. a timer or a schedule): the
     * run is journaled with {@code entry}, the route that does the workflow's work, so that after a restart the
     * workflow is carried on from there (its sync steps re-attach or replay, its follow-up steps run). A workflow
     * has at most one open run: while one is unfinished (here or on another runner), a new fire starts nothing
     * and {@value #DUPLICATE} is true.
     */
    public void startWorkflow(Exchange ex, String workflow, String entry) {
        String runId = RunJournal.newRunId();
        RunJournal.Run run = journal.insertRun(runId, RunJournal.OPEN_WORKFLOW_KEY + workflow, entry,
                Json.write(Json.object().put("workflow", workflow)), SyncRun.ACCEPTED);
        ex.setProperty(RUN_ID, run.runId());
        ex.setProperty(RUN_ENTRY, entry);
        ex.setProperty(WORKFLOW, workflow);
        ex.setProperty(DUPLICATE, !run.runId().equals(runId));
    }

    /**
     * The flow of the run starts. Not waited for (a restart carries on accepted and running runs alike): the write
     * the flow waits for next, its first trigger's, is committed after it.
     */
    public void running(Exchange ex) {
        String id = ex.getProperty(RUN_ID, String.class);
        if (id != null) {
            journal.updateRunLater(id, SyncRun.RUNNING);
        }
    }

    /** The fencing epoch of the run on this exchange ({@value #EPOCH}). */
    public static long epoch(Exchange ex) {
        return ex.getProperty(EPOCH, 1L, Long.class);
    }

    /** The flow ended well: its body is the result JSON. Not recorded when another runner owns the run now. */
    public void succeeded(Exchange ex) {
        String id = ex.getProperty(RUN_ID, String.class);
        if (id != null && !journal.updateRun(id, epoch(ex), SyncRun.SUCCEEDED, clock.millis(),
                ex.getMessage().getBody(String.class), null)) {
            notRecorded(id, epoch(ex));
        }
    }

    /** The run's flow stopped here because another runner owns the run now: said once, nothing recorded. */
    public void takenOver(Exchange ex) {
        Throwable e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        org.slf4j.LoggerFactory.getLogger(SyncRuns.class).info("Run {} stopped on this runner (epoch {}): {}",
                ex.getProperty(RUN_ID), epoch(ex), e == null ? "taken over by another runner" : e.getMessage());
    }

    private static void notRecorded(String runId, long epoch) {
        org.slf4j.LoggerFactory.getLogger(SyncRuns.class).info("Run {}: its outcome here (epoch {}) is not recorded:"
                + " the run had ended or another runner owns it now", runId, epoch);
    }

    /**
     * The flow failed: keep the error (and the result JSON a failed sync carries). Not while the runner stops:
     * a sync cut off by the shutdown has not failed, it is carried on by the next start (or another runner).
     */
    public void failed(Exchange ex) {
        Throwable e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String id = ex.getProperty(RUN_ID, String.class);
        if (id != null && !cutOffByShutdown(ex, e) && !(e instanceof RunTakenOverException)) {
            failed(id, epoch(ex), e);
        }
    }

    /** Records the failure of an open run this runner owns with {@code epoch} (else nothing is written). */
    public void failed(String runId, long epoch, Throwable e) {
        if (!journal.updateRun(runId, epoch, SyncRun.FAILED, clock.millis(), SyncFailedException.resultOf(e),
                SyncFailedException.messageOf(e))) {
            notRecorded(runId, epoch);
        }
    }

    /**
     * Whether a failure comes from the runner stopping (a thread pool that refuses work, an interrupted call, a
     * route forced down) rather than from the sync: such a run is left open, to be carried on by the next start.
     * An outcome the provider reported ({@link SyncFailedException}: failed, cancelled, timed out, nothing
     * started) is a real one even while stopping.
     */
    public static boolean cutOffByShutdown(Exchange ex, Throwable e) {
        return ex.getContext().isStopping() && !(e instanceof SyncFailedException);
    }

    /** Records the failure of an open run (a finished one keeps its outcome). */
    public void failed(String runId, Throwable e) {
        journal.updateRun(runId, SyncRun.FAILED, clock.millis(), SyncFailedException.resultOf(e),
                SyncFailedException.messageOf(e));
    }

    public SyncRun get(String runId) {
        return journal.run(runId).map(SyncRuns::toSyncRun).orElse(null);
    }

    /** The newest runs (as many as the runner lists), newest first, that match. */
    public List<SyncRun> list(Predicate<SyncRun> filter) {
        List<SyncRun> out = new ArrayList<>();
        for (RunJournal.Run r : journal.recentRuns(listed)) {
            SyncRun run = toSyncRun(r);
            if (filter.test(run)) {
                out.add(run);
            }
        }
        out.sort(Comparator.comparing(SyncRun::acceptedAt).reversed());
        return out;
    }

    /** The journal's record as the runs API sees it. */
    public static SyncRun toSyncRun(RunJournal.Run r) {
        String workflow = r.request().startsWith("{\"workflow\"")
                ? Json.text(Json.parse(r.request()), "workflow") : null;
        return toSyncRun(r, workflow == null ? SyncRequest.parse(r.request()) : null, workflow);
    }

    private static SyncRun toSyncRun(RunJournal.Run r, SyncRequest request, String workflow) {
        return new SyncRun(r.runId(), request, workflow, r.state(), Instant.ofEpochMilli(r.acceptedAt()),
                r.finishedAt() == null ? null : Instant.ofEpochMilli(r.finishedAt()), r.result(), r.error());
    }

    /** The run as the HTTP API shows it. */
    public static ObjectNode describe(SyncRun run, Clock clock) {
        ObjectNode o = Json.object();
        o.put("runId", run.runId());
        o.put("state", run.state());
        if (run.request() == null) {
            o.put("workflow", run.workflow());
        } else {
            o.put("provider", run.request().provider());
            o.put("account", run.request().account());
            o.put(run.request().targetProperty(), run.request().target());
            if (run.request().idempotencyKey() != null) {
                o.put("idempotencyKey", run.request().idempotencyKey());
            }
        }
        o.put("acceptedAt", run.acceptedAt().toString());
        o.put("finishedAt", run.finishedAt() == null ? null : run.finishedAt().toString());
        o.put("duration", Duration.between(run.acceptedAt(), run.finishedAt() == null ? clock.instant()
                : run.finishedAt()).withNanos(0).toString());
        com.fasterxml.jackson.databind.JsonNode result = run.result() == null ? null : Json.parseLenient(run.result());
        o.set("result", result);
        o.put("error", run.error());
        // the state in the status page's words: timed out and cancelled told apart from failed
        o.put("outcome", RunOutcome.of(run.state(), result).word());
        return o;
    }

    public ArrayNode describeAll(List<SyncRun> list, Clock clock) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        list.forEach(r -> a.add(describe(r, clock)));
        return a;
    }
}
