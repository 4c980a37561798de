package io.syncrunner.airbyte;

import io.syncrunner.auth.ApiAuthorizer;
import io.syncrunner.auth.ClientCredentialsAuth;
import io.syncrunner.auth.ClientCredentialsTokenClient;
import io.syncrunner.auth.Secrets;
import io.syncrunner.auth.TokenCache;
import io.syncrunner.support.Json;
import org.apache.camel.CamelContext;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Airbyte accounts from properties {@code airbyte.<account>.*}, read when a sync needs them (so values from
 * {@code {{env:...}}} or {@code {{aws:...}}} are current):
 * <ul>
 * <li>{@code base-url} (required): {@code https://api.airbyte.com/v1}, {@code http://host:8000/api/public/v1},
 * {@code http://host:8006/v1} (standalone API server before v0.59), {@code https://webapp/api/public/v1} (Enterprise)</li>
 * <li>{@code auth}: {@code client-credentials}, {@code basic}, {@code api-key} or {@code none}; when unset it is
 * inferred from which of {@code client-id}, {@code username}, {@code api-key} is set</li>
 * <li>{@code client-id}, {@code client-secret}, {@code token-url} (default {@code <base-url>/applications/token};
 * Enterprise: {@code https://webapp/api/v1/applications/token})</li>
 * <li>{@code use-server-auth}: {@code false} takes tokens from Airbyte Cloud's endpoint whatever the base URL,
 * {@code true} from the server itself (the meaning of the {@code USE_SERVER_AUTH} variable)</li>
 * <li>{@code username}, {@code password} (basic), {@code api-key}</li>
 * </ul>
 */
public final class AirbyteAccounts {
    public static final String CLOUD_TOKEN_URL = "https://api.airbyte.com/v1/applications/token";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

    private final CamelContext context;
    private final TokenCache tokens;
    private final ClientCredentialsTokenClient tokenClient;
    /** Basic and API-key credentials per account and mode, shared by its syncs (read once, again after a 401). */
    private final Map<String, ApiAuthorizer> stored = new ConcurrentHashMap<>();

    public AirbyteAccounts(CamelContext context, TokenCache tokens, ClientCredentialsTokenClient tokenClient) {
        this.context = context;
        this.tokens = tokens;
        this.tokenClient = tokenClient;
    }

    /**
     * Resolves every setting of the account, secrets included, so that a missing environment variable or
     * secret is reported at startup rather than at the first sync.
     */
    public void check(String name) {
        AirbyteAccount account = require(name);
        String prefix = "airbyte." + name + ".";
        switch (account.authMode()) {
            case CLIENT_CREDENTIALS -> requireProperty(prefix + "client-secret", name, account.authMode());
            case BASIC -> requireProperty(prefix + "password", name, account.authMode());
            case API_KEY -> requireProperty(prefix + "api-key", name, account.authMode());
            default -> {
            }
        }
    }

    /** The account, or an IllegalArgumentException that says which property is missing or wrong. */
    public AirbyteAccount require(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("No Airbyte account given: set the 'account' parameter");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + Json.abbreviate(name, 60)
                    + "' is not an account name: use letters, digits, - and _");
        }
        String prefix = "airbyte." + name + ".";
        String baseUrl = property(prefix + "base-url").orElseThrow(() -> new IllegalArgumentException(
                "Unknown Airbyte account '" + name + "': property " + prefix + "base-url is not set"));
        baseUrl = stripTrailingSlash(baseUrl);
        Optional<String> clientId = property(prefix + "client-id");
        Optional<String> username = property(prefix + "username");
        // secrets (client-secret, password, api-key) are read when a call needs them, not per sync
        boolean apiKey = Secrets.isConfigured(context, prefix + "api-key");
        AirbyteAccount.AuthMode mode = property(prefix + "auth")
                .map(v -> AirbyteAccount.AuthMode.parse(v, prefix + "auth"))
                .orElse(clientId.isPresent() ? AirbyteAccount.AuthMode.CLIENT_CREDENTIALS
                        : username.isPresent() ? AirbyteAccount.AuthMode.BASIC
                        : apiKey ? AirbyteAccount.AuthMode.API_KEY : AirbyteAccount.AuthMode.NONE);
        String tokenUrl = null;
        ApiAuthorizer authorizer;
        switch (mode) {
            case CLIENT_CREDENTIALS -> {
                String id = clientId.orElseThrow(() -> missing(name, prefix + "client-id", mode));
                tokenUrl = property(prefix + "token-url").map(AirbyteAccounts::stripTrailingSlash)
                        .orElse(defaultTokenUrl(baseUrl, property(prefix + "use-server-auth")));
                Supplier<String> secret = () -> requireProperty(prefix + "client-secret", name, mode);
                authorizer = new ClientCredentialsAuth(tokens, tokenClient, tokenUrl, id, secret,
                        "get an access token for Airbyte account '" + name + "'");
            }
            case BASIC -> {
                username.orElseThrow(() -> missing(name, prefix + "username", mode));
                authorizer = stored.computeIfAbsent(name + "|basic", k -> ApiAuthorizer.basic(
                        () -> requireProperty(prefix + "username", name, mode),
                        () -> requireProperty(prefix + "password", name, mode)));
            }
            case API_KEY -> authorizer = stored.computeIfAbsent(name + "|api-key",
                    k -> ApiAuthorizer.bearer(() -> requireProperty(prefix + "api-key", name, mode)));
            default -> authorizer = ApiAuthorizer.NONE;
        }
        return new AirbyteAccount(name, baseUrl, mode, tokenUrl, authorizer);
    }

    static String defaultTokenUrl(String baseUrl, Optional<String> useServerAuth) {
        if (useServerAuth.isPresent() && !Boolean.parseBoolean(useServerAuth.get().trim())) {
            return CLOUD_TOKEN_URL;
        }
        return baseUrl + "/applications/token";
    }

    private String requireProperty(String key, String account, AirbyteAccount.AuthMode mode) {
        return property(key).orElseThrow(() -> missing(account, key, mode));
    }

    private IllegalArgumentException missing(String account, String key, AirbyteAccount.AuthMode mode) {
        return new IllegalArgumentException("Airbyte account '" + account + "' uses " + mode.name().toLowerCase()
                .replace('_', '-') + " auth but property " + key + " is not set" + Secrets.whyEmpty(context, key));
    }

    private Optional<String> property(String key) {
        return Secrets.property(context, key);
    }

    private static String stripTrailingSlash(String url) {
        String u = url.trim();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
