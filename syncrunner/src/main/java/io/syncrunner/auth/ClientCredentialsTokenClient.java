package io.syncrunner.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.ApiCallException;
import io.syncrunner.support.ApiErrorHint;
import io.syncrunner.support.Json;
import io.syncrunner.support.RetryAfter;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * Fetches OAuth client-credentials tokens (Airbyte {@code POST .../applications/token}). The lifetime is
 * {@code expires_in}; where the answer has none (Config API / Enterprise token endpoint) it is the JWT's
 * {@code exp}, else {@link #DEFAULT_LIFETIME}.
 */
public final class ClientCredentialsTokenClient {
    public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(3);

    private final HttpClient http;
    private final Clock clock;
    private final Duration requestTimeout;

    public ClientCredentialsTokenClient(Clock clock, Duration connectTimeout, Duration requestTimeout) {
        this.clock = clock;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .build();
    }

    /**
     * @param what for messages, e.g. "get an access token for Airbyte account 'cloud'"
     * @param hint the provider's explanation of a failed answer (e.g. where its token endpoint usually is)
     */
    public AccessToken fetch(String what, String tokenUrl, String clientId, String clientSecret, ApiErrorHint hint)
            throws IOException, InterruptedException {
        var body = Json.object();
        body.put("client_id", clientId);
        body.put("client_secret", clientSecret);
        body.put("grant_type", "client_credentials");
        HttpRequest request = HttpRequest.newBuilder(URI.create(tokenUrl))
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8))
                .build();
        Instant sentAt = clock.instant();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        String requestLine = "POST " + URI.create(tokenUrl).getPath();
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            JsonNode problem = Json.parseLenient(response.body());
            String title = Json.text(problem, "title");
            String detail = Json.text(problem, "detail");
            String explained = hint.explain("POST", ApiErrorHint.displayUrl(tokenUrl), status);
            ApiCallException failure;
            if (ApiCallException.isRetryableStatus(status)) {
                failure = new TokenServiceUnavailableException(what, requestLine, status, title, detail,
                        RetryAfter.parse(response.headers().firstValue("Retry-After").orElse(null), clock));
            } else {
                // 400, 401, 403 are about the credentials; any other status (a 404 above all) is about the URL
                boolean aboutCredentials = status == 400 || status == 401 || status == 403;
                failure = new CredentialsRejectedException(what, requestLine, status, title,
                        detail != null || !aboutCredentials ? detail : "the client id or secret is wrong");
            }
            throw failure.withHint(explained);
        }
        JsonNode json = Json.parse(response.body());
        String token = Json.text(json, "access_token");
        if (token == null || token.isBlank()) {
            throw new CredentialsRejectedException(what, requestLine, status, null, "the answer has no access_token");
        }
        Long expiresIn = Json.longValue(json, "expires_in");
        Instant expiresAt = expiresIn != null ? sentAt.plusSeconds(expiresIn)
                : jwtExpiry(token).orElse(sentAt.plus(DEFAULT_LIFETIME));
        return new AccessToken(token, sentAt, expiresAt);
    }

    /** The {@code exp} claim of a JWT, if the token is one. */
    static java.util.Optional<Instant> jwtExpiry(String token) {
        String[] parts = token.split("\\.");
        if (parts.length < 2) {
            return java.util.Optional.empty();
        }
        try {
            JsonNode claims = Json.parse(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            Long exp = Json.longValue(claims, "exp");
            return exp == null ? java.util.Optional.empty() : java.util.Optional.of(Instant.ofEpochSecond(exp));
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
