package io.syncrunner.airbyte;

import io.syncrunner.support.ApiAuthorizer;
import io.syncrunner.auth.ClientCredentialsAuth;
import io.syncrunner.auth.ClientCredentialsTokenClient;
import io.syncrunner.auth.Secrets;
import io.syncrunner.auth.TokenCache;
import io.syncrunner.support.ApiErrorHint;
import io.syncrunner.support.Json;
import io.syncrunner.support.PropertySources;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Airbyte accounts from properties {@code airbyte.<account>.*}, read when a sync needs them (so values from
 * {@code {{env:...}}} or {@code {{aws:...}}} are current):
 * <ul>
 * <li>{@code base-url} (required): the API base ({@code https://api.airbyte.com/v1},
 * {@code http://host:8000/api/public/v1}, {@code http://host:8006/v1} for the standalone API server before v0.59,
 * {@code https://webapp/api/public/v1} for Enterprise), or host and port only, to which {@link AirbyteUrls} adds
 * the path ({@code http://host:8000}, {@code https://api.airbyte.com})</li>
 * <li>{@code api-path}: the path added to a base URL given by host and port only, instead of the one
 * {@link AirbyteUrls} chooses; {@code /} for an API served at the root (a gateway, a proxy)</li>
 * <li>{@code host}: the same as base-url, for the name {@code AIRBYTE_HOST}; used when {@code base-url} is not set or is only
 * its placeholder's default ({@code {{env:AIRBYTE_BASE_URL:<default>}}} with the variable unset)</li>
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
    public static final String CLOUD_TOKEN_URL = AirbyteUrls.CLOUD_TOKEN_URL;
    private static final Logger LOG = LoggerFactory.getLogger(AirbyteAccounts.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
    /** A whole value {@code {{env:NAME:default}}}. */
    private static final Pattern ENV_WITH_DEFAULT = Pattern.compile("\\{\\{env:([^}:]+):[^}]*}}");

    private final CamelContext context;
    private final TokenCache tokens;
    private final ClientCredentialsTokenClient tokenClient;
    /** Basic and API-key credentials per account and mode, shared by its syncs (read once, again after a 401). */
    private final Map<String, ApiAuthorizer> stored = new ConcurrentHashMap<>();
    /** Per account, the URLs last logged (each account's are logged once, and again when they change). */
    private final Map<String, String> logged = new ConcurrentHashMap<>();

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
        String baseKey = givenBaseKey(prefix);
        AirbyteUrls.ApiBase base = apiBase(name, baseKey);
        String baseUrl = base.url();
        ApiErrorHint hint = AirbyteUrls.notFoundHint(name, baseUrl);
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
                        .orElse(AirbyteUrls.defaultTokenUrl(baseUrl, property(prefix + "use-server-auth")));
                Supplier<String> secret = () -> requireProperty(prefix + "client-secret", name, mode);
                authorizer = new ClientCredentialsAuth(tokens, tokenClient, tokenUrl, id, secret,
                        "get an access token for Airbyte account '" + name + "'", hint);
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
        logOnce(name, baseKey, base, tokenUrl, mode);
        return new AirbyteAccount(name, baseUrl, mode, tokenUrl, authorizer, hint);
    }

    /**
     * The API base URL the account's calls go to (what {@link #require} uses), without resolving its credentials:
     * for checks that only need to know where the API is (e.g. whether it can be reached).
     */
    public String baseUrl(String name) {
        return apiBase(name, givenBaseKey("airbyte." + name + ".")).url();
    }

    private AirbyteUrls.ApiBase apiBase(String name, String baseKey) {
        return AirbyteUrls.apiBase(property(baseKey).orElseThrow(() -> new IllegalArgumentException(
                "Unknown Airbyte account '" + name + "': property airbyte." + name + ".base-url is not set")), baseKey,
                property("airbyte." + name + ".api-path"));
    }

    /**
     * Which property gives the account's URL: {@code base-url}, or its alias {@code host} when base-url is unset or
     * is only its placeholder's default (so AIRBYTE_BASE_URL wins over AIRBYTE_HOST, and AIRBYTE_HOST over the
     * Airbyte Cloud default).
     */
    private String givenBaseKey(String prefix) {
        String baseKey = prefix + "base-url";
        String hostKey = prefix + "host";
        if (property(hostKey).isEmpty()) {
            return baseKey;
        }
        return property(baseKey).isEmpty() || onlyItsDefault(baseKey) ? hostKey : baseKey;
    }

    /** Whether the property is {@code {{env:NAME:default}}} with NAME unset or empty. */
    private boolean onlyItsDefault(String key) {
        String raw = PropertySources.raw(context, key);
        Matcher m = raw == null ? null : ENV_WITH_DEFAULT.matcher(raw.trim());
        return m != null && m.matches()
                && context.resolvePropertyPlaceholders("{{env:" + m.group(1) + ":}}").isBlank();
    }

    /** Logs which URLs the account uses and where they come from, once (again when they change); no secrets. */
    private void logOnce(String name, String baseKey, AirbyteUrls.ApiBase base, String tokenUrl,
            AirbyteAccount.AuthMode mode) {
        String line = "Airbyte account '" + name + "': API base " + ApiErrorHint.displayUrl(base.url())
                + (base.derived() == null ? " (" + baseKey + " as given)"
                        : " (from " + baseKey + "=" + ApiErrorHint.displayUrl(base.given()) + ", host and port only: "
                        + base.derived() + ")")
                + ", " + (mode == AirbyteAccount.AuthMode.NONE ? "no"
                        : mode.name().toLowerCase(Locale.ROOT).replace('_', '-')) + " auth"
                + (tokenUrl == null ? "" : ", token URL " + ApiErrorHint.displayUrl(tokenUrl));
        if (!line.equals(logged.put(name, line))) {
            LOG.info(line);
        }
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

    static String stripTrailingSlash(String url) {
        String u = url.trim();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
