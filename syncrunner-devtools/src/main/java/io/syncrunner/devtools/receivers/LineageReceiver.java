package io.syncrunner.devtools.receivers;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.syncrunner.support.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * The demo's OpenLineage endpoint: a JDK HTTP server on a free loopback port that takes the runner's run events
 * ({@code POST /api/v1/lineage}, as Marquez) and logs one line per event: its eventType, the job's namespace and name
 * and the runId. It keeps which runs started and which ended, so that the demo can wait until every START it saw
 * has its COMPLETE, FAIL or ABORT ({@link #allStartedRunsEnded()}). Never part of the product.
 */
public final class LineageReceiver implements AutoCloseable {
    public static final String PATH = "/api/v1/lineage";
    private static final Logger LOG = LoggerFactory.getLogger(LineageReceiver.class);

    private final HttpServer server;
    private final Object lock;
    private final List<String> events = new ArrayList<>();
    private final Set<String> started = new LinkedHashSet<>();
    private final Set<String> ended = new LinkedHashSet<>();

    /** {@code lock} is notified after every event taken (the demo's receivers wait on it). */
    public LineageReceiver(Object lock) throws IOException {
        this.lock = lock;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(PATH, this::handle);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "demo-lineage-receiver");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port() + PATH;
    }

    private void handle(HttpExchange http) throws IOException {
        try (http) {
            if (!"POST".equals(http.getRequestMethod())) {
                http.sendResponseHeaders(405, -1);
                return;
            }
            String body;
            try (InputStream in = http.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            JsonNode event;
            try {
                event = Json.parse(body);
            } catch (RuntimeException e) {
                LOG.warn("Lineage receiver: refused a body that is not JSON ({} bytes)", body.length());
                http.sendResponseHeaders(400, -1);
                return;
            }
            String type = event.path("eventType").asText("(none)");
            String runId = event.path("run").path("runId").asText("(none)");
            String job = event.path("job").path("name").asText("(none)") + " (namespace "
                    + event.path("job").path("namespace").asText("(none)") + ")";
            LOG.info("Lineage event received: {} of job {}, run {}", type, job, runId);
            synchronized (lock) {
                events.add(type + " " + job + " " + runId);
                if ("START".equals(type)) {
                    started.add(runId);
                } else if (Set.of("COMPLETE", "FAIL", "ABORT").contains(type)) {
                    ended.add(runId);
                }
                lock.notifyAll();
            }
            http.sendResponseHeaders(201, -1);
        }
    }

    /** The events taken so far, as "eventType name (namespace ...) runId". */
    public List<String> events() {
        synchronized (lock) {
            return List.copyOf(events);
        }
    }

    /** Whether every run whose START came has had its COMPLETE, FAIL or ABORT (true before any event). */
    public boolean allStartedRunsEnded() {
        synchronized (lock) {
            return ended.containsAll(started);
        }
    }

    /** The runs that started and have not ended (for the demo's warning). */
    public Set<String> openRuns() {
        synchronized (lock) {
            Set<String> open = new LinkedHashSet<>(started);
            open.removeAll(ended);
            return open;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
