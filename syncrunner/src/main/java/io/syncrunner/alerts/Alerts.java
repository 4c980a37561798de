package io.syncrunner.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.syncrunner.observability.SyncMetrics;
import io.syncrunner.runs.SyncEvents;
import io.syncrunner.support.Json;
import io.syncrunner.support.Settings;
import io.syncrunner.support.SyncState;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.mail.MailComponent;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Alerts on failed syncs and stale connections (bean {@code alerts}, routes/alerts.yaml; docs/alerts.md), by email
 * (SMTP, camel-mail) or a Slack-compatible webhook (an HTTP POST of {@code {"text": ...}}).
 * <ul>
 *   <li>every sync that fails, when {@code syncrunner.alerts.on-failure} names a channel (a {@link SyncEvents}
 *       listener);</li>
 *   <li>a route's own choice: the {@code notify-on-failure} template in a doCatch or onCompletion;</li>
 *   <li>a stale notice (one connection of GET /api/connections) sent to {@code direct:notify-stale}, on
 *       {@code syncrunner.alerts.on-stale}'s channel.</li>
 * </ul>
 * At most one alert per connection and channel per {@code syncrunner.alerts.min-interval}. Alerts go out on a
 * thread of their own: the sync never waits for a channel, and a channel that is down never changes its outcome
 * (one WARN per alert not sent; {@code syncrunner_alerts_total{channel,outcome}} counts sent, failed, suppressed).
 */
public final class Alerts implements SyncEvents {
    /** The bean name the routes use. */
    public static final String BEAN = "alerts";
    /** Exchange property: the channel of the notify-on-failure template ({@code default}: on-failure's). */
    public static final String CHANNEL = "alertChannel";
    private static final String ALERT = "alert";
    private static final String DEFAULT = "default";
    private static final Logger LOG = LoggerFactory.getLogger("io.syncrunner.alerts");

    private final CamelContext context;
    private final AlertSettings settings;
    private final Clock clock;
    private final Map<String, Instant> lastSent = new ConcurrentHashMap<>();
    private volatile ExecutorService sender;
    private volatile ProducerTemplate producer;
    private volatile Map<String, io.syncrunner.runs.ProviderUi> providerUis = Map.of();

