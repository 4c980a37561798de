package io.syncrunner.support;

/**
 * A trigger request failed in a way that leaves its outcome unknown (5xx, 429, timeout, lost answer), and the
 * provider then showed that it started nothing: no Airbyte job since the request, no Fivetran sync since the
 * baseline. Only this proof lets the trigger be sent again (routeConfiguration {@code trigger-resend} in
 * routes/error-handling.yaml); a blind re-send could start a second sync.
 */
public final class NothingStartedException extends SyncFailedException {
    public NothingStartedException(String message) {
        super(message, null);
    }
}
