package io.syncrunner.emulator;

import java.time.Instant;

/**
 * One request seen by the emulator.
 *
 * @param at           when the request arrived
 * @param method       HTTP method
 * @param path         full request path as sent (e.g. {@code /api/public/v1/jobs/7})
 * @param apiPath      path without the API prefix (e.g. {@code /jobs/7}); equals {@code path} when there is none
 * @param query        raw query string or null
 * @param auth         which kind of credentials the request carried
 * @param status       HTTP status answered; 0 when the connection was dropped on purpose, -1 on an I/O error
 * @param faulted      whether a fault rule was applied to this request
 * @param connectionId for {@code POST /jobs}: the connectionId named in the body (null otherwise or if unreadable)
 * @param durationMs   time spent handling the request, in milliseconds
 */
public record RecordedRequest(Instant at, String method, String path, String apiPath, String query, AuthKind auth,
                              int status, boolean faulted, String connectionId, long durationMs) {

    /** True if this was a job trigger ({@code POST /jobs}). */
    public boolean isTrigger() {
        return "POST".equals(method) && "/jobs".equals(apiPath);
    }

    /** True if this was a call to one of the token endpoints. */
    public boolean isTokenRequest() {
        return "POST".equals(method) && "/applications/token".equals(apiPath);
    }
}
