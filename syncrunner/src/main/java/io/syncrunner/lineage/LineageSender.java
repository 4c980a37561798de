package io.syncrunner.lineage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Posts lineage events to the configured endpoint from a thread of its own, through a bounded queue: a sync hands an
 * event over and goes on at once, whatever the endpoint does. Each POST has a short timeout (connect and answer);
 * an event the endpoint refuses (an answer other than 2xx), that times out or cannot be sent, is not sent again. A
 * full queue drops the event. Each event is counted in {@code syncrunner_lineage_events_total{outcome}}
 * ({@code sent}, {@code failed}, {@code dropped}); failures and drops are logged at most once per interval, with
 * their count and the last reason, never with the endpoint's URL (it may hold a credential) or the API key.
 */
public final class LineageSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LineageSender.class);

    private final URI endpoint;
    private final String apiKey;
    private final Duration timeout;
    private final Duration logInterval;
    private final Clock clock;
    private final HttpClient client;
    private final ThreadPoolExecutor thread;
    private final Counter sent;
    private final Counter failed;
    private final Counter dropped;
    private long unreported;
    private String lastReason;
    private long lastReportMillis = Long.MIN_VALUE;

    /**
     * @param apiKey sent as {@code Authorization: Bearer}, empty or null for none
     */
    public LineageSender(URI endpoint, String apiKey, Duration timeout, int queueSize, Duration logInterval,
            MeterRegistry registry, Clock clock) {
        this.endpoint = endpoint;
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
        this.timeout = timeout;
        this.logInterval = logInterval;
        this.clock = clock;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueSize),
                r -> {
                    Thread t = new Thread(r, "LineageSender");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.sent = counter(registry, "sent", "Lineage events the endpoint accepted (2xx)");
        this.failed = counter(registry, "failed",
                "Lineage events not sent: the endpoint answered other than 2xx, timed out or could not be reached");
        this.dropped = counter(registry, "dropped", "Lineage events dropped: the queue to the endpoint was full");
    }

    private static Counter counter(MeterRegistry registry, String outcome, String description) {
        return Counter.builder("syncrunner.lineage.events").description(description).tag("outcome", outcome)
                .register(registry);
    }

    /** Hands the event over; returns at once (a full queue drops it). */
    public void send(String json) {
        try {
            thread.execute(() -> post(json));
        } catch (RejectedExecutionException full) {
            dropped.increment();
            failure("the queue to the lineage endpoint was full (or the runner is stopping); events were dropped");
        }
    }

    private void post(String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        try {
            HttpResponse<Void> answer = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            if (answer.statusCode() / 100 == 2) {
                sent.increment();
                return;
            }
            failed.increment();
            failure("the lineage endpoint answered " + answer.statusCode());
        } catch (HttpTimeoutException e) {
            failed.increment();
            failure("the lineage endpoint did not answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            failed.increment();
            failure("the lineage endpoint could not be reached (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            failed.increment();
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failed.increment();
            failure("the lineage event could not be sent (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Counts a failure; logs (with the count since the last WARN) when the interval since that WARN has passed. */
    private synchronized void failure(String reason) {
        unreported++;
        lastReason = reason;
        long now = clock.millis();
        if (lastReportMillis == Long.MIN_VALUE || now - lastReportMillis >= logInterval.toMillis()) {
            LOG.warn("{} lineage event{} not sent since the last report (at most one report every {}s); last: {}."
                            + " Syncs are not affected", unreported, unreported == 1 ? "" : "s",
                    logInterval.toSeconds(), lastReason);
            unreported = 0;
            lastReportMillis = now;
        }
    }

    /** Events waiting to be sent. */
    public int queued() {
        return thread.getQueue().size();
    }

    /** Sends what is queued, for at most {@code grace}; then drops the rest. */
    public void close(Duration grace) {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                int left = thread.shutdownNow().size();
                if (left > 0) {
                    dropped.increment(left);
                    LOG.warn("{} lineage event{} dropped at stop: the endpoint did not take them in time", left,
                            left == 1 ? "" : "s");
                }
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(timeout);
    }
}
