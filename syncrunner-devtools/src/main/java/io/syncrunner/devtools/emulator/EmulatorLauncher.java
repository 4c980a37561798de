package io.syncrunner.devtools.emulator;

import io.syncrunner.support.Settings;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Starts the bundled Airbyte and Fivetran emulators when {@code emulator.enabled=true} (the demo), seeds them from {@code emulator.airbyte.*} and {@code emulator.fivetran.*}, publishes their URLs as
 * properties {@code emulator.url} and {@code emulator.fivetran-url} and the instances as beans
 * {@code airbyteEmulator} and {@code fivetranEmulator}, and stops them with the CamelContext. With
 * {@code emulator.faults.rate} above 0 both inject the standard {@link FaultMix} into that share of their API
 * requests (see {@link #faultMix}).
 */
public final class EmulatorLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(EmulatorLauncher.class);

    private EmulatorLauncher() {
    }

    /** Accounts "demo" of both providers, pointing at the emulators (they exist only with the emulators on). */
    private static void defineDemoAccounts(CamelContext context, AirbyteEmulator airbyte, FivetranEmulator fivetran) {
        var pc = context.getPropertiesComponent();
        pc.addOverrideProperty("airbyte.demo.base-url", airbyte.selfManagedApiUrl());
        pc.addOverrideProperty("airbyte.demo.client-id", "{{emulator.airbyte.client-id}}");
        pc.addOverrideProperty("airbyte.demo.client-secret", "{{emulator.airbyte.client-secret}}");
        // the status page's links to "Airbyte" name the emulator's workspace (io.syncrunner.airbyte.AirbyteUiLinks)
        pc.addOverrideProperty("airbyte.demo.workspace-id", AirbyteEmulator.workspaceId());
        pc.addOverrideProperty("fivetran.demo.base-url", fivetran.baseUrl());
        pc.addOverrideProperty("fivetran.demo.api-key", "{{emulator.fivetran.api-key}}");
        pc.addOverrideProperty("fivetran.demo.api-secret", "{{emulator.fivetran.api-secret}}");
    }

    /**
     * The fault mix of the properties, or null when {@code emulator.faults.rate} is 0 (the default):
     * {@code emulator.faults.rate} (0..1, share of API requests faulted), {@code emulator.faults.seed} (default 0)
     * and {@code emulator.faults.timeout-delay} (how long a timeout fault holds the answer; default the runner's
     * {@code camel.component.http.response-timeout} plus 1 s, so that the runner does time out).
     */
    static FaultMix faultMix(Settings settings) {
        String rateText = settings.text("emulator.faults.rate", "0");
        double rate;
        try {
            rate = Double.parseDouble(rateText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("emulator.faults.rate='" + rateText + "' is not a number (0..1)");
        }
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException("emulator.faults.rate='" + rateText + "' is not within 0..1");
        }
        if (rate == 0.0) {
            return null;
        }
        long responseTimeout = settings.longValue("camel.component.http.response-timeout", 60_000);
        Duration timeoutDelay = settings.duration("emulator.faults.timeout-delay", (responseTimeout + 1000) + "ms");
        return FaultMix.standard(rate, settings.longValue("emulator.faults.seed", 0)).timeoutDelay(timeoutDelay);
    }

    public static AirbyteEmulator startIfEnabled(CamelContext context) throws Exception {
        Settings settings = new Settings(context);
        if (!settings.bool("emulator.enabled", false)) {
            return null;
        }
        AirbyteEmulator emulator = AirbyteEmulator.builder()
                .port((int) settings.longValue("emulator.port", 0))
                .clientCredentials(settings.text("emulator.airbyte.client-id", "demo-client"),
                        settings.text("emulator.airbyte.client-secret", "demo-secret"))
                .tokenTtl(settings.duration("emulator.airbyte.token-ttl", "3m"))
                .firstJobId(settings.longValue("emulator.airbyte.first-job-id", AirbyteEmulator.DEFAULT_FIRST_JOB_ID))
                .build();
        long rows = settings.longValue("emulator.airbyte.rows-synced", 0);
        long bytes = settings.longValue("emulator.airbyte.bytes-synced", 0);
        String connections = settings.text("emulator.airbyte.connections", "");
        for (String entry : connections.split(";")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("emulator.airbyte.connections: '" + e
                        + "' is not connectionId=script");
            }
            emulator.addConnection(e.substring(0, eq).trim(), e.substring(eq + 1).trim(), true, rows, bytes);
        }
        // Airbyte's sync notifications to the runner's webhook (off unless set; the URL holds a secret: not logged),
        // and the runner's airbyte.webhooks.secret set to the one in that URL (config/application.properties comes
        // first, so the demo's value is an override)
        String notificationUrl = settings.text("emulator.airbyte.notification-url", "");
        emulator.setNotificationWebhookUrl(notificationUrl);
        if (!notificationUrl.isEmpty()) {
            context.getPropertiesComponent().addOverrideProperty("airbyte.webhooks.secret",
                    settings.text("emulator.airbyte.webhook-secret", ""));
        }
        emulator.start();
        context.getPropertiesComponent().addOverrideProperty("emulator.url", emulator.baseUrl());
        context.getRegistry().bind("airbyteEmulator", emulator);

        FivetranEmulator fivetran = FivetranEmulator.builder()
                .port(0)
                .apiKey(settings.text("emulator.fivetran.api-key", "demo-key"),
                        settings.text("emulator.fivetran.api-secret", "demo-secret"))
                .nullTimestamps(true)
                .timestampPrecision(TimestampPrecision.of(settings.text("emulator.fivetran.timestamp-precision",
                        "micros")))
                .build()
                .start();
        String group = settings.text("emulator.fivetran.group-id", "demo_group");
        fivetran.addGroup(group);
        for (String entry : settings.text("emulator.fivetran.connectors", "").split(";")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("emulator.fivetran.connectors: '" + e + "' is not connectorId=script");
            }
            fivetran.addConnector(EmulatedConnector.of(e.substring(0, eq).trim(), group)
                    .script(e.substring(eq + 1).trim()).scheduleType("manual"));
        }
        // connectors whose last success is long ago (the connection inventory shows them stale): connectorId=duration
        for (String entry : settings.text("emulator.fivetran.stale-connectors", "").split(";")) {
            String e = entry.trim();
            int eq = e.indexOf('=');
            if (e.isEmpty()) {
                continue;
            }
            if (eq < 1) {
                throw new IllegalArgumentException("emulator.fivetran.stale-connectors: '" + e
                        + "' is not connectorId=duration");
            }
            fivetran.addConnector(EmulatedConnector.of(e.substring(0, eq).trim(), group).succeededAt(
                    java.time.Instant.now().minus(io.syncrunner.support.Durations.parsePositive(
                            e.substring(eq + 1).trim(), "emulator.fivetran.stale-connectors"))));
        }
        FaultMix mix = faultMix(settings);
        if (mix != null) {
            mix.installOn(emulator.faults());
            mix.installOn(fivetran.faults());
            LOG.warn("API emulators inject faults into {}% of their API requests ({}; set by emulator.faults.rate)",
                    Math.round(mix.totalRate() * 1000) / 10.0, mix);
        }
        context.getPropertiesComponent().addOverrideProperty("emulator.fivetran-url", fivetran.baseUrl());
        defineDemoAccounts(context, emulator, fivetran);
        context.getRegistry().bind("fivetranEmulator", fivetran);

        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                emulator.close();
                fivetran.close();
            }
        });
        LOG.info("API emulators listening: Airbyte at {}, Fivetran at {} (the demo: accounts \"demo\" point at them);"
                + " the status page: {}", emulator.baseUrl(), fivetran.baseUrl(), statusPageUrl(settings));
        return emulator;
    }

    /** Where the runner's status page is (its HTTP server's port; the page may be turned off). */
    private static String statusPageUrl(Settings settings) {
        if (!settings.bool("syncrunner.status-page.enabled", true)) {
            return "off (syncrunner.status-page.enabled=false)";
        }
        return "http://localhost:" + settings.text("camel.server.port", "8080") + "/status";
    }
}
