package io.syncrunner.runs;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;

/**
 * A listener to the start and the end of each provider sync, provider-neutral: any bean of this type bound in the
 * Camel registry is told (io.syncrunner.sync.SyncSteps calls {@link #fireStarted} once the sync runs at the
 * provider and {@link #fireEnded} when its journal step ends; a step replayed after a restart, or cut off by the
 * runner's shutdown, is not an end). A listener runs on the sync's thread: it must return quickly, and what it throws
 * is logged and never changes the sync's outcome.
 */
public interface SyncEvents {
    /** Exchange property: the {@link Ended} event of the last sync step that ended on this exchange. */
    String ENDED = "syncEnded";

    /**
     * A sync runs at the provider.
     *
     * @param target the provider's id of what is synced (a connection, a connector)
     * @param syncId the provider's id of the sync (a job id), null when it has none (yet)
     */
    record Started(String runId, String provider, String account, String target, String syncId, Instant at) {
    }

    /**
     * A sync step ended.
     *
     * @param status   {@code succeeded}, {@code failed}, {@code cancelled}, {@code timed_out}, ... (the result's
     *                 status when it has one)
     * @param error    the failure's message, null when it succeeded
     * @param duration from the sync's start to its end
     * @param uiUrl    the provider's page of the target when known (exchange property {@value #UI_URL}), else null
     */
    record Ended(String runId, String provider, String account, String target, String syncId, String status,
            String error, Duration duration, String uiUrl, Instant at) {
        public boolean failed() {
            return error != null;
        }
    }

    /** Exchange property a route may set: the provider's web page of the synced target (shown in alerts). */
    String UI_URL = "syncUiUrl";

    default void started(Started event) {
    }

    default void ended(Ended event) {
    }

    /** Tells every listener in the context's registry. */
    static void fireStarted(CamelContext context, Started event) {
        for (SyncEvents listener : listeners(context)) {
            try {
                listener.started(event);
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(SyncEvents.class).warn("Sync listener {} failed on a start: {}",
                        listener.getClass().getSimpleName(), e.getMessage());
            }
        }
    }

    /** Tells every listener in the context's registry. */
    static void fireEnded(CamelContext context, Ended event) {
        for (SyncEvents listener : listeners(context)) {
            try {
                listener.ended(event);
            } catch (RuntimeException e) {
                Logger log = LoggerFactory.getLogger(SyncEvents.class);
                log.warn("Sync listener {} failed on an end: {}", listener.getClass().getSimpleName(), e.getMessage());
            }
        }
    }

    private static java.util.Set<SyncEvents> listeners(CamelContext context) {
        return context == null ? java.util.Set.of() : context.getRegistry().findByType(SyncEvents.class);
    }
}
