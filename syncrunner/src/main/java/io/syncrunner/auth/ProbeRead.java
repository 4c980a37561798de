package io.syncrunner.auth;

import io.syncrunner.support.Credential;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One authenticated {@code GET} of an account check ({@link AccountProbe}), and what its outcome means, in words
 * that name the fix: 401/403 names the credential properties, 404 the URL called and the base-URL property, no
 * answer the host and port and the error. The URL is shown without user info, query or fragment; the credential
 * is only ever in the request's Authorization header.
 */
public final class ProbeRead {
    /** The properties to name in a message: the base URL, and the credentials ("a.x.api-key/api-secret"). */
    public record Hints(String baseUrlProperty, String credentialProperties) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

    private ProbeRead() {
    }

    /** GETs the URL with the credential (null: none) and the Accept header; any 2xx is OK. */
    public static AccountProbe.Result get(String url, Credential credential, String accept, Duration timeout,
            Hints hints) {
        String shown = shownUrl(url);
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(url.trim())).timeout(timeout).GET().header("Accept", accept)
                    .header("User-Agent", "syncrunner-check");
        } catch (IllegalArgumentException e) {
            return AccountProbe.Result.failed("'" + shown + "' is not a usable URL: check " + hints.baseUrlProperty());
        }
        if (credential != null) {
            b.header("Authorization", credential.headerValue());
        }
        long start = System.nanoTime();
        try {
            HttpResponse<Void> r = HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding())
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            return answered(r.statusCode(), "GET " + shown, took, hints, credential != null);
        } catch (java.util.concurrent.TimeoutException e) {
            return AccountProbe.Result.failed(hostPort(shown) + " did not answer GET " + shown + " within "
                    + human(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AccountProbe.Result.failed("the check was interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            return unreachable(shown, e.getCause(), timeout, hints);
        }
    }

    /** The meaning of an answer to {@code request} ("GET http://host/v1/x"). */
    public static AccountProbe.Result answered(int status, String request, long tookMillis, Hints hints,
            boolean sentCredentials) {
        if (status >= 200 && status < 300) {
            return AccountProbe.Result.ok(request + " answered " + status + " in " + tookMillis + " ms");
        }
        if (status == 401 || status == 403) {
            return AccountProbe.Result.failed("the API answered " + status + " to " + request + ": "
                    + (sentCredentials ? "check " : "no credentials are configured: set ")
                    + hints.credentialProperties());
        }
        if (status == 404) {
            return AccountProbe.Result.failed("the API answered 404 to " + request + ": the URL is wrong, check "
                    + hints.baseUrlProperty());
        }
        return AccountProbe.Result.failed("the API answered " + status + " to " + request);
    }

    /** No answer: where it went and why. */
    public static AccountProbe.Result unreachable(String shownUrl, Throwable error, Duration timeout, Hints hints) {
        return AccountProbe.Result.failed("could not reach " + hostPort(shownUrl) + " (" + reason(error, timeout)
                + "): check " + hints.baseUrlProperty() + " and that the API is up");
    }

    /** The URL without user info, query or fragment; a placeholder if it is not one. */
    public static String shownUrl(String url) {
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

    /** host:port of a URL (the scheme's default port when it names none). */
    public static String hostPort(String url) {
        try {
            URI u = URI.create(url);
            int port = u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
            return u.getHost() + ":" + port;
        } catch (RuntimeException e) {
            return "(not a URL)";
        }
    }

    static String reason(Throwable error, Duration timeout) {
        if (error instanceof HttpConnectTimeoutException) {
            return "connection not established within " + human(timeout);
        }
        if (error instanceof HttpTimeoutException) {
            return "no answer within " + human(timeout);
        }
        Throwable root = error;
        boolean connect = error instanceof ConnectException;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            connect |= root instanceof ConnectException;
        }
        if (root instanceof UnknownHostException) {
            return "unknown host";
        }
        if (connect) {
            return "connection refused";
        }
        if (root instanceof javax.net.ssl.SSLException) {
            return "TLS failure: " + root.getMessage();
        }
        if (root instanceof IOException && root.getMessage() != null) {
            return root.getClass().getSimpleName() + ": " + root.getMessage();
        }
        return root.getClass().getSimpleName();
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
