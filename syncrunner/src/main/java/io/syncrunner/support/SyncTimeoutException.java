package io.syncrunner.support;

/** The wait reached its timeout; the result says whether the provider's job was cancelled. */
public class SyncTimeoutException extends SyncFailedException {
    public SyncTimeoutException(String message, String result) {
        super(message, result);
    }
}
