package io.syncrunner.devtools.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Plumbing shared by the emulators (package-private): the JDK {@link HttpServer} on 127.0.0.1, JSON replies,
 * fault application, request-log and fault-rule JSON mapping.
 */
final class EmulatorHttp {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String APPLICATION_JSON = "application/json";

    static {
        enableNoDelay();
    }

    private EmulatorHttp() {
    }

    /**
     * Sets {@code sun.net.httpserver.nodelay=true} unless already set. The JDK server writes headers and body
     * separately; without TCP_NODELAY, Nagle plus the client's delayed ACK adds ~40 ms to every answer. The JDK
     * reads this property once, when its first HttpServer is created.
     */
    static void enableNoDelay() {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // the JDK server closes idle keep-alive connections beyond 200; a runner keeps up to 200 for reads and
        // 100 for the rest per host, and would meet connections closed under it (a service behind a load
        // balancer keeps far more): 2000 unless set
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "2000");
        }
    }

    /** One answer: status, content type, body bytes and extra headers. */
    record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Reply json(int status, Object value) {
            try {
                return new Reply(status, APPLICATION_JSON, JSON.writeValueAsBytes(value), Map.of());
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Reply rawJson(int status, String json) {
            return new Reply(status, APPLICATION_JSON, json.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        static Reply text(int status, String text) {
            return new Reply(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        Reply withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Reply(status, contentType, body, h);
        }
    }

    /** A started JDK server plus its worker pool. */
    static final class Server {
        private final HttpServer http;
        private final ExecutorService pool;

        private Server(HttpServer http, ExecutorService pool) {
            this.http = http;
            this.pool = pool;
        }

        int port() {
            return http.getAddress().getPort();
        }

        /** Stops the server immediately and its worker threads. */
        void stop() {
            http.stop(0);
            pool.shutdownNow();
        }
    }

    /** Binds 127.0.0.1:port (0 = random) with a fixed pool of daemon workers named {@code threadPrefix-N}. */
    static Server start(String what, int port, int threads, String threadPrefix, HttpHandler handler) {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
            ExecutorService pool = Executors.newFixedThreadPool(threads, daemonThreads(threadPrefix));
            s.setExecutor(pool);
            s.createContext("/", handler);
            s.start();
            return new Server(s, pool);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind " + what + " on 127.0.0.1:" + port, e);
        }
    }

    /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... */
    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Applies a fault the way every emulator does: slow answer (delay then real processing), after-processing
     * (process for real, discard the answer), then delay, drop (returns null) or the fault reply.
     *
     * @param safeProcessing the real handling; must not throw
     * @param faultReply     builds the answer for a status fault
     * @return the reply to send, or null to drop the connection
     */
    static Reply applyFault(FaultRule rule, Supplier<Reply> safeProcessing, Function<FaultRule, Reply> faultReply) {
        if (rule.isSlowAnswer()) {
            if (rule.isAfterProcessing()) {
                // handled now, its real answer sent late
                Reply reply = safeProcessing.get();
                return sleep(rule.delay()) && rule.awaitRelease() ? reply : null;
            }
            return sleep(rule.delay()) && rule.awaitRelease() ? safeProcessing.get() : null;
        }
        if (rule.isAfterProcessing()) {
            safeProcessing.get();
        }
        if (!sleep(rule.delay()) || !rule.awaitRelease() || rule.isDrop()) {
            return null;
        }
        Reply reply = faultReply.apply(rule);
        if (rule.retryAfterSeconds() != null) {
            reply = reply.withHeader("Retry-After", String.valueOf(rule.retryAfterSeconds()));
        }
        return reply;
    }

    /** Sleeps; returns false if interrupted (interrupt flag restored). */
    static boolean sleep(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return true;
        }
        try {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Sends the reply, or drops the connection (closing before sendResponseHeaders) when it is null. */
    static void answer(HttpExchange ex, Reply reply) throws IOException {
        if (reply == null) {
            ex.close();
            return;
        }
        ex.getResponseHeaders().set("Content-Type", reply.contentType());
        reply.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        byte[] body = reply.body();
        ex.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
    }

    /** Path without trailing slashes; "/" for an empty path. */
    static String normalize(String path) {
        if (path == null || path.isEmpty()) {
            return "/";
        }
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    /** Parses JSON; null for an empty or unparseable body. */
    static JsonNode readJson(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    static boolean has(JsonNode n, String field) {
        return n.hasNonNull(field);
    }

    /** A scalar field as text, or null if absent, null or not a scalar. */
    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }

    /** The admin JSON view of a recorded request. */
    static Map<String, Object> requestMap(RecordedRequest r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", r.at().toString());
        m.put("method", r.method());
        m.put("path", r.path());
        m.put("apiPath", r.apiPath());
        m.put("query", r.query());
        m.put("auth", r.auth().name());
        m.put("status", r.status());
        m.put("fault", r.faulted());
        m.put("connectionId", r.connectionId());
        m.put("durationMs", r.durationMs());
        return m;
    }

    /**
     * Builds an (unregistered) fault rule from the admin JSON {@code {method?, path, status?, retryAfterSeconds?,
     * delayMs?, drop?, afterProcessing?, times?, rate?, seed?, body?}}; throws IllegalArgumentException when invalid.
     */
    static FaultRule faultFromJson(JsonNode n) {
        String path = text(n, "path");
        if (path == null) {
            throw new IllegalArgumentException("path (regex without API prefix) is required.");
        }
        String method = text(n, "method");
        FaultRule rule = FaultRule.on(method == null ? "*" : method, path);
        if (has(n, "status")) {
            rule.respond(n.get("status").asInt());
        }
        if (has(n, "retryAfterSeconds")) {
            rule.retryAfter(n.get("retryAfterSeconds").asLong());
        }
        if (has(n, "delayMs") && n.get("delayMs").asLong() > 0) {
            rule.delay(Duration.ofMillis(n.get("delayMs").asLong()));
        }
        if (n.path("drop").asBoolean(false)) {
            rule.drop();
        }
        if (n.path("afterProcessing").asBoolean(false)) {
            rule.afterProcessing();
        }
        if (has(n, "times")) {
            rule.times(n.get("times").asInt());
        }
        if (has(n, "rate")) {
            rule.rate(n.get("rate").asDouble());
        }
        if (has(n, "seed")) {
            rule.seed(n.get("seed").asLong());
        }
        if (has(n, "body")) {
            JsonNode b = n.get("body");
            rule.body(b.isTextual() ? b.asText() : b.toString());
        }
        return rule;
    }
}
