package io.syncrunner.support;

/** 409: e.g. a sync of this connection is already running, or the job is no longer running. */
public class ConflictApiException extends ApiCallException {
    public ConflictApiException(String action, String request, String problem, String detail) {
        super(action, request, 409, problem, detail, null);
    }
}
