package io.syncrunner.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.syncrunner.support.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An OpenLineage endpoint for tests (a JDK HTTP server on a random loopback port, path {@value #PATH}): keeps every
 * event it receives, and answers 201, or 500, or holds each request until {@link #release} (as a hanging endpoint).
 */
public final class LineageReceiver implements AutoCloseable {
    public static final String PATH = "/api/v1/lineage";

    public enum Mode { ACCEPT, FAIL, HANG }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.ACCEPT);
    private volatile CountDownLatch held = new CountDownLatch(1);

    public LineageReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext(PATH, exchange -> {
            try (exchange) {
                events.add(Json.parse(new String(exchange.getRequestBody().readAllBytes())));
                authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
                Mode m = mode.get();
                if (m == Mode.HANG) {
                    try {
                        held.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                exchange.sendResponseHeaders(m == Mode.FAIL ? 500 : 201, -1);
            }
        });
        server.setExecutor(threads);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    public void mode(Mode m) {
        if (m == Mode.HANG) {
            held = new CountDownLatch(1);
        }
        mode.set(m);
    }

    /** Answers the requests held so far. */
    public void release() {
        held.countDown();
    }

    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** The events of one job (by name), in the order received. */
    public List<JsonNode> eventsOf(String jobName) {
        return events.stream().filter(e -> jobName.equals(e.path("job").path("name").asText())).toList();
    }

    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        threads.shutdownNow();
    }
}
