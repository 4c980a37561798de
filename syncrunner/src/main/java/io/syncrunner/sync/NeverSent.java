package io.syncrunner.sync;

import io.syncrunner.auth.TokenServiceUnavailableException;
import org.apache.camel.Exchange;

import java.util.List;

/**
 * The one list of failures that show a request never reached the provider (bean {@code neverSent}): a trigger that
 * failed so is safe to send again (routes/error-handling.yaml, api-trigger) and, once its redeliveries are spent,
 * started nothing ({@link SyncFlow#onTriggerFailed}). Any other failure of a trigger may have started a
 * sync.
 */
public final class NeverSent {
    private static final List<Class<? extends Throwable>> NEVER_SENT = List.of(
            java.net.ConnectException.class,
            java.net.UnknownHostException.class,
            org.apache.hc.client5.http.ConnectTimeoutException.class,
            TokenServiceUnavailableException.class,
            java.io.UncheckedIOException.class);

    /** Whether the failure (or one of its causes) shows the request never left. */
    public static boolean test(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> c : NEVER_SENT) {
                if (c.isInstance(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** For an {@code onWhen}: the exchange's failure (or the one a catch is looking at) never left. */
    public boolean matches(Exchange ex) {
        Throwable e = ex.getException();
        if (e == null) {
            e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        }
        return test(e);
    }
}
