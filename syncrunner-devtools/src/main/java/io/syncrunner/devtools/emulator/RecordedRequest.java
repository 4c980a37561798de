package io.syncrunner.devtools.emulator;

import java.time.Instant;

/**
 * One request seen by an emulator.
 *
 * @param at           when the request arrived
 * @param method       HTTP method
 * @param path         full request path as sent (e.g. {@code /api/public/v1/jobs/7})
 * @param apiPath      path without the API prefix (e.g. {@code /jobs/7}); equals {@code path} when there is none
 * @param query        raw query string or null
 * @param auth         which kind of credentials the request carried
 * @param status       HTTP status answered; 0 when the connection was dropped on purpose, -1 on an I/O error
 * @param faulted      whether a fault rule was applied to this request
 * @param connectionId the connection (connector) the request concerns: for Airbyte's {@code POST /jobs} the
 *                     connectionId named in the body, for Fivetran the id in the {@code /connections/{id}} path;
 *                     null otherwise or if unreadable
 * @param durationMs   time spent handling the request, in milliseconds
 * @param trigger      whether the request asked for a sync to start (Airbyte {@code POST /jobs}; Fivetran
 *                     {@code POST /connections/{id}/sync} or {@code .../resync}), whatever it was answered
 */
public record RecordedRequest(Instant at, String method, String path, String apiPath, String query, AuthKind auth,
                              int status, boolean faulted, String connectionId, long durationMs, boolean trigger) {

    /** An entry whose trigger flag is derived the Airbyte way ({@code POST /jobs}). */
    public RecordedRequest(Instant at, String method, String path, String apiPath, String query, AuthKind auth,
                           int status, boolean faulted, String connectionId, long durationMs) {
        this(at, method, path, apiPath, query, auth, status, faulted, connectionId, durationMs,
                "POST".equals(method) && "/jobs".equals(apiPath));
    }

    /** True if this request asked for a sync to start (see {@link #trigger()}). */
    public boolean isTrigger() {
        return trigger;
    }

    /** True if this was a call to one of the token endpoints. */
    public boolean isTokenRequest() {
        return "POST".equals(method) && "/applications/token".equals(apiPath);
    }
}
