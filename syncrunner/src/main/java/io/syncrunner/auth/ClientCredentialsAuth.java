package io.syncrunner.auth;

import io.syncrunner.support.ApiAuthorizer;
import io.syncrunner.support.ApiErrorHint;
import io.syncrunner.support.Credential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/** Bearer tokens from a client-credentials token endpoint, through the shared {@link TokenCache}. */
public final class ClientCredentialsAuth implements ApiAuthorizer {
    private final TokenCache cache;
    private final ClientCredentialsTokenClient client;
    private final TokenCache.Key key;
    private final Supplier<String> clientSecret;
    private final String what;
    private final ApiErrorHint hint;

    /**
     * @param clientSecret read when a token is fetched, so a rotated secret is used by the next fetch
     * @param what         for messages, e.g. "get an access token for Airbyte account 'cloud'"
     * @param hint         the provider's explanation of a failed token request
     */
    public ClientCredentialsAuth(TokenCache cache, ClientCredentialsTokenClient client, String tokenUrl,
            String clientId, Supplier<String> clientSecret, String what, ApiErrorHint hint) {
        this.cache = cache;
        this.client = client;
        this.key = new TokenCache.Key(tokenUrl, clientId);
        this.clientSecret = clientSecret;
        this.what = what;
        this.hint = hint;
    }

    @Override
    public Credential credential() {
        return cache.get(key, () -> {
            try {
                return client.fetch(what, key.tokenUrl(), key.clientId(), clientSecret.get(), hint);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not " + what + ": " + key.tokenUrl() + " unreachable ("
                        + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")",
                        e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while trying to " + what, e);
            }
        }).credential();
    }

    @Override
    public void rejected(Credential used) {
        String header = used.headerValue();
        if (header.startsWith("Bearer ")) {
            cache.invalidate(key, header.substring("Bearer ".length()));
        }
    }

    public TokenCache.Key key() {
        return key;
    }
}
