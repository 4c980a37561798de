package io.syncrunner.lineage;

import io.micrometer.core.instrument.MeterRegistry;
import io.syncrunner.runs.SyncEvents;
import io.syncrunner.support.Json;
import io.syncrunner.support.Settings;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * OpenLineage run events of the sync steps (docs/lineage.md): off unless {@code syncrunner.lineage.url} names an
 * endpoint. Listens to {@link SyncEvents} and hands each event to a {@link LineageSender}, which never holds a sync
 * up.
 */
public final class Lineage implements SyncEvents {
    private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");

    private final LineageEvents events;
    private final LineageSender sender;
    private final Clock clock;

    public Lineage(LineageEvents events, LineageSender sender, Clock clock) {
        this.events = events;
        this.sender = sender;
        this.clock = clock;
    }

    /**
     * The listener the settings ask for ({@link SyncEvents#NONE} when {@code syncrunner.lineage.url} is empty); its
     * sender is stopped with the context (sending what is queued for at most the timeout).
     *
     * @throws IllegalArgumentException a bad setting, named (the URL's value is never shown: it may hold a credential)
     */
    public static SyncEvents install(CamelContext context, Settings settings, MeterRegistry registry, Clock clock)
            throws Exception {
        String url = settings.text("syncrunner.lineage.url").trim();
        if (url.isEmpty()) {
            return SyncEvents.NONE;
        }
        URI endpoint = endpoint(url);
        String namespace = settings.text("syncrunner.lineage.namespace").trim();
        if (!SCHEME.matcher(namespace).matches()) {
            throw new IllegalArgumentException("syncrunner.lineage.namespace='" + namespace + "' must be lower-case"
                    + " letters, digits, '+', '-' or '.', starting with a letter (it starts each job namespace:"
                    + " <namespace>://<provider>/<account>)");
        }
        Duration timeout = settings.duration("syncrunner.lineage.timeout");
        long queue = settings.longValue("syncrunner.lineage.queue-size");
        if (queue < 1) {
            throw new IllegalArgumentException("syncrunner.lineage.queue-size=" + queue + " must be at least 1");
        }
        LineageSender sender = new LineageSender(endpoint, settings.text("syncrunner.lineage.api-key"), timeout,
                (int) queue, settings.duration("syncrunner.lineage.failure-log-interval"), registry, clock);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                sender.close(timeout);
            }
        }, true, true);
        LoggerFactory.getLogger(Lineage.class).info("Lineage: OpenLineage run events of every sync step go to {}://{}"
                + " (job namespaces {}://<provider>/<account>)", endpoint.getScheme(), endpoint.getHost(), namespace);
        return new Lineage(new LineageEvents(namespace, version()), sender, clock);
    }

    /** The endpoint of {@code syncrunner.lineage.url}: an absolute http or https URL. */
    static URI endpoint(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null
                || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
            throw new IllegalArgumentException("syncrunner.lineage.url must be an absolute http or https URL, e.g."
                    + " http://localhost:5000/api/v1/lineage (its value is not shown: it may hold a credential);"
                    + " leave it empty to send no lineage events");
        }
        return uri;
    }

    /** The runner's version (the jar's Implementation-Version), or "dev" when run from classes. */
    static String version() {
        String v = Lineage.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? "dev" : v;
    }

    @Override
    public void started(Step step) {
        sender.send(Json.write(events.start(step)));
    }

    @Override
    public void ended(Ended end) {
        sender.send(Json.write(events.end(end.step(), end.outcome(), end.result(), end.error(), end.at())));
    }
}
