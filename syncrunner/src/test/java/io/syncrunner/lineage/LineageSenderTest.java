package io.syncrunner.lineage;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LineageSenderTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private LineageSender sender;

    @AfterEach
    void stop() {
        release.countDown();
        if (sender != null) {
            sender.close(Duration.ofSeconds(5));
        }
        if (server != null) {
            server.stop(0);
        }
    }

    private URI serve(int status, boolean hang) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/lineage", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes()));
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            if (hang) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/lineage");
    }

    private double count(String outcome) {
        return registry.get("syncrunner.lineage.events").tag("outcome", outcome).counter().count();
    }

    private LineageSender sender(URI uri, String key, Duration timeout, int queue) {
        sender = new LineageSender(uri, key, timeout, queue, Duration.ofSeconds(60), registry, Clock.systemUTC());
        return sender;
    }

    @Test
    void shouldPostEachEventWithTheApiKeyAsBearer() throws Exception {
        LineageSender s = sender(serve(201, false), "k-123", Duration.ofSeconds(2), 10);
        s.send("{\"a\":1}");
        s.send("{\"a\":2}");
        await().atMost(Duration.ofSeconds(10)).until(() -> count("sent") == 2);
        assertThat(bodies).containsExactly("{\"a\":1}", "{\"a\":2}");
        assertThat(authorizations).containsOnly("Bearer k-123");
        assertThat(count("failed")).isZero();
    }

    @Test
    void shouldCountAnEndpointThatAnswers500AsFailed() throws Exception {
        LineageSender s = sender(serve(500, false), "", Duration.ofSeconds(2), 10);
        s.send("{}");
        await().atMost(Duration.ofSeconds(10)).until(() -> count("failed") == 1);
        assertThat(authorizations).containsExactly("null");
        assertThat(count("sent")).isZero();
    }

    @Test
    void shouldCountAnEndpointThatIsDownAsFailed() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        LineageSender s = sender(URI.create("http://127.0.0.1:" + port + "/x"), null, Duration.ofSeconds(2), 10);
        s.send("{}");
        await().atMost(Duration.ofSeconds(10)).until(() -> count("failed") == 1);
    }

    @Test
    void shouldNeverHoldTheCallerWhileTheEndpointHangsAndDropWhatTheQueueCannotHold() throws Exception {
        LineageSender s = sender(serve(200, true), null, Duration.ofMillis(500), 2);
        long before = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            s.send("{\"n\":" + i + "}");
        }
        // ten hand-overs to an endpoint that never answers: none waited for it
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofMillis(400));
        // one in flight, two queued, seven dropped; the hanging ones time out and are counted as failed
        await().atMost(Duration.ofSeconds(10)).until(() -> count("failed") == 3);
        assertThat(count("dropped")).isEqualTo(7);
        assertThat(count("sent")).isZero();
    }
}
