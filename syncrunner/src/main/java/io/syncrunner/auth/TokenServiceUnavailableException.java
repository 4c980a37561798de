package io.syncrunner.auth;

import io.syncrunner.support.RetryableApiException;

import java.time.Duration;

/**
 * The token endpoint answered 408, 425, 429 or 5xx. No API request was sent with it, so even a trigger may
 * be retried. (Some Airbyte versions answer 500 for unknown client ids, hence the hint in the message.)
 */
public class TokenServiceUnavailableException extends RetryableApiException {
    public TokenServiceUnavailableException(String action, String request, int status, String problem,
            String detail, Duration retryAfter) {
        super(action, request, status, problem, detail, retryAfter);
    }

    @Override
    public String getMessage() {
        return super.getMessage() + "; if this persists, check the client id and secret too"
                + " (some Airbyte versions answer 500 for unknown applications)";
    }
}