    public Alerts(CamelContext context, AlertSettings settings, Clock clock) {
        this.context = context;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Reads and checks the settings (an unknown channel stops the start), gives the SMTP component its credentials
     * (never in an endpoint URI) and binds the bean as {@value #BEAN}, where the sync flow finds it as a listener.
     */
    public static Alerts install(CamelContext context, Settings s, Clock clock) {
        AlertSettings settings = AlertSettings.read(s);
        MailComponent smtp = context.getComponent("smtp", MailComponent.class);
        if (!settings.email().username().isEmpty()) {
            smtp.getConfiguration().setUsername(settings.email().username());
        }
        if (!settings.email().password().isEmpty()) {
            smtp.getConfiguration().setPassword(settings.email().password());
        }
        Alerts alerts = new Alerts(context, settings, clock);
        context.getRegistry().bind(BEAN, alerts);
        return alerts;
    }

    /** Per provider, the link to its own UI of a failed sync's connection and job (the alert's "provider page"). */
    public void providerUis(Map<String, io.syncrunner.runs.ProviderUi> uis) {
        this.providerUis = Map.copyOf(uis);
    }

    private Alert failedAlert(Ended e) {
        Alert alert = Alert.failed(e, settings.publicUrl());
        io.syncrunner.runs.ProviderUi ui = providerUis.get(e.step().provider());
        if (alert.uiUrl() != null || ui == null) {
            return alert;
        }
        String url;
        try {
            url = ui.uiUrl(e.step().account(), e.step().target(),
                    e.result() == null ? null : Json.parseLenient(e.result()));
        } catch (RuntimeException ex) {
            url = null; // an unknown account: no link
        }
        return url == null ? alert : alert.withUiUrl(url);
    }

    public AlertSettings settings() {
        return settings;
    }

    /** Every failed sync, on {@code syncrunner.alerts.on-failure}'s channel. */
    @Override
    public void started(Step step) {
    }

    @Override
    public void ended(Ended event) {
        if (event.failed() && !AlertSettings.NONE.equals(settings.onFailure())) {
            dispatch(failedAlert(event), settings.onFailure());
        }
    }

    /**
     * The {@code notify-on-failure} template: an alert on the template's channel when the exchange carries a failed
     * sync (a doCatch's caught failure, an onCompletion's failure) or is a stale notice; nothing otherwise. Never
     * throws, never changes the exchange's body or failure.
     */
    public void notifyOnFailure(Exchange ex) {
        String channel = SyncState.text(ex, CHANNEL, DEFAULT).toLowerCase(java.util.Locale.ROOT);
        ex.removeProperty(CHANNEL);
        if (DEFAULT.equals(channel)) {
            channel = settings.onFailure();
        }
        try {
            Alert alert = staleNotice(ex);
            if (alert == null) {
                alert = failure(ex);
            }
            if (alert != null) {
                dispatch(alert, channel);
            }
        } catch (RuntimeException e) {
            LOG.warn("Alert not sent: {}", mask(e.getMessage()));
            count(channel, "failed");
        }
    }

    /**
     * {@code direct:notify-stale}: the body is one connection of GET /api/connections that is stale; alerted on
     * {@code syncrunner.alerts.on-stale}'s channel. A notice that is not such a connection is refused (thrown).
     */
    public void notifyStale(Exchange ex) {
        Alert alert = Alert.stale(Json.parse(ex.getMessage().getBody(String.class)), settings.publicUrl());
        dispatch(alert, settings.onStale());
    }

    private Alert staleNotice(Exchange ex) {
        Object body = ex.getMessage().getBody();
        if (!(body instanceof String || body instanceof byte[]) || ex.getMessage().getBody(String.class).isBlank()) {
            return null;
        }
        JsonNode json = Json.parseLenient(ex.getMessage().getBody(String.class));
        return json.path("stale").asBoolean(false) && json.has("connectionId")
                ? Alert.stale(json, settings.publicUrl()) : null;
    }

    private Alert failure(Exchange ex) {
        Throwable failure = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure == null) {
            failure = ex.getException();
        }
        if (failure == null) {
            return null;
        }
        Ended ended = ex.getProperty(ENDED, Ended.class);
        if (ended != null && ended.failed()) {
            return failedAlert(ended);
        }
        // failed before its sync started (e.g. a bad input): what the exchange knows
        String runId = SyncState.text(ex, io.syncrunner.runs.SyncRuns.RUN_ID);
        return new Alert(Alert.FAILED, SyncState.text(ex, "provider", "(unknown)"),
                SyncState.text(ex, SyncState.ACCOUNT, "(unknown)"), "(unknown)", null, "failed",
                String.valueOf(failure.getMessage()), null, null, runId, Alert.runUrl(settings.publicUrl(), runId),
                SyncState.text(ex, UI_URL), null);
    }

    /** Rate-limited, then handed to the sender thread. */
    void dispatch(Alert alert, String channel) {
        if (AlertSettings.NONE.equals(channel)) {
            return;
        }
        String problem = settings.problem(channel);
        if (problem != null) {
            LOG.warn("Alert not sent ({}): {}", alert.subject(), problem);
            count(AlertSettings.CHANNELS.contains(channel) ? channel : "other", "failed");
            return;
        }
        Instant now = clock.instant();
        boolean[] due = {false};
        lastSent.compute(channel + "|" + alert.connectionKey(), (k, last) -> {
            if (last == null || !now.isBefore(last.plus(settings.minInterval()))) {
                due[0] = true;
                return now;
            }
            return last;
        });
        if (!due[0]) {
            LOG.debug("Alert suppressed (one per connection per {}): {}", settings.minInterval(), alert.subject());
            count(channel, "suppressed");
            return;
        }
        try {
            sender().execute(() -> send(alert, channel));
        } catch (RejectedExecutionException e) {
            LOG.warn("Alert not sent ({}): the runner is stopping", alert.subject());
            count(channel, "failed");
        }
    }

    private void send(Alert alert, String channel) {
        try {
            Exchange out = new DefaultExchange(context);
            out.setProperty(CHANNEL, channel);
            out.setProperty(ALERT, alert);
            producer().send("direct:alert-" + channel, out);
            if (out.getException() != null) {
                throw out.getException();
            }
        } catch (Exception e) {
            // the channel's route itself is missing or broke (its sends are caught and counted there)
            LOG.warn("Alert by {} not sent ({}): {}", channel, alert.subject(), mask(e.getMessage()));
            count(channel, "failed");
        }
    }

    /** Route alert-email: the message (subject, sender, recipients, text). */
    public void email(Exchange ex) {
        Alert alert = ex.getProperty(ALERT, Alert.class);
        ex.getMessage().removeHeaders("*");
        ex.getMessage().setHeader("Subject", alert.subject());
        ex.getMessage().setHeader("From", settings.email().from());
        ex.getMessage().setHeader("To", settings.email().to());
        ex.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=UTF-8");
        ex.getMessage().setBody(alert.text());
    }

    /** Route alert-slack: the POST of {@code {"text": ...}} to the webhook URL (a header, never an endpoint URI). */
    public void webhook(Exchange ex) {
        Alert alert = ex.getProperty(ALERT, Alert.class);
        ex.getMessage().removeHeaders("*");
        ex.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
        ex.getMessage().setHeader(Exchange.HTTP_URI, settings.webhookUrl());
        ex.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        ex.getMessage().setBody(alert.webhookJson());
    }

    /** The channel took the alert. */
    public void sent(Exchange ex) {
        Alert alert = ex.getProperty(ALERT, Alert.class);
        String channel = ex.getProperty(CHANNEL, String.class);
        ex.getMessage().removeHeaders("*"); // the webhook URL
        LOG.info("Alert sent by {}: {}", channel, alert.subject());
        count(channel, "sent");
    }

    /** The channel refused the alert or could not be reached: one WARN (the webhook URL masked), counted. */
    public void failed(Exchange ex) {
        Alert alert = ex.getProperty(ALERT, Alert.class);
        String channel = ex.getProperty(CHANNEL, String.class);
        Throwable e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ex.getMessage().removeHeaders("*");
        LOG.warn("Alert by {} not sent ({}): {}", channel, alert.subject(), mask(describe(e)));
        count(channel, "failed");
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "unknown failure";
        }
        String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        Throwable cause = e.getCause();
        return cause == null || cause == e || cause.getMessage() == null ? message
                : message + " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
    }

