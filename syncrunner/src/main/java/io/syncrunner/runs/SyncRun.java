package io.syncrunner.runs;

import java.time.Instant;

/**
 * One accepted run and what became of it: a sync request ({@code request}), or a run of a workflow route
 * ({@code workflow} names it; {@code request} is null).
 */
public record SyncRun(String runId, SyncRequest request, String workflow, String state, Instant acceptedAt,
        Instant finishedAt, String result, String error) {

    public static final String ACCEPTED = "accepted";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    public boolean finished() {
        return SUCCEEDED.equals(state) || FAILED.equals(state);
    }

    SyncRun with(String newState, Instant finished, String newResult, String newError) {
        return new SyncRun(runId, request, workflow, newState, acceptedAt, finished, newResult, newError);
    }
}
