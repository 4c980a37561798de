package io.syncrunner.auth;

import io.syncrunner.support.ApiRejectedException;

/** The token endpoint refused the client credentials (400, 401, 403): fix the configuration. */
public class CredentialsRejectedException extends ApiRejectedException {
    public CredentialsRejectedException(String action, String request, int status, String problem, String detail) {
        super(action, request, status, problem, detail);
    }
}
