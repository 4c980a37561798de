package io.syncrunner.runs;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;

/**
 * How a run ended, in the five words the status page colours: running (accepted or running), succeeded, failed,
 * timed-out (the wait reached its timeout, whether or not the provider's job was then cancelled) and cancelled (the
 * provider reports the sync cancelled, by a person or because its run asked it to stop).
 */
public enum RunOutcome {
    RUNNING("running"), SUCCEEDED("succeeded"), FAILED("failed"), TIMED_OUT("timed-out"), CANCELLED("cancelled");

    private final String word;

    RunOutcome(String word) {
        this.word = word;
    }

    /** The word the runs API and the status page use. */
    public String word() {
        return word;
    }

    /** The outcome of a run in {@code state} with the result JSON it recorded (null when none). */
    public static RunOutcome of(String state, JsonNode result) {
        if (!SyncRun.SUCCEEDED.equals(state) && !SyncRun.FAILED.equals(state)) {
            return RUNNING;
        }
        if (SyncRun.SUCCEEDED.equals(state)) {
            return SUCCEEDED;
        }
        if (result != null && result.path("timedOut").asBoolean(false)) {
            return TIMED_OUT;
        }
        String status = result == null ? "" : result.path("status").asText("").toLowerCase(Locale.ROOT);
        boolean stopped = result != null && result.hasNonNull("stoppedBecause");
        if (status.equals("cancelled") || status.equals("canceled") || stopped) {
            return CANCELLED;
        }
        return FAILED;
    }
}
