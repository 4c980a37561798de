package io.syncrunner.support;

import java.time.Duration;

/** 408, 425, 429 or 5xx: a read may be repeated after a back-off; a trigger's outcome is unknown. */
public class RetryableApiException extends ApiCallException {
    public RetryableApiException(String action, String request, int status, String problem, String detail,
            Duration retryAfter) {
        super(action, request, status, problem, detail, retryAfter);
    }
}
