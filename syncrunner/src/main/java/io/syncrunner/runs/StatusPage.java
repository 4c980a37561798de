package io.syncrunner.runs;

import org.apache.camel.Exchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Serves the status page (src/main/resources/status/index.html); its data comes from GET /status/runs. */
public final class StatusPage {
    private final String html;

    public StatusPage() {
        try (InputStream in = StatusPage.class.getResourceAsStream("/status/index.html")) {
            if (in == null) {
                throw new IllegalStateException("status/index.html is missing from the classpath");
            }
            html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void render(Exchange ex) {
        ex.getMessage().removeHeaders("*");
        ex.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/html; charset=utf-8");
        ex.getMessage().setBody(html);
    }
}
