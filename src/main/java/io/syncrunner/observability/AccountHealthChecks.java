package io.syncrunner.observability;

import io.syncrunner.fivetran.FivetranAccounts;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One readiness check per configured account, named {@code airbyte-account-<name>} / {@code fivetran-account-<name>},
 * reporting whether the account's API answers ({@link ApiReachability}): Airbyte {@code GET <base-url>/health},
 * Fivetran {@code GET <base-url>/v1/account/info} (unauthenticated: a 401 is an answer). They are readiness
 * checks only: an unreachable API makes the runner not ready, never "not alive" (a restart would not help).
 * <p>
 * Configured accounts: Airbyte accounts whose {@code airbyte.<a>.base-url} resolves to a value, except one whose
 * base URL is only the fallback of an unset environment variable and that has no credentials (the {@code default}
 * account on a machine without {@code AIRBYTE_*} variables); Fivetran accounts whose {@code fivetran.<a>.api-key}
 * resolves to a value.
 */
public final class AccountHealthChecks extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(AccountHealthChecks.class);
    private static final Pattern AIRBYTE = Pattern.compile("airbyte\\.([A-Za-z0-9][A-Za-z0-9_-]*)\\.base-url");
    private static final Pattern FIVETRAN = Pattern.compile("fivetran\\.([A-Za-z0-9][A-Za-z0-9_-]*)\\.api-key");
    private static final Pattern ENV_WITH_DEFAULT = Pattern.compile("\\{\\{env:([^}:]+):[^}]*}}");

    private final CamelContext context;
    private final ApiReachability reachability;
    private final List<AccountCheck> checks = new ArrayList<>();

    public AccountHealthChecks(CamelContext context, ApiReachability reachability) {
        this.context = context;
        this.reachability = reachability;
    }

    /** Adds the service (its checks are registered when the context starts) unless turned off. */
    public static void install(CamelContext context, Duration timeout, Duration cacheFor) throws Exception {
        context.addService(new AccountHealthChecks(context, new ApiReachability(timeout, cacheFor)));
    }

    /** The checks registered (after start). */
    public List<AccountCheck> checks() {
        return List.copyOf(checks);
    }

    @Override
    protected void doStart() {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry == null) {
            LOG.info("No health-check registry: the accounts' API checks are not registered");
            return;
        }
        Map<String, Object> all = context.getPropertiesComponent().loadPropertiesAsMap();
        for (String name : names(all, AIRBYTE)) {
            String prefix = "airbyte." + name + ".";
            Optional<String> baseUrl = resolve(prefix + "base-url");
            if (baseUrl.isEmpty() || onlyFallback(all, name, prefix)) {
                continue;
            }
            checks.add(new AccountCheck("airbyte-account-" + name, "Airbyte account '" + name + "'",
                    probeUrl(baseUrl.get(), "/health")));
        }
        for (String name : names(all, FIVETRAN)) {
            String prefix = "fivetran." + name + ".";
            if (resolve(prefix + "api-key").isEmpty()) {
                continue;
            }
            String baseUrl = resolve(prefix + "base-url").orElse(FivetranAccounts.DEFAULT_BASE_URL);
            checks.add(new AccountCheck("fivetran-account-" + name, "Fivetran account '" + name + "'",
                    probeUrl(baseUrl, "/v1/account/info")));
        }
        for (AccountCheck check : checks) {
            registry.register(check);
        }
        LOG.info("Readiness checks of the accounts' APIs: {}", checks.stream().map(AccountCheck::getId).toList());
    }

    @Override
    protected void doStop() {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry != null) {
            checks.forEach(registry::unregister);
        }
        checks.clear();
    }

    /** The default-style account: base URL from {{env:X:fallback}} with X unset, and no client id, user or key. */
    private boolean onlyFallback(Map<String, Object> all, String name, String prefix) {
        Object raw = all.get(prefix + "base-url");
        if (raw == null) {
            return false;
        }
        Matcher m = ENV_WITH_DEFAULT.matcher(raw.toString().trim());
        if (!m.matches()) {
            return false;
        }
        String variable = System.getenv(m.group(1));
        if (variable != null && !variable.isBlank()) {
            return false;
        }
        boolean credentials = resolve(prefix + "client-id").isPresent() || resolve(prefix + "username").isPresent()
                || (all.get(prefix + "api-key") != null && !all.get(prefix + "api-key").toString().isBlank()
                        && !ENV_WITH_DEFAULT.matcher(all.get(prefix + "api-key").toString().trim()).matches());
        return !credentials;
    }

    private Optional<String> resolve(String key) {
        try {
            return context.getPropertiesComponent().resolveProperty(key).map(String::trim).filter(s -> !s.isEmpty());
        } catch (RuntimeException e) {
            return Optional.empty(); // the startup check of the accounts reports it
        }
    }

    private static TreeSet<String> names(Map<String, Object> all, Pattern pattern) {
        TreeSet<String> names = new TreeSet<>();
        for (String key : all.keySet()) {
            Matcher m = pattern.matcher(key);
            if (m.matches()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** The probe URL: the base URL without user info, query or fragment, and the path. */
    private static String probeUrl(String baseUrl, String path) {
        return stripSlash(ApiReachability.safeUrl(stripSlash(baseUrl))) + path;
    }

    private static String stripSlash(String url) {
        String u = url.trim();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }

    /** The readiness check of one account. */
    public final class AccountCheck extends AbstractHealthCheck {
        private final String subject;
        private final String url;

        AccountCheck(String id, String subject, String url) {
            super("syncrunner", id);
            this.subject = subject;
            this.url = url;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            // start every account's stale probe at once, so N unreachable APIs cost one timeout, not N
            for (AccountCheck other : checks) {
                reachability.probe(other.getId(), other.url);
            }
            ApiReachability.Result r = reachability.check(getId(), url);
            builder.detail("api.url", r.url());
            if (r.status() != null) {
                builder.detail("api.status", r.status());
            }
            builder.detail("api.millis", r.tookMillis());
            builder.message(ApiReachability.clean(subject + ": " + r.detail()));
            if (r.reachable()) {
                builder.up();
            } else {
                builder.down();
            }
        }
    }
}