    /** The message with the webhook URL (and anything on its host) masked; on one line. */
    String mask(String message) {
        if (message == null) {
            return "";
        }
        String m = message;
        String url = settings.webhookUrl();
        if (!url.isEmpty()) {
            // anything on the webhook's host and port (the URL as given, or with a query, or encoded differently)
            String base = AlertSettings.masked(url).replace("/***", "");
            if (!base.equals("***")) {
                m = m.replaceAll(Pattern.quote(base) + "/(?!\\*\\*\\*)\\S*", Matcher.quoteReplacement(base + "/***"));
            }
            m = m.replace(url, AlertSettings.masked(url));
        }
        return m.replaceAll("\\s*\\n\\s*", " ");
    }

    private void count(String channel, String outcome) {
        MeterRegistry registry = context.getRegistry().lookupByNameAndType(SyncMetrics.METER_REGISTRY,
                MeterRegistry.class);
        if (registry != null) {
            Counter.builder("syncrunner.alerts").description("Alerts, by channel and outcome (sent, failed,"
                    + " suppressed by the rate limit)").tags("channel", channel, "outcome", outcome)
                    .register(registry).increment();
        }
    }

    private ExecutorService sender() {
        ExecutorService s = sender;
        if (s == null) {
            synchronized (this) {
                if (sender == null) {
                    sender = context.getExecutorServiceManager().newSingleThreadExecutor(this, "Alerts");
                }
                s = sender;
            }
        }
        return s;
    }

    private ProducerTemplate producer() {
        ProducerTemplate p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = context.createProducerTemplate();
                }
                p = producer;
            }
        }
        return p;
    }
}
