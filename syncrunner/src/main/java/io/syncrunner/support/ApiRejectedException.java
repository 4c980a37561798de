package io.syncrunner.support;

/** A 4xx other than 401, 408, 409, 425 and 429: repeating the request cannot help. */
public class ApiRejectedException extends ApiCallException {
    public ApiRejectedException(String action, String request, int status, String problem, String detail) {
        super(action, request, status, problem, detail, null);
    }
}
