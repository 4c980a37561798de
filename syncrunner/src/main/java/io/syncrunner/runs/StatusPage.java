package io.syncrunner.runs;

import org.apache.camel.Exchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Serves the status page (src/main/resources/status/): index.html, its script status.js and its style sheet
 * status.css, all from the runner itself (no external resource; the page works offline) under a Content Security
 * Policy that allows nothing else. Its data comes from GET /status/runs, /status/schedules and /api/connections.
 */
public final class StatusPage {
    /** Nothing but the runner's own script, style sheet and data; no inline script. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final String html;
    private final String script;
    private final String style;

    public StatusPage() {
        html = resource("/status/index.html");
        script = resource("/status/status.js");
        style = resource("/status/status.css");
    }

    private static String resource(String path) {
        try (InputStream in = StatusPage.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path.substring(1) + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void render(Exchange ex) {
        serve(ex, "text/html; charset=utf-8", html);
    }

    public void script(Exchange ex) {
        serve(ex, "text/javascript; charset=utf-8", script);
    }

    public void style(Exchange ex) {
        serve(ex, "text/css; charset=utf-8", style);
    }

    private static void serve(Exchange ex, String type, String body) {
        ex.getMessage().removeHeaders("*");
        ex.getMessage().setHeader(Exchange.CONTENT_TYPE, type);
        ex.getMessage().setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ex.getMessage().setHeader("X-Content-Type-Options", "nosniff");
        ex.getMessage().setHeader("Cache-Control", "no-store");
        ex.getMessage().setBody(body);
    }
}
