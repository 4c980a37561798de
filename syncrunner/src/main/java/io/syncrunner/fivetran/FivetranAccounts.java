package io.syncrunner.fivetran;

import io.syncrunner.support.ApiAuthorizer;
import io.syncrunner.auth.Secrets;
import io.syncrunner.support.Json;
import io.syncrunner.support.RequestBudget;
import org.apache.camel.CamelContext;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Fivetran accounts from properties {@code fivetran.<account>.*}: {@code api-key} and {@code api-secret}
 * (HTTP basic), {@code base-url} (default {@code https://api.fivetran.com}), {@code requests-per-hour} (the
 * request budget all syncs of the account share, default 15000, under Fivetran's 20,000/hour) and
 * {@code group-id} (where the webhook is registered).
 */
public final class FivetranAccounts {
    public static final String DEFAULT_BASE_URL = "https://api.fivetran.com";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

    /** One account, resolved. */
    public record Account(String name, String baseUrl, ApiAuthorizer authorizer, RequestBudget budget) {
        @Override
        public String toString() {
            return "FivetranAccount[" + name + ", " + baseUrl + "]";
        }
    }

    private final CamelContext context;
    private final Map<String, RequestBudget> budgets = new ConcurrentHashMap<>();
    /** Credentials per account, shared by its syncs: read once, and again after a 401 (rotation). */
    private final Map<String, ApiAuthorizer> credentials = new ConcurrentHashMap<>();

    public FivetranAccounts(CamelContext context) {
        this.context = context;
    }

    public Account require(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("No Fivetran account given: set the 'account' parameter");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + Json.abbreviate(name, 60)
                    + "' is not an account name: use letters, digits, - and _");
        }
        String prefix = "fivetran." + name + ".";
        // the key and secret are read when a call needs them (and again after a 401), not per sync
        if (!Secrets.isConfigured(context, prefix + "api-key")) {
            throw new IllegalArgumentException("Unknown Fivetran account '" + name + "': property " + prefix
                    + "api-key is not set");
        }
        String baseUrl = property(prefix + "base-url").orElse(DEFAULT_BASE_URL).replaceAll("/+$", "");
        int perHour = property(prefix + "requests-per-hour").map(v -> parseInt(v, prefix + "requests-per-hour"))
                .orElse(15_000);
        RequestBudget budget = budgets.computeIfAbsent(name + "|" + perHour,
                k -> new RequestBudget(perHour, Duration.ofHours(1)));
        ApiAuthorizer auth = credentials.computeIfAbsent(name, k -> ApiAuthorizer.basic(
                () -> required(prefix + "api-key", name), () -> required(prefix + "api-secret", name)));
        return new Account(name, baseUrl, auth, budget);
    }

    /** Resolves every setting of the account, secrets included (startup check). */
    public void check(String name) {
        require(name);
        required("fivetran." + name + ".api-key", name);
        required("fivetran." + name + ".api-secret", name);
    }

    private String required(String key, String account) {
        return property(key).orElseThrow(() -> new IllegalArgumentException(
                "Fivetran account '" + account + "' needs property " + key + ", which is not set"
                        + Secrets.whyEmpty(context, key)));
    }

    /** The group a webhook of the account is registered for. */
    public String groupId(String name) {
        return property("fivetran." + name + ".group-id").orElseThrow(() -> new IllegalArgumentException(
                "Fivetran account '" + name + "' has no group: property fivetran." + name + ".group-id is not set"));
    }

    private Optional<String> property(String key) {
        return Secrets.property(context, key);
    }

    private static int parseInt(String v, String key) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "='" + v + "' is not a whole number");
        }
    }
}
