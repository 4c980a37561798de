package io.syncrunner.sync;

import io.syncrunner.observability.SyncMetrics;
import io.syncrunner.support.SyncState;
import io.syncrunner.support.SyncWaiter;
import io.syncrunner.support.Triggers;
import org.apache.camel.Exchange;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The steps of the one sync flow (routes/sync-flow.yaml, bean {@code syncFlow}), each handed to the sync's
 * {@link SyncProvider} (exchange property {@value #PROVIDER}). The flow's own decisions (is a request pending, is a
 * lookup or a trigger needed, is a cancel due) come back as exchange properties the route reads.
 */
public final class SyncFlow {
    /** Exchange property: the id of the sync's provider (set by its template, or by the run's request). */
    public static final String PROVIDER = "provider";
    /** Exchange property: a request described by the provider waits to be sent. */
    public static final String CALL_PENDING = "syncCallPending";
    /** Exchange property: the lookup after a refused trigger is needed. */
    public static final String LOOKUP_NEEDED = "syncLookupNeeded";
    /** Exchange property: carried on after a restart, the provider showed nothing was started. */
    public static final String TRIGGER_NEEDED = "syncTriggerNeeded";

    private final Map<String, SyncProvider> providers = new LinkedHashMap<>();

    public SyncFlow(List<SyncProvider> providers) {
        providers.forEach(p -> this.providers.put(p.kind().provider(), p));
    }

    /** The provider of the sync on this exchange. */
    public SyncProvider provider(Exchange ex) {
        String id = ex.getProperty(PROVIDER, String.class);
        SyncProvider p = id == null ? null : providers.get(id);
        if (p == null) {
            throw new IllegalArgumentException("Unknown sync provider '" + id + "': use one of " + providers.keySet());
        }
        return p;
    }

    /** Checks the inputs and the account (the provider's), and counts the sync as started. */
    public void begin(Exchange ex) {
        SyncProvider p = provider(ex);
        // another sync earlier on the same exchange may have left them
        ex.setProperty(SyncProvider.ATTACHED, false);
        ex.setProperty(SyncProvider.SKIPPED, false);
        ex.setProperty(SyncProvider.RETRIGGER_DUE, false);
        ex.removeProperty(TRIGGER_NEEDED);
        ex.removeProperty(LOOKUP_NEEDED);
        ex.removeProperty(CALL_PENDING);
        ex.removeProperty(SyncWaiter.WAKE_KEY);
        ex.removeProperty(SyncWaiter.SIGNALS_SINCE);
        ex.removeProperty(io.syncrunner.runs.SyncEvents.ENDED);
        p.begin(ex);
        SyncMetrics.started(ex, p.kind().provider());
    }

    public void prepare(Exchange ex) {
        ex.setProperty(CALL_PENDING, provider(ex).prepare(ex));
    }

    public void onPrepared(Exchange ex) {
        ex.setProperty(CALL_PENDING, provider(ex).onPrepared(ex));
    }

    public void onAttach(Exchange ex) {
        provider(ex).onAttach(ex);
    }

    public void recoverRequest(Exchange ex) {
        provider(ex).recoverRequest(ex);
    }

    public void onRecovered(Exchange ex) {
        ex.setProperty(TRIGGER_NEEDED, !provider(ex).onRecovered(ex));
    }

    /** Describes the trigger request and counts it as sent. */
    public void triggerRequest(Exchange ex) {
        provider(ex).triggerRequest(ex);
        Triggers.sending(ex);
    }

    public void onTriggered(Exchange ex) {
        provider(ex).onTriggered(ex);
    }

    /**
     * The trigger request failed (other than 409). It never reached the provider ({@link NeverSent}, even after its
     * redeliveries): the sync fails, nothing was started. It may have reached it (an API error that may be retried,
     * an I/O error): it is not re-sent, the provider describes the lookup that shows what it started. Any other
     * failure is thrown on.
     */
    public void onTriggerFailed(Exchange ex) throws Exception {
        SyncProvider p = provider(ex);
        Exception e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (NeverSent.test(e)) {
            throw Triggers.notSent(ex, p.displayName(), p.triggerSubject(ex));
        }
        if (outcomeUnknown(e)) {
            p.onTriggerOutcomeUnknown(ex);
            return;
        }
        throw e == null ? new IllegalStateException("the trigger failed") : e;
    }

    private static boolean outcomeUnknown(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.syncrunner.support.RetryableApiException || t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    public void onTriggerConflict(Exchange ex) {
        ex.setProperty(LOOKUP_NEEDED, provider(ex).onTriggerConflict(ex));
    }

    public void onLookup(Exchange ex) {
        provider(ex).onLookup(ex);
    }

    public void statusRequest(Exchange ex) {
        provider(ex).statusRequest(ex);
    }

    public void onStatus(Exchange ex) {
        provider(ex).onStatus(ex);
    }

    public void onSignal(Exchange ex) {
        ex.removeProperty(SyncProvider.STATUS_READ_NEEDED);
        provider(ex).onSignal(ex);
    }

    public void onStopRequested(Exchange ex) {
        provider(ex).onStopRequested(ex);
    }

    public void onRetrigger(Exchange ex) {
        provider(ex).onRetrigger(ex);
    }

    /** After the wait: the sync is cancelled when its run asked it to stop, or its wait timed out (if asked). */
    public boolean cancelDue(Exchange ex) {
        SyncProvider p = provider(ex);
        if (!p.canCancel()) {
            return false;
        }
        return ex.getProperty(SyncWaiter.STOP_REQUESTED) != null
                || Boolean.TRUE.equals(ex.getProperty(SyncState.TIMED_OUT, Boolean.class)) && p.cancelOnTimeout(ex);
    }

    public void cancelRequest(Exchange ex) {
        provider(ex).cancelRequest(ex);
    }

    public void onCancelled(Exchange ex) {
        provider(ex).onCancelled(ex);
    }

    public void onCancelTooLate(Exchange ex) {
        provider(ex).onCancelTooLate(ex);
    }

    public void finish(Exchange ex) {
        provider(ex).finish(ex);
    }
}
