package io.syncrunner.runs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncFailedException;
import org.apache.camel.Exchange;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The runs of sync requests, whatever brought them (HTTP, a queue, a schedule): accepted, running, and the
 * result or error of the finished ones (the latest {@code retained} kept). A request carrying an idempotency
 * key that was already accepted returns the existing run and never starts a second sync. In memory for now;
 * a durable journal is the next step.
 */
public final class SyncRuns {
    public static final String RUN_ID = "syncRunId";
    public static final String DUPLICATE = "syncRunDuplicate";

    private final Map<String, SyncRun> runs = new ConcurrentHashMap<>();
    private final Map<String, String> byKey = new ConcurrentHashMap<>();
    private final Clock clock;
    private final int retained;
    private final Map<String, java.util.function.Consumer<String>> accountChecks;

    /**
     * @param accountChecks per provider, a check that throws IllegalArgumentException (with a message naming
     *                      the missing setting) when the account is not configured
     */
    public SyncRuns(Clock clock, int retained, Map<String, java.util.function.Consumer<String>> accountChecks) {
        this.clock = clock;
        this.retained = retained;
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
        SyncRequest request = SyncRequest.parse(ex.getMessage().getBody(String.class));
        try {
            accountChecks.getOrDefault(request.provider(), a -> { }).accept(request.account());
        } catch (IllegalArgumentException e) {
            throw new InvalidSyncRequestException(e.getMessage());
        }
        Acceptance a = accept(request);
        ex.setProperty(RUN_ID, a.run().runId());
        ex.setProperty(DUPLICATE, a.duplicate());
        ex.setProperty("provider", request.provider());
        ex.setProperty("account", request.account());
        ex.setProperty(request.targetProperty(), request.target());
        request.options().forEach((k, v) -> ex.setProperty("operation".equals(k) ? "fivetranOperation" : k, v));
        return a;
    }

    /** Records the request, or returns the run already recorded under its idempotency key. */
    public Acceptance accept(SyncRequest request) {
        Acceptance a;
        if (request.idempotencyKey() != null) {
            boolean[] created = {false};
            String runId = byKey.computeIfAbsent(request.idempotencyKey(), k -> {
                created[0] = true;
                return newRun(request).runId();
            });
            a = new Acceptance(runs.get(runId), !created[0]);
        } else {
            a = new Acceptance(newRun(request), false);
        }
        forgetOldFinishedRuns();
        return a;
    }

    private SyncRun newRun(SyncRequest request) {
        SyncRun run = new SyncRun(UUID.randomUUID().toString(), request, SyncRun.ACCEPTED, clock.instant(), null,
                null, null);
        runs.put(run.runId(), run);
        return run;
    }

    /** The flow of the run starts. */
    public void running(Exchange ex) {
        update(ex, r -> r.with(SyncRun.RUNNING, null, null, null));
    }

    /** The flow ended well: its body is the result JSON. */
    public void succeeded(Exchange ex) {
        String result = ex.getMessage().getBody(String.class);
        update(ex, r -> r.with(SyncRun.SUCCEEDED, clock.instant(), result, null));
    }

    /** The flow failed: keep the error (and the result JSON a failed sync carries). */
    public void failed(Exchange ex) {
        Throwable e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String result = e instanceof SyncFailedException f ? f.result() : null;
        String error = e == null ? "unknown error" : e.getMessage();
        update(ex, r -> r.with(SyncRun.FAILED, clock.instant(), result, error));
    }

    private void update(Exchange ex, java.util.function.UnaryOperator<SyncRun> change) {
        String id = ex.getProperty(RUN_ID, String.class);
        if (id != null) {
            runs.computeIfPresent(id, (k, r) -> change.apply(r));
        }
    }

    public SyncRun get(String runId) {
        return runs.get(runId);
    }

    /** Runs, newest first, that match. */
    public List<SyncRun> list(Predicate<SyncRun> filter) {
        List<SyncRun> out = new ArrayList<>(runs.values().stream().filter(filter).toList());
        out.sort(Comparator.comparing(SyncRun::acceptedAt).reversed());
        return out;
    }

    /** The run as the HTTP API shows it. */
    public static ObjectNode describe(SyncRun run, Clock clock) {
        ObjectNode o = Json.object();
        o.put("runId", run.runId());
        o.put("state", run.state());
        o.put("provider", run.request().provider());
        o.put("account", run.request().account());
        o.put(run.request().targetProperty(), run.request().target());
        if (run.request().idempotencyKey() != null) {
            o.put("idempotencyKey", run.request().idempotencyKey());
        }
        o.put("acceptedAt", run.acceptedAt().toString());
        o.put("finishedAt", run.finishedAt() == null ? null : run.finishedAt().toString());
        o.put("duration", Duration.between(run.acceptedAt(), run.finishedAt() == null ? clock.instant()
                : run.finishedAt()).withNanos(0).toString());
        o.set("result", run.result() == null ? null : Json.parseLenient(run.result()));
        o.put("error", run.error());
        return o;
    }

    public ArrayNode describeAll(List<SyncRun> list, Clock clock) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        list.forEach(r -> a.add(describe(r, clock)));
        return a;
    }

    private void forgetOldFinishedRuns() {
        if (runs.size() <= retained) {
            return;
        }
        List<SyncRun> finished = list(SyncRun::finished);
        for (int i = retained / 2; i < finished.size(); i++) {
            SyncRun r = finished.get(i);
            runs.remove(r.runId());
            if (r.request().idempotencyKey() != null) {
                byKey.remove(r.request().idempotencyKey(), r.runId());
            }
        }
    }
}
