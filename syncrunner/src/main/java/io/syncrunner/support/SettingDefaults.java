package io.syncrunner.support;

import java.util.Map;
import java.util.TreeMap;

/**
 * The one place of each {@code syncrunner.*} setting's default (and of the provider settings listed at its end) that the code reads (through
 * {@link Settings}): config/application.properties sets a key only to differ from it or to
 * map an environment variable, and shows the others commented out with these values (SettingDefaultsTest checks
 * that the file and this map agree). Settings only the routes read ({@code {{syncrunner.retry.max-redeliveries}}})
 * have their one place in config/application.properties.
 */
public final class SettingDefaults {
    private static final Map<String, String> DEFAULTS = new TreeMap<>(Map.ofEntries(
            // the HTTP server and the API clients
            Map.entry("syncrunner.api.token", ""),
            Map.entry("syncrunner.http.worker-threads", "4"),
            Map.entry("syncrunner.http.event-loop-threads", "1"),
            Map.entry("syncrunner.http.aborted-log-interval", "60s"),
            Map.entry("syncrunner.http.async-reads", "true"),
            Map.entry("syncrunner.http.read-connections", "200"),
            Map.entry("syncrunner.tls.enabled", "false"),
            Map.entry("syncrunner.tls.keystore", ""),
            Map.entry("syncrunner.tls.keystore-type", "PKCS12"),
            Map.entry("syncrunner.tls.keystore-password", ""),
            Map.entry("syncrunner.tls.certificate", ""),
            Map.entry("syncrunner.tls.private-key", ""),
            Map.entry("syncrunner.status-page.require-token", "true"),
            // health and the check command
            Map.entry("syncrunner.health.api-checks", "true"),
            Map.entry("syncrunner.health.api-timeout", "3s"),
            Map.entry("syncrunner.health.api-cache", "5s"),
            Map.entry("syncrunner.health.authenticated", "false"),
            Map.entry("syncrunner.health.authenticated-cache", "60s"),
            Map.entry("syncrunner.check.timeout", "10s"),
            Map.entry("syncrunner.health.freshness", "false"),
            // the connection inventory (GET /api/connections)
            Map.entry("syncrunner.inventory.enabled", "true"),
            Map.entry("syncrunner.inventory.refresh-interval", "5m"),
            Map.entry("syncrunner.inventory.page-size", "100"),
            Map.entry("syncrunner.freshness.default", "24h"),
            Map.entry("syncrunner.check-accounts-at-startup", "true"),
            // runs, waits and retries
            Map.entry("syncrunner.trigger.threads", "8"),
            Map.entry("syncrunner.wait.threads", "24"),
            Map.entry("syncrunner.runs.retained", "10000"),
            Map.entry("syncrunner.retry.max-retry-after", "1h"),
            Map.entry("syncrunner.token.refresh-margin", "60s"),
            // the journal and the cluster
            Map.entry("syncrunner.data-dir", "data"),
            Map.entry("syncrunner.journal.url", ""),
            Map.entry("syncrunner.journal.user", ""),
            Map.entry("syncrunner.journal.password", ""),
            Map.entry("syncrunner.journal.pool-size", "8"),
            Map.entry("syncrunner.journal.lease", "30s"),
            Map.entry("syncrunner.journal.takeover-interval", "10s"),
            Map.entry("syncrunner.journal.fencing-margin", ""),
            Map.entry("syncrunner.signals.poll-interval", "1s"),
            Map.entry("syncrunner.node-id", ""),
            Map.entry("syncrunner.schedules.threads", "2"),
            Map.entry("syncrunner.schedules.clustered", "true"),
            Map.entry("syncrunner.schedules.cluster-checkin", "5s"),
            // OpenLineage run events (docs/lineage.md): off while the URL is empty
            Map.entry("syncrunner.lineage.url", ""),
            Map.entry("syncrunner.lineage.api-key", ""),
            Map.entry("syncrunner.lineage.namespace", "syncrunner"),
            Map.entry("syncrunner.lineage.timeout", "2s"),
            Map.entry("syncrunner.lineage.queue-size", "1000"),
            Map.entry("syncrunner.lineage.failure-log-interval", "60s"),
            // alerts (docs/alerts.md)
            Map.entry("syncrunner.public-url", ""),
            Map.entry("syncrunner.alerts.on-failure", "none"),
            Map.entry("syncrunner.alerts.on-stale", "none"),
            Map.entry("syncrunner.alerts.min-interval", "15m"),
            Map.entry("syncrunner.alerts.email.host", "localhost"),
            Map.entry("syncrunner.alerts.email.port", "25"),
            Map.entry("syncrunner.alerts.email.username", ""),
            Map.entry("syncrunner.alerts.email.password", ""),
            Map.entry("syncrunner.alerts.email.from", "syncrunner@localhost"),
            Map.entry("syncrunner.alerts.email.to", ""),
            Map.entry("syncrunner.alerts.slack.webhook-url", ""),
            // provider settings the code reads
            Map.entry("airbyte.webhooks.register", "false"),
            Map.entry("airbyte.webhooks.account", "default"),
            Map.entry("airbyte.webhooks.public-url", "")));

    private SettingDefaults() {
    }

    /** The default of a setting the code reads; an unknown key is a programming error. */
    public static String of(String key) {
        String value = DEFAULTS.get(key);
        if (value == null) {
            throw new IllegalArgumentException("No default for the setting " + key + " in SettingDefaults");
        }
        return value;
    }

    /** Every default, by key. */
    public static Map<String, String> all() {
        return java.util.Collections.unmodifiableMap(DEFAULTS);
    }
}
