package io.syncrunner.support;

import java.time.Duration;

/**
 * A provider API answered with a non-2xx status. The subclass says what the runner may do about it:
 * {@link RetryableApiException} (408, 425, 429, 5xx), {@link UnauthorizedApiException} (401),
 * {@link ConflictApiException} (409) and {@link ApiRejectedException} (any other 4xx).
 * The message names the action, the request and the API's own words; never a credential.
 */
public class ApiCallException extends RuntimeException {
    private final String action;
    private final String request;
    private final int status;
    private final String problem;
    private final String detail;
    private final Duration retryAfter;
    private String hint;

    protected ApiCallException(String action, String request, int status, String problem, String detail,
            Duration retryAfter) {
        super(describe(action, request, status, problem, detail));
        this.action = action;
        this.request = request;
        this.status = status;
        this.problem = problem;
        this.detail = detail;
        this.retryAfter = retryAfter;
    }

    /** The exception class that fits the HTTP status. */
    public static ApiCallException of(String action, String request, int status, String problem, String detail,
            Duration retryAfter) {
        if (status == 401) {
            return new UnauthorizedApiException(action, request, problem, detail);
        }
        if (status == 409) {
            return new ConflictApiException(action, request, problem, detail);
        }
        if (isRetryableStatus(status)) {
            return new RetryableApiException(action, request, status, problem, detail, retryAfter);
        }
        return new ApiRejectedException(action, request, status, problem, detail);
    }

    public static boolean isRetryableStatus(int status) {
        return status == 408 || status == 425 || status == 429 || status >= 500;
    }

    private static String describe(String action, String request, int status, String problem, String detail) {
        StringBuilder sb = new StringBuilder();
        sb.append("Could not ").append(action).append(": ").append(request).append(" answered ").append(status);
        if (problem != null && !problem.isBlank()) {
            sb.append(' ').append(problem);
        }
        if (detail != null && !detail.isBlank()) {
            sb.append(" (").append(detail).append(')');
        }
        return sb.toString();
    }

    /**
     * Adds what the provider knows about this failure ({@link ApiErrorHint}) to the message; null or blank adds
     * nothing. Returns this, to be thrown.
     */
    public ApiCallException withHint(String text) {
        this.hint = text == null || text.isBlank() ? null : text;
        return this;
    }

    /** The provider's explanation added to the message, or null. */
    public String hint() {
        return hint;
    }

    @Override
    public String getMessage() {
        return hint == null ? super.getMessage() : super.getMessage() + "; " + hint;
    }

    public String action() {
        return action;
    }

    public String request() {
        return request;
    }

    public int status() {
        return status;
    }

    /** The API's short problem name (Airbyte problem title, Fivetran error code), or null. */
    public String problem() {
        return problem;
    }

    /** The API's own explanation, or null. */
    public String detail() {
        return detail;
    }

    /** The server's Retry-After, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Used by simple expressions in routes. */
    public int getStatus() {
        return status;
    }
}
