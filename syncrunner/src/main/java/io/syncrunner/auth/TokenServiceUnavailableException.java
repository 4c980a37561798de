package io.syncrunner.auth;

import io.syncrunner.support.RetryableApiException;

import java.time.Duration;

/**
 * The token endpoint answered 408, 425, 429 or 5xx. No API request was sent with it, so even a trigger may
 * be retried. The provider's {@link io.syncrunner.support.ApiErrorHint} may add what such an answer can mean.
 */
public class TokenServiceUnavailableException extends RetryableApiException {
    public TokenServiceUnavailableException(String action, String request, int status, String problem,
            String detail, Duration retryAfter) {
        super(action, request, status, problem, detail, retryAfter);
    }
}
