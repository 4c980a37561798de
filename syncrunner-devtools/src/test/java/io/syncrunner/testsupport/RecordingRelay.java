package io.syncrunner.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A small HTTP relay between a client under test and a server (e.g. a Prism mock): it forwards every request to the
 * current target, passes the answer back unchanged and records each request/response pair. The target can be
 * switched between exchanges (e.g. to a Prism started with another seed) while the client keeps one base URL, or
 * there can be several targets and a {@link Router} that picks, for each request, which of them answers it.
 * A test may edit 2xx answers on the way ({@link #editAnswers}); the recorded answer is the one the client got.
 * An exchange the target could not answer is recorded with status 0 and answered 502.
 */
public final class RecordingRelay implements AutoCloseable {

    /**
     * One request and the answer the client got; {@code receivedNanos} is {@link System#nanoTime()} when the relay
     * received the request, {@code target} the index of the target that answered (-1 with a single target).
     */
    public record Exchange(String method, String path, String query, String requestBody, int status,
            String responseBody, String violations, long sentAtMillis, long receivedNanos, int target) {

        public boolean is(String method, String pathPrefix) {
            return this.method.equalsIgnoreCase(method) && path.startsWith(pathPrefix);
        }

        @Override
        public String toString() {
            return method + " " + path + (query == null ? "" : "?" + query) + " " + requestBody + " -> "
                    + (target < 0 ? "" : "[target " + target + "] ") + status + " " + responseBody + (violations == null ? "" : " sl-violations: " + violations);
        }
    }

    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "content-length", "expect",
            "upgrade", "keep-alive", "transfer-encoding");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "recording-relay");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private volatile List<String> targets = List.of();
    private volatile Router router = (method, path, body) -> 0;
    private volatile AnswerEdit answerEdit = (method, path, body) -> body;

    /** Picks which of the relay's targets answers a request. */
    @FunctionalInterface
    public interface Router {
        /** @return the index, in the list given to {@link #targets}, of the target that answers this request */
        int pick(String method, String path, String requestBody);
    }

    /** Changes an answer's body before the client gets it (the edited body is what is recorded). */
    @FunctionalInterface
    public interface AnswerEdit {
        String apply(String method, String path, String body);
    }

    private RecordingRelay() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::relay);
        server.setExecutor(threads);
        server.start();
    }

    /** A relay on a free loopback port with no target yet (requests are answered 502 until one is set). */
    public static RecordingRelay start() {
        try {
            return new RecordingRelay();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the recording relay", e);
        }
    }

    /** Where requests go from now on, e.g. {@code http://127.0.0.1:4010} (no trailing slash). */
    public void target(String baseUrl) {
        targets(baseUrl == null ? List.of() : List.of(baseUrl), (method, path, body) -> 0);
    }

    /**
     * From now on each request goes to the target {@code router} picks among {@code baseUrls} (each like
     * {@code http://127.0.0.1:4010}); the exchange records the index of the target that answered it.
     */
    public void targets(List<String> baseUrls, Router router) {
        this.router = router;
        this.targets = List.copyOf(baseUrls);
    }

    /** From now on, 2xx answers pass through the edit (identity by default). */
    public void editAnswers(AnswerEdit edit) {
        this.answerEdit = edit;
    }

    /** The base URL clients call, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every exchange so far, in the order the answers were given. */
    public List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    public List<Exchange> exchanges(Predicate<Exchange> filter) {
        return exchanges.stream().filter(filter).toList();
    }

    public void clear() {
        exchanges.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void relay(HttpExchange in) throws IOException {
        long receivedNanos = System.nanoTime();
        long sentAt = System.currentTimeMillis();
        String method = in.getRequestMethod();
        URI uri = in.getRequestURI();
        byte[] body = in.getRequestBody().readAllBytes();
        String requestBody = new String(body, StandardCharsets.UTF_8);
        List<String> bases = targets;
        int target = -1;
        int status = 0;
        byte[] answer = new byte[0];
        String violations = null;
        try {
            if (bases.isEmpty()) {
                throw new IOException("the relay has no target");
            }
            target = bases.size() == 1 ? 0 : router.pick(method, uri.getRawPath(), requestBody);
            if (target < 0 || target >= bases.size()) {
                throw new IOException("the router picked target " + target + " of " + bases.size());
            }
            HttpRequest.Builder out = HttpRequest.newBuilder(URI.create(bases.get(target) + uri.getRawPath()
                            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
                    .timeout(Duration.ofSeconds(10))
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            in.getRequestHeaders().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(v -> out.header(name, v));
                }
            });
            HttpResponse<byte[]> response = client.send(out.build(), HttpResponse.BodyHandlers.ofByteArray());
            status = response.statusCode();
            answer = response.body();
            if (status / 100 == 2 && answer.length > 0) {
                answer = answerEdit.apply(method, uri.getRawPath(), new String(answer, StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8);
            }
            violations = response.headers().firstValue("sl-violations").orElse(null);
            response.headers().map().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!NOT_FORWARDED.contains(lower) && !lower.equals(":status") && !lower.equals("date")) {
                    in.getResponseHeaders().put(name, values);
                }
            });
        } catch (IOException e) {
            answer = ("relay: " + e).getBytes(StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer = "relay: interrupted".getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            status = 0; // a router or answer edit that failed: the client gets 502 and the test sees status 0
            answer = ("relay: " + e).getBytes(StandardCharsets.UTF_8);
        }
        exchanges.add(new Exchange(method, uri.getRawPath(), uri.getRawQuery(), requestBody, status,
                new String(answer, StandardCharsets.UTF_8), violations, sentAt, receivedNanos,
                bases.size() > 1 ? target : -1));
        boolean noBody = answer.length == 0 || status == 204 || status == 304 || "HEAD".equalsIgnoreCase(method);
        in.sendResponseHeaders(status == 0 ? 502 : status, noBody ? -1 : answer.length);
        if (!noBody) {
            try (OutputStream os = in.getResponseBody()) {
                os.write(answer);
            }
        }
        in.close();
    }
}
