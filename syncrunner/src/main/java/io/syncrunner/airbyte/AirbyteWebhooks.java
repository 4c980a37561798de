package io.syncrunner.airbyte;

import io.syncrunner.airbyte.AirbyteNotifications.InvalidNotificationException;
import io.syncrunner.airbyte.AirbyteNotifications.Notification;
import io.syncrunner.support.Json;
import io.syncrunner.support.PathSecret;
import io.syncrunner.support.WakeSignals;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Receives Airbyte's sync notifications ({@code POST /webhooks/airbyte/{secret}}, routes/airbyte-webhook.yaml).
 * Airbyte does not sign them, so the URL carries a secret ({@code airbyte.webhooks.secret}): with none set the
 * endpoint is off (404); a wrong one gets 401 and nothing is processed (compared in constant time, never logged).
 * A readable notification wakes the syncs waiting for its job on every runner of a cluster ({@link WakeSignals});
 * each of them reads the job's status once before it ends (the notification's outcome is never trusted alone). A
 * notification of a job no sync of this runner waits for is counted and handed to {@link #onUnmatched}.
 */
public final class AirbyteWebhooks {
    private static final Logger LOG = LoggerFactory.getLogger(AirbyteWebhooks.class);
    /** The header platform-http puts the path's {@code {secret}} in. */
    public static final String SECRET_HEADER = "secret";

    /** What to do with a notification no waiting sync of this runner matched (e.g. refresh an inventory). */
    @FunctionalInterface
    public interface UnmatchedListener {
        void onUnmatched(Notification notification);
    }

    private final Supplier<String> secret;
    private final WakeSignals signals;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong unmatched = new AtomicLong();
    private volatile UnmatchedListener unmatchedListener = n -> {
    };

    /**
     * @param secret  read per request, so a rotated secret applies at once; empty means the endpoint is off
     * @param signals where a notification goes: this runner's waiting syncs, and with a shared journal every
     *                runner's (recorded once per notification, so a repeated delivery wakes nothing again)
     */
    public AirbyteWebhooks(Supplier<String> secret, WakeSignals signals) {
        this.secret = secret;
        this.signals = signals;
    }

    /** Sets what is done with notifications no waiting sync of this runner matched (by default nothing). */
    public void onUnmatched(UnmatchedListener listener) {
        this.unmatchedListener = listener == null ? n -> {
        } : listener;
    }

    public void receive(Exchange ex) {
        String given = ex.getMessage().getHeader(SECRET_HEADER, String.class);
        byte[] body = ex.getMessage().getBody(byte[].class);
        ex.getMessage().getHeaders().clear(); // the request's URI holds the secret: nothing of it goes further
        ex.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        String expected = secret.get();
        if (expected == null || expected.isEmpty()) {
            answer(ex, 404, Map.of("error", "Airbyte webhooks are off on this runner (airbyte.webhooks.secret is"
                    + " not set)"));
            return;
        }
        if (!PathSecret.matches(given, expected)) {
            LOG.warn("Rejected an Airbyte notification: the secret in its URL is wrong; nothing was processed");
            answer(ex, 401, Map.of("error", "the secret in the URL is wrong: nothing was processed"));
            return;
        }
        Notification n;
        try {
            n = AirbyteNotifications.parse(body);
        } catch (InvalidNotificationException e) {
            LOG.warn("Refused an Airbyte notification: {}", e.getMessage());
            answer(ex, 400, Map.of("error", e.getMessage()));
            return;
        }
        received.incrementAndGet();
        int woken = signals.publish(AirbyteSyncs.wakeKey(n.jobId()), n.eventId(), n.payload());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("received", true);
        answer.put("jobId", n.jobId());
        if (woken < 0) {
            LOG.info("Airbyte notification of job {} ({}) was received before (a repeated delivery): nothing is"
                    + " woken again", n.jobId(), n.outcome());
            answer.put("woke", 0);
            answer.put("ignored", "a repeated delivery");
        } else if (woken == 0) {
            unmatched.incrementAndGet();
            LOG.info("Airbyte notification of job {} ({}, connection {}): no sync of this runner waits for it",
                    n.jobId(), n.outcome(), n.connectionId());
            try {
                unmatchedListener.onUnmatched(n);
            } catch (RuntimeException e) {
                LOG.warn("Handling the unmatched Airbyte notification of job {} failed: {}", n.jobId(),
                        e.getMessage());
            }
            answer.put("woke", 0);
        } else {
            LOG.info("Airbyte notification of job {} ({}): woke {} waiting sync(s) to confirm it", n.jobId(),
                    n.outcome(), woken);
            answer.put("woke", woken);
        }
        answer(ex, 200, answer);
    }

    /** Readable notifications received (matched or not). */
    public long receivedCount() {
        return received.get();
    }

    /** Readable notifications that no waiting sync of this runner matched. */
    public long unmatchedCount() {
        return unmatched.get();
    }

    private static void answer(Exchange ex, int status, Map<String, ?> body) {
        ex.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        ex.getMessage().setBody(Json.write(body));
    }
}
