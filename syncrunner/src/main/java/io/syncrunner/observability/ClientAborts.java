package io.syncrunner.observability;

import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients that close their connection before the answer (half a request sent, or gone before reading it) are not
 * errors of the runner. Without a failure handler vert.x web logs each as "Unhandled exception in router" at ERROR
 * with a stack trace (logger io.vertx.ext.web.RoutingContext): a client could flood the log. A failure handler on
 * the runner's HTTP router takes exactly those failures (a connection reset, a broken pipe, a closed connection),
 * counts them and logs at most one WARN per interval with the count; every other failure goes on to vert.x's own
 * handling and is logged as before.
 */
public final class ClientAborts {
    private static final Logger LOG = LoggerFactory.getLogger(ClientAborts.class);

    private final Duration interval;
    private final AtomicLong count = new AtomicLong();
    private final AtomicBoolean windowOpen = new AtomicBoolean();
    private volatile Vertx vertx;

    ClientAborts(Duration interval) {
        this.interval = interval;
    }

    /** Adds the failure handler to the runner's HTTP router once the context (and so the server) has started. */
    public static void install(CamelContext context, Duration interval) throws Exception {
        ClientAborts aborts = new ClientAborts(interval);
        context.addStartupListener(new ExtendedStartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
                aborts.vertx = ctx.getRegistry().lookupByNameAndType("vertx", Vertx.class);
                // the runner's server (and the management server, when it has a port of its own); none: no server
                for (Router router : ctx.getRegistry().findByType(VertxPlatformHttpRouter.class)) {
                    router.route().failureHandler(aborts::onFailure);
                }
            }
        });
    }

    void onFailure(RoutingContext rc) {
        if (!clientGone(rc.failure())) {
            rc.next();
            return;
        }
        if (!rc.response().closed()) {
            rc.response().close();
        }
        aborted();
    }

    /** One client gone: counted, and reported at the end of the interval it falls in. */
    void aborted() {
        count.incrementAndGet();
        if (windowOpen.compareAndSet(false, true)) {
            Vertx v = vertx;
            if (v == null) {
                report();
            } else {
                v.setTimer(interval.toMillis(), id -> report());
            }
        }
    }

    private void report() {
        windowOpen.set(false);
        long n = count.getAndSet(0);
        if (n > 0) {
            LOG.warn("{} client{} closed {} connection before the answer in the last {}s", n, n == 1 ? "" : "s",
                    n == 1 ? "its" : "their", interval.toSeconds());
        }
    }

    /** A connection reset, a broken pipe or a connection closed under the request: the client went away. */
    static boolean clientGone(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpClosedException || t instanceof ClosedChannelException) {
                return true;
            }
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (t instanceof IOException && (m.contains("connection reset") || m.contains("broken pipe"))) {
                return true;
            }
            if (t instanceof VertxException && m.equals("connection was closed")) {
                return true;
            }
        }
        return false;
    }
}
