package io.syncrunner.support;

import org.apache.camel.Exchange;

/** What every provider's trigger step says and records when the trigger request failed. */
public final class Triggers {
    /** Exchange property: why the outcome of the trigger is unknown (for the final message). */
    public static final String ERROR = "syncTriggerError";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Triggers.class);

    private Triggers() {
    }

    /**
     * The trigger may or may not have reached the provider (5xx, 429, timeout, lost answer): records why and
     * says, once, that it is not re-sent and what is done instead.
     */
    public static void outcomeUnknown(Exchange ex, String subject, String instead) {
        String why = reason(ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        ex.setProperty(ERROR, why);
        LOG.warn("Trigger of {} ended with {}; it may have started a sync, so it is not re-sent: {}", subject, why,
                instead);
    }

    /** The trigger never reached the provider, even after its redeliveries. */
    public static SyncFailedException notSent(Exchange ex, String provider, String what) {
        Throwable e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return new SyncFailedException("Could not trigger " + what + ": the request never reached " + provider + " at "
                + ex.getProperty(ApiCall.BASE_URL) + " (" + describe(e) + "); nothing was started", null, e);
    }

    /** Short reason of an ambiguous trigger failure, for messages. */
    public static String reason(Throwable e) {
        if (e instanceof ApiCallException api) {
            return api.status() + (api.problem() == null ? "" : " " + api.problem());
        }
        return describe(e);
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "unknown error";
        }
        if (e instanceof ApiCallException) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
