package io.syncrunner.ops;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Stops the start when the runner's HTTP server (sync API, webhooks, health, status page) is not listening. Camel's
 * vert.x server only logs a failed bind (a port in use) and carries on, which left a runner without its API; this
 * check runs once the services have started and before any route's consumer starts, and fails the start with the
 * host, port and reason.
 */
public final class HttpServerCheck implements StartupListener {
    private final CamelContext context;

    public HttpServerCheck(CamelContext context) {
        this.context = context;
    }

    /**
     * Before anything starts: the server's port must be free (Camel Main's server, {@code camel.server.*}; port 0 =
     * any free one). The check after the server started ({@link #onCamelContextStarted}) is the one that decides;
     * this one fails a start on a port already taken before a thread or a route was started.
     */
    public static void requirePortFree(CamelContext context) {
        var properties = context.getPropertiesComponent();
        if (!properties.resolveProperty("camel.server.enabled").map(Boolean::parseBoolean).orElse(false)) {
            return;
        }
        String host = properties.resolveProperty("camel.server.host").orElse("0.0.0.0");
        String text = properties.resolveProperty("camel.server.port").orElse("8080").trim();
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("camel.server.port='" + text + "' is not a port number");
        }
        if (port == 0) {
            return;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as vert.x binds: a port in TIME_WAIT is free, one listened on is not
            s.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new IllegalArgumentException("the HTTP server cannot listen on " + host + ":" + port
                    + " (camel.server.port): " + e.getMessage());
        }
    }

    @Override
    public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) throws Exception {
        if (alreadyStarted) {
            return; // routes added later (a reload): the server was checked at start
        }
        for (VertxPlatformHttpServer server : context.hasServices(VertxPlatformHttpServer.class)) {
            // vert.x's server records whether its bind succeeded (the HttpServer interface does not tell)
            if (server.getServer() == null || server.getServer() instanceof io.vertx.core.net.impl.TCPServerBase tcp
                    && !tcp.isListening()) {
                String host = context.getPropertiesComponent().resolveProperty("camel.server.host").orElse("0.0.0.0");
                int port = context.getPropertiesComponent().resolveProperty("camel.server.port").map(Integer::parseInt)
                        .orElse(8080);
                String message = "the HTTP server cannot listen on " + host + ":" + port + " (camel.server.port): "
                        + reason(host, port);
                // before any consumer starts; Camel stops what the start had started (see StartRefusedException)
                throw new io.syncrunner.support.StartRefusedException(message);
            }
        }
    }

    /** Why binding the address fails (e.g. "Address already in use"), found by trying it. */
    static String reason(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(host, port));
            return "it was not free when the runner started";
        } catch (IOException e) {
            return e.getMessage();
        }
    }
}
