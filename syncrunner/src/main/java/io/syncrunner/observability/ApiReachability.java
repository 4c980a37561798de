package io.syncrunner.observability;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Whether a provider's API answers: an unauthenticated {@code GET} of a probe URL with a short timeout. Any HTTP
 * answer (200, 401, 404, 503, ...) means reachable; no answer (connection refused, unknown host, TLS failure,
 * timeout) means unreachable, with the reason. Nothing is sent but the request line and standard headers: no
 * credential, and the URL is stripped of user info, query and fragment before it is used or shown.
 * <p>
 * A result is kept for {@code cacheFor}, so that frequent health probes do not hammer the APIs; while a probe of
 * an account runs, callers share it.
 */
public final class ApiReachability {
    /** A probe's result; {@code detail} is fit for a health report (no credential, no quotes). */
    public record Result(boolean reachable, String url, String detail, Integer status, long tookMillis) {
    }

    private record Probe(CompletableFuture<Result> result, long startedNanos) {
    }

    private final HttpClient client;
    private final Duration timeout;
    private final Duration cacheFor;
    private final LongSupplier nanoTime;
    private final Map<String, Probe> probes = new ConcurrentHashMap<>();

    public ApiReachability(Duration timeout, Duration cacheFor) {
        this(timeout, cacheFor, System::nanoTime);
    }

    ApiReachability(Duration timeout, Duration cacheFor, LongSupplier nanoTime) {
        this.timeout = timeout;
        this.cacheFor = cacheFor;
        this.nanoTime = nanoTime;
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** Starts a probe of the URL unless a fresh or running one exists for the key; does not wait for it. */
    public CompletableFuture<Result> probe(String key, String url) {
        return probes.compute(key, (k, current) -> {
            if (current != null && (!current.result().isDone()
                    || nanoTime.getAsLong() - current.startedNanos() < cacheFor.toNanos())) {
                return current;
            }
            return new Probe(send(url), nanoTime.getAsLong());
        }).result();
    }

    /** The probe's result, waiting at most a little longer than the probe's own timeout. */
    public Result check(String key, String url) {
        CompletableFuture<Result> f = probe(key, url);
        try {
            return f.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new Result(false, safeUrl(url), "the API at " + where(safeUrl(url)) + " did not answer within "
                    + human(timeout), null, timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, safeUrl(url), "the check was interrupted", null, 0);
        } catch (ExecutionException e) {
            return new Result(false, safeUrl(url), "the check failed: " + clean(e.getCause().getClass().getSimpleName()),
                    null, 0);
        }
    }

    private CompletableFuture<Result> send(String url) {
        String shown = safeUrl(url);
        long start = System.nanoTime();
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(shown)).timeout(timeout).GET()
                    .header("User-Agent", "syncrunner-health-check").build();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new Result(false, shown, "not a usable URL", null, 0));
        }
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    if (error == null) {
                        return new Result(true, shown, "the API at " + where(shown) + " answered HTTP "
                                + response.statusCode() + " in " + took + " ms", response.statusCode(), took);
                    }
                    return new Result(false, shown, "the API at " + where(shown) + " did not answer: " + reason(error),
                            null, took);
                });
    }

    private String reason(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof HttpConnectTimeoutException) {
            return "connection not established within " + human(timeout);
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + human(timeout);
        }
        Throwable root = e;
        boolean connect = e instanceof ConnectException;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            connect |= root instanceof ConnectException;
        }
        if (connect) {
            return "connection refused or failed";
        }
        if (root instanceof UnknownHostException) {
            return "unknown host";
        }
        if (root instanceof javax.net.ssl.SSLException || e instanceof javax.net.ssl.SSLException) {
            return "TLS failure (" + clean(root.getMessage()) + ")";
        }
        String message = root.getMessage();
        return clean(root.getClass().getSimpleName() + (message == null ? "" : ": " + message));
    }

    /**
     * The URL without user info, query or fragment (the only parts that could carry a credential); unparseable
     * input gives a placeholder, never the input.
     */
    static String safeUrl(String url) {
        try {
            URI u = URI.create(url.trim());
            if (u.getScheme() == null || u.getHost() == null) {
                return "(not a URL)";
            }
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
        } catch (Exception e) {
            return "(not a URL)";
        }
    }

    /** host:port of a URL: Camel's health report escapes the slashes of a whole URL twice, so messages avoid them. */
    static String where(String url) {
        try {
            URI u = URI.create(url);
            return u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
        } catch (RuntimeException e) {
            return "(not a URL)";
        }
    }

    /** Fit for Camel's health report, which writes messages into JSON as they are. */
    static String clean(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            sb.append(c == '"' ? '\'' : c == '\\' ? '/' : Character.isISOControl(c) ? ' ' : c);
        }
        return sb.length() > 300 ? sb.substring(0, 300) + "..." : sb.toString();
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
