package io.syncrunner.support;

import org.apache.camel.Exchange;

/** What every provider's trigger step says when the trigger request failed. */
public final class Triggers {
    private Triggers() {
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
