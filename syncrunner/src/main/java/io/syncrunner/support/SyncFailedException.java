package io.syncrunner.support;

/**
 * A sync ended in a state other than success (failed, cancelled, timed out), or could not be started.
 * {@link #result()} is the same JSON document a successful sync leaves as the body, when there is one.
 */
public class SyncFailedException extends RuntimeException {
    private final String result;

    public SyncFailedException(String message, String result) {
        super(message);
        this.result = result;
    }

    public SyncFailedException(String message, String result, Throwable cause) {
        super(message, cause);
        this.result = result;
    }

    /** The result JSON a failure carries (that of a sync that ended badly), or null. */
    public static String resultOf(Throwable failure) {
        return failure instanceof SyncFailedException f ? f.result() : null;
    }

    /** What a run or step records as its error. */
    public static String messageOf(Throwable failure) {
        return failure == null ? "unknown error" : failure.getMessage();
    }

    /** The sync result as JSON, or null when the sync never started. */
    public String result() {
        return result;
    }

    public String getResult() {
        return result;
    }
}
