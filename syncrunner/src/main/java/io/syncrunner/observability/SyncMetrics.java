package io.syncrunner.observability;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.syncrunner.support.ApiCall;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncFailedException;
import io.syncrunner.support.SyncState;
import io.syncrunner.support.SyncTimeoutException;
import io.syncrunner.support.SyncWaiter;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The runner's own Prometheus meters (served with Camel's at {@code /observe/metrics}):
 * <ul>
 * <li>{@code syncrunner_syncs_started_total}, {@code _succeeded_total}, {@code _failed_total} {provider, account}</li>
 * <li>{@code syncrunner_sync_duration_seconds} {provider, account, outcome} (histogram; outcome succeeded, failed,
 * timed_out, skipped, or triggered for a step with {@code wait=false})</li>
 * <li>{@code syncrunner_api_calls_total} {provider, method, status} (status: the HTTP status, or {@code error}
 * when no answer came) and {@code syncrunner_api_retries_total} {provider} (the error handlers' redeliveries)</li>
 * <li>{@code syncrunner_rows_synced_total}, {@code syncrunner_bytes_synced_total} {provider, account}</li>
 * <li>{@code syncrunner_waits_in_flight}: syncs parked between two polls right now</li>
 * </ul>
 * A flow step marks the start of a sync with {@link #started}; everything else is observed as Camel events, so the
 * routes stay as they are: the end of a sync is the end of the send to the flow's route ({@code direct:sync-run}), an API call is a send to an HTTP endpoint made by route {@code api-call}, a retry
 * is a redelivery of such a call. Label values are provider names, account names (validated by the flows: letters,
 * digits, - and _), HTTP methods and statuses only; never a URL, an id or anything from a credential.
 */
public final class SyncMetrics extends EventNotifierSupport {
    /** The bean name of the instance in the registry. */
    public static final String BEAN = "syncMetrics";
    /** The registry Camel's Micrometer support looks up (and creates when absent) by this name. */
    public static final String METER_REGISTRY = "metricsRegistry";
    /** Exchange property set by {@link #started}: the provider of the sync this exchange runs. */
    public static final String PROVIDER = "syncMetricsProvider";
    private static final String RUNNING = "syncMetricsRunning";

    /** The route of the sync flow (routes/sync-flow.yaml); a send to it ends when the sync ends. */
    private static final String FLOW = "direct:sync-run";
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,10}");
    private static final Duration[] DURATION_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
            Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1),
            Duration.ofHours(2), Duration.ofHours(6), Duration.ofHours(12)};

    private final MeterRegistry registry;

    public SyncMetrics(MeterRegistry registry, SyncWaiter waiter) {
        this.registry = registry;
        Gauge.builder("syncrunner.waits.in.flight", waiter, SyncWaiter::waitingCount)
                .description("Syncs waiting for their next status poll right now (no thread is held while they wait)")
                .strongReference(true)
                .register(registry);
        // only the events this class counts reach it
        setIgnoreCamelContextEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeCompletedEvent(true);
        // (Camel files redelivery events under the failure events: those stay on, isEnabled filters them)
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }

    /**
     * Creates the meters on the registry Camel's Prometheus support serves (the one bound as
     * {@value #METER_REGISTRY}, created and bound here when there is none yet), binds the instance as
     * {@value #BEAN} and subscribes it to the context's events.
     */
    public static SyncMetrics install(CamelContext context, SyncWaiter waiter) {
        MeterRegistry meters = context.getRegistry().lookupByNameAndType(METER_REGISTRY, MeterRegistry.class);
        if (meters == null) {
            meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            context.getRegistry().bind(METER_REGISTRY, meters);
        }
        SyncMetrics metrics = new SyncMetrics(meters, waiter);
        context.getRegistry().bind(BEAN, metrics);
        context.getManagementStrategy().addEventNotifier(metrics);
        return metrics;
    }

    /**
     * Called by a flow once its inputs and account are checked (the sync starts now): counts it and marks the
     * exchange, so that the end of the flow and the API calls on its way are attributed to the provider. A no-op
     * when the runner has no metrics (unit tests of the flow beans).
     */
    public static void started(Exchange ex, String provider) {
        SyncMetrics metrics = ex.getContext() == null ? null
                : ex.getContext().getRegistry().lookupByNameAndType(BEAN, SyncMetrics.class);
        ex.setProperty(PROVIDER, provider);
        if (metrics != null) {
            ex.setProperty(RUNNING, true);
            metrics.syncStarted(provider, label(SyncState.text(ex, SyncState.ACCOUNT)));
        }
    }

    /** The registry of the runner's meters (bound by {@link #install}). */
    public static MeterRegistry meters(CamelContext context) {
        return context.getRegistry().lookupByNameAndType(METER_REGISTRY, MeterRegistry.class);
    }

    /** The registry the meters are on. */
    public MeterRegistry registry() {
        return registry;
    }

    void syncStarted(String provider, String account) {
        Counter.builder("syncrunner.syncs.started").description("Syncs started (inputs and account checked)")
                .tags("provider", provider, "account", account).register(registry).increment();
    }

    /**
     * Camel reports the end of a send (with its time) only when a notifier took its start, so the start of the sends
     * this class measures is taken too (and otherwise ignored); failure events other than redeliveries are not.
     */
    @Override
    public boolean isEnabled(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeSendingEvent sending) {
            return FLOW.equals(normalize(sending.getEndpoint())) || isHttp(sending.getEndpoint());
        }
        return event instanceof CamelEvent.ExchangeSentEvent || event instanceof CamelEvent.ExchangeRedeliveryEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeSentEvent sent) {
            if (FLOW.equals(normalize(sent.getEndpoint()))) {
                syncEnded(sent.getExchange(), sent.getTimeTaken());
            } else if (isHttp(sent.getEndpoint()) && sent.getExchange().getProperty(ApiCall.METHOD) != null) {
                apiCall(sent.getExchange());
            }
        } else if (event instanceof CamelEvent.ExchangeRedeliveryEvent redelivery) {
            Exchange ex = redelivery.getExchange();
            if (ex.getProperty(ApiCall.METHOD) != null) {
                Counter.builder("syncrunner.api.retries")
                        .description("Provider API calls sent again by the error handlers (redeliveries)")
                        .tags("provider", provider(ex)).register(registry).increment();
            }
        }
    }

    private void syncEnded(Exchange ex, long millis) {
        if (ex.getProperty(RUNNING) == null) {
            return; // the flow failed before the sync started (bad input, unknown account): not a sync
        }
        ex.removeProperty(RUNNING);
        String provider = provider(ex);
        String account = label(SyncState.text(ex, SyncState.ACCOUNT));
        Throwable failure = ex.getException();
        String outcome;
        String result;
        if (failure != null) {
            outcome = failure instanceof SyncTimeoutException ? "timed_out" : "failed";
            result = failure instanceof SyncFailedException f ? f.result() : null;
            Counter.builder("syncrunner.syncs.failed")
                    .description("Syncs that failed, were cancelled or timed out, or could not be triggered")
                    .tags("provider", provider, "account", account).register(registry).increment();
        } else {
            result = ex.getMessage().getBody(String.class);
            String status = Json.text(Json.parseLenient(result), "status");
            outcome = "succeeded".equals(status) ? "succeeded" : "skipped".equals(status) ? "skipped" : "triggered";
            if ("succeeded".equals(outcome)) {
                Counter.builder("syncrunner.syncs.succeeded").description("Syncs that succeeded")
                        .tags("provider", provider, "account", account).register(registry).increment();
            }
        }
        Timer.builder("syncrunner.sync.duration").description("Duration of sync steps, from start to their end")
                .tags("provider", provider, "account", account, "outcome", outcome)
                .serviceLevelObjectives(DURATION_BUCKETS)
                .register(registry).record(Math.max(0, millis), TimeUnit.MILLISECONDS);
        if (result != null) {
            JsonNode r = Json.parseLenient(result);
            add("syncrunner.rows.synced", "Rows synced, as the provider reports them", provider, account,
                    r.path("rowsSynced").asLong(0));
            add("syncrunner.bytes.synced", "Bytes synced, as the provider reports them", provider, account,
                    r.path("bytesSynced").asLong(0));
        }
    }

    private void add(String name, String description, String provider, String account, long amount) {
        if (amount > 0) {
            Counter.builder(name).description(description).tags("provider", provider, "account", account)
                    .register(registry).increment(amount);
        }
    }

    private void apiCall(Exchange ex) {
        Integer status = ex.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String statusLabel = status != null && status >= 100 && status <= 599 ? status.toString() : "error";
        String method = ex.getProperty(ApiCall.METHOD, "GET", String.class);
        Counter.builder("syncrunner.api.calls").description("Provider API calls, by answer")
                .tags("provider", provider(ex), "method", METHOD.matcher(method).matches() ? method : "other",
                        "status", statusLabel)
                .register(registry).increment();
    }

    private static String provider(Exchange ex) {
        String p = ex.getProperty(PROVIDER, String.class);
        return p == null ? "other" : label(p);
    }

    /** A label value that cannot carry anything but a name. */
    static String label(String value) {
        return value != null && LABEL.matcher(value).matches() ? value : "other";
    }

    private static String normalize(Endpoint endpoint) {
        String uri = endpoint.getEndpointUri();
        int q = uri.indexOf('?');
        if (q >= 0) {
            uri = uri.substring(0, q);
        }
        return uri.replace("://", ":");
    }

    private static boolean isHttp(Endpoint endpoint) {
        String uri = endpoint.getEndpointUri();
        return uri.startsWith("http:") || uri.startsWith("https:") || uri.startsWith("vertx-http:");
    }
}
