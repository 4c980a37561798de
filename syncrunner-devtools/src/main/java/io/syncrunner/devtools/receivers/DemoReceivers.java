package io.syncrunner.devtools.receivers;

import io.syncrunner.support.Settings;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The demo's local receivers of what the runner sends out (only with {@code demo.receivers.enabled=true}, which
 * {@code bin/syncrunner demo} sets in demo/demo-only.properties): a {@link LineageReceiver} for its OpenLineage events
 * and an {@link SmtpReceiver} for its alert emails, both on free loopback ports, published as the properties
 * {@code demo.receivers.lineage-port} and {@code demo.receivers.smtp-port} (which {@code syncrunner.lineage.url} and
 * {@code syncrunner.alerts.email.port} name there), and stopped with the CamelContext.
 * <p>
 * {@link #settle()} is the demo's last step before {@code --once} stops the runner: it waits until what the demo
 * showed has reached the receivers (every lineage run that started has ended; with {@code demo.failing-sync.enabled},
 * the alert email of a failed sync), at most {@code demo.receivers.settle-timeout}. It never changes the exit code.
 */
public final class DemoReceivers {
    private static final Logger LOG = LoggerFactory.getLogger(DemoReceivers.class);
    private static volatile DemoReceivers running;

    private final Object lock = new Object();
    private final LineageReceiver lineage;
    private final SmtpReceiver smtp;
    private final boolean expectFailedSyncAlert;
    private final Duration settleTimeout;

    private DemoReceivers(boolean expectFailedSyncAlert, Duration settleTimeout) throws java.io.IOException {
        this.expectFailedSyncAlert = expectFailedSyncAlert;
        this.settleTimeout = settleTimeout;
        this.lineage = new LineageReceiver(lock);
        try {
            this.smtp = new SmtpReceiver(lock);
        } catch (java.io.IOException | RuntimeException e) {
            lineage.close();
            throw e;
        }
    }

    /** Starts the receivers when {@code demo.receivers.enabled=true}; null otherwise. */
    public static DemoReceivers startIfEnabled(CamelContext context) throws Exception {
        Settings settings = new Settings(context);
        if (!settings.bool("demo.receivers.enabled", false)) {
            return null;
        }
        DemoReceivers receivers = new DemoReceivers(settings.bool("demo.failing-sync.enabled", false),
                settings.duration("demo.receivers.settle-timeout", "60s"));
        var pc = context.getPropertiesComponent();
        pc.addOverrideProperty("demo.receivers.lineage-port", String.valueOf(receivers.lineage.port()));
        pc.addOverrideProperty("demo.receivers.smtp-port", String.valueOf(receivers.smtp.port()));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                receivers.close();
            }
        });
        running = receivers;
        LOG.info("Demo receivers listening: OpenLineage events at {}, alert emails (SMTP) at 127.0.0.1:{}",
                receivers.lineage.url(), receivers.smtp.port());
        return receivers;
    }

    public LineageReceiver lineage() {
        return lineage;
    }

    public SmtpReceiver smtp() {
        return smtp;
    }

    /**
     * Waits until the receivers have what the demo sent them (see the class comment), at most the settle timeout;
     * a WARN names what did not come. Does nothing when no receivers run (the tests that load the demo's routes).
     */
    public static void settle() throws InterruptedException {
        DemoReceivers r = running;
        if (r != null) {
            r.awaitSettled();
        }
    }

    private boolean settled() {
        return lineage.allStartedRunsEnded() && (!expectFailedSyncAlert || failedSyncAlerts() > 0);
    }

    private long failedSyncAlerts() {
        return smtp.mails().stream().filter(m -> m.subject().contains(" sync failed: ")).count();
    }

    void awaitSettled() throws InterruptedException {
        long deadline = System.nanoTime() + settleTimeout.toNanos();
        synchronized (lock) {
            while (!settled()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("Demo receivers: not everything came within {} (demo.receivers.settle-timeout):"
                            + " lineage runs without their end: {}; alert emails of a failed sync: {}",
                            settleTimeout, lineage.openRuns(), failedSyncAlerts());
                    return;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
        LOG.info("Demo receivers: {} lineage event(s) and {} alert email(s) received", lineage.events().size(),
                smtp.mails().size());
    }

    void close() {
        if (running == this) {
            running = null;
        }
        lineage.close();
        smtp.close();
    }
}
