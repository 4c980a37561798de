package io.syncrunner.fivetran;

import io.syncrunner.auth.ApiAuthorizer;
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

    public FivetranAccounts(CamelContext context) {
        this.context = context;
    }

    public Account require(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("No Fivetran account given: set the 'account' parameter");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not an account name: use letters, digits, - and _");
        }
        String prefix = "fivetran." + name + ".";
        String key = property(prefix + "api-key").orElseThrow(() -> new IllegalArgumentException(
                "Unknown Fivetran account '" + name + "': property " + prefix + "api-key is not set"));
        String secret = property(prefix + "api-secret").orElseThrow(() -> new IllegalArgumentException(
                "Fivetran account '" + name + "' has no secret: property " + prefix + "api-secret is not set"));
        String baseUrl = property(prefix + "base-url").orElse(DEFAULT_BASE_URL).replaceAll("/+$", "");
        int perHour = property(prefix + "requests-per-hour").map(v -> parseInt(v, prefix + "requests-per-hour"))
                .orElse(15_000);
        RequestBudget budget = budgets.computeIfAbsent(name + "|" + perHour,
                k -> new RequestBudget(perHour, Duration.ofHours(1)));
        return new Account(name, baseUrl, ApiAuthorizer.basic(key, secret), budget);
    }

    /** The group a webhook of the account is registered for. */
    public String groupId(String name) {
        return property("fivetran." + name + ".group-id").orElseThrow(() -> new IllegalArgumentException(
                "Fivetran account '" + name + "' has no group: property fivetran." + name + ".group-id is not set"));
    }

    private Optional<String> property(String key) {
        return context.getPropertiesComponent().resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    private static int parseInt(String v, String key) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "='" + v + "' is not a whole number");
        }
    }
}
