package io.syncrunner.support;

/** 401: the credential was refused; the request was not processed, so one retry with a fresh token is safe. */
public class UnauthorizedApiException extends ApiCallException {
    public UnauthorizedApiException(String action, String request, String problem, String detail) {
        super(action, request, 401, problem, detail, null);
    }
}
