package io.syncrunner.support;

/**
 * The sync's run asked it to stop ({@link SyncWaiter#requestStop}, e.g. another branch of its workflow run failed)
 * before it ended: the message says what the provider's flow did about it (cancelled the job, or only stopped
 * waiting where the provider cannot cancel), {@link #reason()} why it was asked.
 */
public class SyncStoppedException extends SyncFailedException {
    private final String reason;

    public SyncStoppedException(String message, String reason, String result) {
        super(message, result);
        this.reason = reason;
    }

    /** Why the run asked the sync to stop. */
    public String reason() {
        return reason;
    }
}
