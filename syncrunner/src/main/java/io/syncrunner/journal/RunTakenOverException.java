package io.syncrunner.journal;

/**
 * This runner no longer owns the run (another runner took it over after this one's lease ran out, e.g. after a
 * long GC pause, a stop or a network cut): the call it was about to send is not sent, and what it read is not
 * recorded. The run's flow on this runner stops quietly; its new owner carries it on.
 */
public final class RunTakenOverException extends RuntimeException {
    private final String runId;

    public RunTakenOverException(String runId, String notDone) {
        super("Run " + runId + " was taken over by another runner: " + notDone + " is left to it", null, false,
                false);
        this.runId = runId;
    }

    public String runId() {
        return runId;
    }
}
