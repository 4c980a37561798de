package io.syncrunner.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Supplier;

/** Supplies the Authorization of one account's API calls. */
public interface ApiAuthorizer {

    /** The credential to send now, or null to send none. May fetch a token or read a secret. */
    Credential credential();

    /** The API answered 401 to a call made with {@code used}: forget it if it is cached. */
    default void rejected(Credential used) {
    }

    ApiAuthorizer NONE = () -> null;

    /** HTTP basic from secrets read when first needed and again after a 401 (so a rotated secret is picked up). */
    static ApiAuthorizer basic(Supplier<String> username, Supplier<String> password) {
        return new StoredCredential(() -> {
            String raw = username.get() + ":" + password.get();
            return new Credential("Basic " + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8)));
        });
    }

    /** A static bearer API key, read when first needed and again after a 401. */
    static ApiAuthorizer bearer(Supplier<String> apiKey) {
        return new StoredCredential(() -> new Credential("Bearer " + apiKey.get()));
    }
}
