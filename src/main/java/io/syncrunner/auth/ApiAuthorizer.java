package io.syncrunner.auth;

/** Supplies the Authorization of one account's API calls. */
public interface ApiAuthorizer {

    /** The credential to send now, or null to send none. May fetch a token. */
    Credential credential();

    /** The API answered 401 to a call made with {@code used}: forget it if it is a cached token. */
    default void rejected(Credential used) {
    }

    ApiAuthorizer NONE = () -> null;

    static ApiAuthorizer basic(String username, String password) {
        String raw = (username == null ? "" : username) + ":" + (password == null ? "" : password);
        Credential c = new Credential("Basic " + java.util.Base64.getEncoder()
                .encodeToString(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return () -> c;
    }

    static ApiAuthorizer bearer(String apiKey) {
        Credential c = new Credential("Bearer " + apiKey);
        return () -> c;
    }
}
