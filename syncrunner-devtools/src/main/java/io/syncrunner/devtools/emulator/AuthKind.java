package io.syncrunner.devtools.emulator;

/** Which kind of credentials a request to the emulator carried. */
public enum AuthKind {
    /** No Authorization header. */
    NONE,
    /** A valid, unexpired bearer token issued by a token endpoint. */
    BEARER_TOKEN,
    /** Valid HTTP Basic credentials. */
    BASIC,
    /** A configured static API key sent as a bearer token. */
    API_KEY,
    /** An Authorization header that matched nothing (wrong, expired or revoked credentials). */
    INVALID
}
