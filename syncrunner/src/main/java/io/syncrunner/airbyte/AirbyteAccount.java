package io.syncrunner.airbyte;

import io.syncrunner.support.ApiAuthorizer;
import io.syncrunner.support.ApiErrorHint;

/**
 * One configured Airbyte deployment: where its public API is and how to authenticate.
 *
 * @param errorHint what a failed call (a 404) says about the account's URLs ({@link AirbyteUrls#notFoundHint})
 */
public record AirbyteAccount(String name, String baseUrl, AuthMode authMode, String tokenUrl,
        ApiAuthorizer authorizer, ApiErrorHint errorHint) {

    /** How an account authenticates. */
    public enum AuthMode {
        /** OAuth client credentials: Cloud, Server v0.57+/v1.x (abctl credentials), Self-Managed Enterprise. */
        CLIENT_CREDENTIALS,
        /** HTTP basic: old docker-compose servers and the standalone API server on port 8006. */
        BASIC,
        /** A static bearer API key, as older setups store it. */
        API_KEY,
        /** No authentication (a server deployed with auth disabled). */
        NONE;

        /** The property's value: also the spellings of {@code AIRBYTE_AUTH_TYPE} (client_credentials, basic, none). */
        static AuthMode parse(String value, String property) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "client-credentials", "client_credentials", "oauth" -> CLIENT_CREDENTIALS;
                case "basic" -> BASIC;
                case "api-key", "api_key", "bearer" -> API_KEY;
                case "none" -> NONE;
                default -> throw new IllegalArgumentException(property + "='" + value
                        + "' is not an auth mode: use client-credentials, basic, api-key or none");
            };
        }
    }

    @Override
    public String toString() {
        return "AirbyteAccount[" + name + ", " + baseUrl + ", " + authMode + "]";
    }
}
