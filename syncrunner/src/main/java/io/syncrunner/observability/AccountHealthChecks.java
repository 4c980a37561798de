package io.syncrunner.observability;

import io.syncrunner.auth.AccountDiscovery;
import io.syncrunner.auth.AccountProbe;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One readiness check per configured account ({@link AccountDiscovery}), named {@code <provider>-account-<name>}
 * ({@code airbyte-account-cloud}), reporting whether the account's API answers ({@link ApiReachability}) at the
 * provider's probe URL ({@link AccountProbe#reachabilityUrl}: Airbyte {@code GET <base-url>/health}, Fivetran
 * {@code GET <base-url>/v1/account/info}), unauthenticated: a 401 is an answer. With
 * {@code syncrunner.health.authenticated=true} the check is the provider's authenticated read instead
 * ({@link AccountProbe#check}, as the {@code check} command makes it), so wrong credentials make the runner not
 * ready; its result is kept for {@code syncrunner.health.authenticated-cache}. They are readiness checks only: an
 * unreachable API makes the runner not ready, never "not alive" (a restart would not help).
 */
public final class AccountHealthChecks extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(AccountHealthChecks.class);

    private static final java.util.regex.Pattern URL = java.util.regex.Pattern.compile("https?://[^\\s:/]+(:\\d+)?[^\\s:]*");

    private final CamelContext context;
    private final List<AccountProbe> probes;
    private final ApiReachability reachability;
    private final Duration timeout;
    /** Null: unauthenticated reachability probes. */
    private final Duration authenticatedCache;
    private final List<AccountCheck> checks = new ArrayList<>();
    private final Map<String, Cached> authenticated = new ConcurrentHashMap<>();
    private ExecutorService authenticatedProbes;

    private record Cached(CompletableFuture<AccountProbe.Result> result, long startedNanos) {
    }

    public AccountHealthChecks(CamelContext context, List<AccountProbe> probes, Duration timeout, Duration cacheFor,
            Duration authenticatedCache) {
        this.context = context;
        this.probes = probes;
        this.reachability = new ApiReachability(timeout, cacheFor);
        this.timeout = timeout;
        this.authenticatedCache = authenticatedCache;
    }

    /**
     * Adds the service (its checks are registered when the context starts).
     *
     * @param authenticatedCache null for unauthenticated reachability probes, else how long an authenticated
     *                           check's result is kept
     */
    public static void install(CamelContext context, List<AccountProbe> probes, Duration timeout, Duration cacheFor,
            Duration authenticatedCache) throws Exception {
        context.addService(new AccountHealthChecks(context, probes, timeout, cacheFor, authenticatedCache));
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
        if (authenticatedCache != null) {
            authenticatedProbes = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "account-health-check");
                t.setDaemon(true);
                return t;
            });
        }
        for (AccountProbe probe : probes) {
            for (String name : AccountDiscovery.accounts(context, probe.definingKeyFormat())) {
                String url;
                try {
                    url = probe.reachabilityUrl(name);
                } catch (RuntimeException e) {
                    continue; // the startup check of the accounts reports it
                }
                checks.add(new AccountCheck(probe.id() + "-account-" + name,
                        probe.provider() + " account '" + name + "'", url, probe, name));
            }
        }
        for (AccountCheck check : checks) {
            registry.register(check);
        }
        LOG.info("Readiness checks of the accounts' APIs{}: {}", authenticatedCache != null ? " (authenticated)" : "",
                checks.stream().map(AccountCheck::getId).toList());
    }

    @Override
    protected void doStop() {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry != null) {
            checks.forEach(registry::unregister);
        }
        checks.clear();
        authenticated.clear();
        if (authenticatedProbes != null) {
            authenticatedProbes.shutdownNow();
            authenticatedProbes = null;
        }
    }

    /**
     * Camel's health report escapes the slashes of a message twice: URLs become host:port (the URL is the check's
     * api.url detail) and "a/b" becomes "a and b".
     */
    static String withoutSlashes(String detail) {
        return URL.matcher(detail).replaceAll(m -> ApiReachability.where(m.group()))
                .replace("/", " and ");
    }

    /** Starts the account's authenticated check unless a fresh or running one exists; does not wait for it. */
    private CompletableFuture<AccountProbe.Result> authenticatedProbe(AccountCheck check) {
        return authenticated.compute(check.getId(), (k, current) -> {
            if (current != null && (!current.result().isDone()
                    || System.nanoTime() - current.startedNanos() < authenticatedCache.toNanos())) {
                return current;
            }
            return new Cached(CompletableFuture.supplyAsync(() -> check.probe.check(check.account, timeout),
                    authenticatedProbes), System.nanoTime());
        }).result();
    }

    /** The readiness check of one account. */
    public final class AccountCheck extends AbstractHealthCheck {
        private final String subject;
        private final String url;
        private final AccountProbe probe;
        private final String account;

        AccountCheck(String id, String subject, String url, AccountProbe probe, String account) {
            super("syncrunner", id);
            this.subject = subject;
            this.url = url;
            this.probe = probe;
            this.account = account;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            if (authenticatedCache != null) {
                authenticatedCall(builder);
                return;
            }
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

        /** The authenticated check: UP when the provider's authenticated read succeeded. */
        private void authenticatedCall(HealthCheckResultBuilder builder) {
            for (AccountCheck other : checks) {
                authenticatedProbe(other); // all at once: N slow accounts cost one wait, not N
            }
            AccountProbe.Result r;
            try {
                r = authenticatedProbe(this).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                r = AccountProbe.Result.failed("the authenticated check did not end within " + timeout.toMillis()
                        + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r = AccountProbe.Result.failed("the check was interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                r = AccountProbe.Result.failed("the check failed: " + e.getCause().getClass().getSimpleName());
            }
            builder.detail("api.url", url);
            builder.detail("api.authenticated", true);
            builder.message(ApiReachability.clean(subject + ": " + withoutSlashes(r.detail())));
            if (r.ok()) {
                builder.up();
            } else {
                builder.down();
            }
        }
    }
}
