package io.syncrunner.runs;

/** A sync request that cannot be run as it is; the message says what to fix (answered 400 over HTTP). */
public class InvalidSyncRequestException extends IllegalArgumentException {
    public InvalidSyncRequestException(String message) {
        super(message);
    }
}
