package io.syncrunner.fivetran;

import java.time.Instant;

/**
 * When a triggered Fivetran sync is over, and how it ended. Fivetran has no run id: before triggering, the
 * runner records the baseline, the later of {@code succeeded_at} and {@code failed_at}; the sync is finished
 * when that moves past the baseline, and it failed only when {@code failed_at} is the newer of the two (a
 * stale {@code failed_at} from an earlier run does not fail a successful sync).
 */
public final class FivetranCompletion {

    /** Where a watched sync stands. */
    public enum Outcome {
        SUCCEEDED, FAILED,
        /** waiting for source API quota; with a manual schedule it needs a new trigger at rescheduled_for */
        RESCHEDULED,
        /** the connector was paused while we waited: it will not run */
        PAUSED,
        RUNNING
    }

    private FivetranCompletion() {
    }

    public static Outcome evaluate(Instant baseline, FivetranConnector now) {
        Instant last = now.lastCompletion();
        if (last != null && (baseline == null || last.isAfter(baseline))) {
            return now.lastSyncFailed() ? Outcome.FAILED : Outcome.SUCCEEDED;
        }
        if ("rescheduled".equalsIgnoreCase(now.syncState())) {
            return Outcome.RESCHEDULED;
        }
        if (now.paused()) {
            return Outcome.PAUSED;
        }
        return Outcome.RUNNING;
    }
}
