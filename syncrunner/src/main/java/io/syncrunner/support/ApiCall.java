package io.syncrunner.support;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.time.Clock;

/**
 * The two halves around the one HTTP call of route {@code api-call}, shared by every provider.
 * <p>
 * The caller describes the request in exchange properties ({@link #BASE_URL}, {@link #METHOD}, {@link #PATH},
 * {@link #QUERY}, {@link #BODY}, {@link #AUTH}, {@link #ACTION}); {@link #prepare} turns them into the message
 * camel-http sends (clearing every other header, so nothing of the sync leaks to the server), and
 * {@link #check} turns a non-2xx answer into the {@link ApiCallException} subclass the error handlers act on.
 */
public final class ApiCall {
    public static final String BASE_URL = "apiBaseUrl";
    public static final String METHOD = "apiMethod";
    public static final String PATH = "apiPath";
    public static final String QUERY = "apiQuery";
    public static final String BODY = "apiBody";
    public static final String AUTH = "apiAuth";
    public static final String ACTION = "apiAction";
    public static final String ACCEPT = "apiAccept";
    /**
     * Non-2xx statuses the caller reads itself (a {@code Set<Integer>}, set after {@link #describe}, which clears it):
     * such an answer is left as the body, like a 2xx, instead of failing the call; {@link #STATUS} tells which.
     */
    public static final String READ_STATUSES = "apiReadStatuses";
    /** The status of the last answer {@link #check} let through (2xx or one of {@link #READ_STATUSES}). */
    public static final String STATUS = "apiStatus";
    /** The account's {@link ApiErrorHint}, asked about every failed call (none when unset). */
    public static final String ERROR_HINT = "apiErrorHint";
    private static final String CREDENTIAL_USED = "apiCredentialUsed";
    /** The endpoint the call goes to (set by {@link #prepare}; the api-call route sends to it). */
    public static final String ENDPOINT = "apiEndpoint";
    /** Whether the call goes out asynchronously (set by {@link #prepare}): its answer is then handled on a pool. */
    public static final String ASYNC = "apiAsync";

    private final Clock clock;
    private final boolean asyncReads;
    private final String readOptions;

    /** Every call through camel-http (blocking): what the unit tests use. */
    public ApiCall(Clock clock) {
        this(clock, false, 10_000, 60_000);
    }

    /**
     * @param asyncReads GET requests go through camel-vertx-http: no thread waits while the answer is on its way
     *                   (a status poll holds no thread for the API's latency); every other method (a trigger, a
     *                   cancel, a PATCH) stays on camel-http, whose exceptions tell a request that never left from
     *                   one whose outcome is unknown, which is what decides whether a trigger may be sent again
     */
    public ApiCall(Clock clock, boolean asyncReads, long connectTimeoutMillis, long responseTimeoutMillis) {
        this.clock = clock;
        this.asyncReads = asyncReads;
        this.readOptions = "throwExceptionOnFailure=false&webClientOptions=#apiReadClientOptions&connectTimeout="
                + connectTimeoutMillis + "&timeout=" + responseTimeoutMillis;
    }

    /**
     * Describes the next request. Each call runs on an exchange of its own ({@link OnOwnExchange}), so nothing the
     * error handler kept of an earlier call (its redelivery count, its marks of a failure it gave up on) applies.
     */
    public static void describe(Exchange exchange, String method, String path, String query, String body,
            String action) {
        exchange.setProperty(METHOD, method);
        exchange.setProperty(PATH, path);
        exchange.setProperty(QUERY, query);
        exchange.setProperty(BODY, body);
        exchange.setProperty(ACTION, action);
        exchange.removeProperty(READ_STATUSES);
    }

    /** Sets what camel-http needs for the described request; fetches a token if the account uses them. */
    public void prepare(Exchange exchange) {
        Message in = exchange.getMessage();
        // nothing of the sync or of an earlier answer goes out; the redelivery counters stay (Camel keeps them there)
        in.removeHeaders("*", "CamelRedelivery*", "CamelRedelivered");
        String method = exchange.getProperty(METHOD, "GET", String.class);
        String base = exchange.getProperty(BASE_URL, String.class);
        boolean async = asyncReads && "GET".equals(method);
        exchange.setProperty(ASYNC, async);
        String separator = base.contains("?") ? "&" : "?";
        exchange.setProperty(ENDPOINT, async ? "vertx-http:" + base + separator + readOptions
                : base + separator + "throwExceptionOnFailure=false");
        in.setHeader(Exchange.HTTP_METHOD, method);
        in.setHeader(Exchange.HTTP_PATH, exchange.getProperty(PATH, String.class));
        String query = exchange.getProperty(QUERY, String.class);
        if (query != null && !query.isEmpty()) {
            // camel-vertx-http encodes the query it is given (a %7C would go out as %257C): it gets it decoded
            in.setHeader(Exchange.HTTP_QUERY, async ? java.net.URLDecoder.decode(query.replace("+", "%2B"),
                    java.nio.charset.StandardCharsets.UTF_8) : query);
        }
        in.setHeader("Accept", exchange.getProperty(ACCEPT, "application/json", String.class));
        String body = exchange.getProperty(BODY, String.class);
        if (body != null) {
            in.setHeader(Exchange.CONTENT_TYPE, "application/json");
            in.setBody(body);
        } else {
            in.setBody(null);
        }
        ApiAuthorizer auth = exchange.getProperty(AUTH, ApiAuthorizer.NONE, ApiAuthorizer.class);
        Credential credential = auth.credential();
        exchange.setProperty(CREDENTIAL_USED, credential);
        if (credential != null) {
            in.setHeader("Authorization", credential.headerValue());
        }
    }

    /** Leaves the answer as a String body on 2xx; throws the fitting {@link ApiCallException} otherwise. */
    public void check(Exchange exchange) {
        Message in = exchange.getMessage();
        in.removeHeader("Authorization");
        Credential used = exchange.getProperty(CREDENTIAL_USED, Credential.class);
        exchange.removeProperty(CREDENTIAL_USED);
        int status = in.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = in.getBody(String.class);
        in.setBody(body);
        exchange.setProperty(STATUS, status);
        if (status >= 200 && status <= 299) {
            return;
        }
        java.util.Set<?> readByCaller = exchange.getProperty(READ_STATUSES, java.util.Set.class);
        if (readByCaller != null && readByCaller.contains(status)) {
            return;
        }
        String method = exchange.getProperty(METHOD, "GET", String.class);
        String path = exchange.getProperty(PATH, String.class);
        String request = method + " " + path;
        if (status == 401 && used != null) {
            exchange.getProperty(AUTH, ApiAuthorizer.NONE, ApiAuthorizer.class).rejected(used);
        }
        JsonNode problem = Json.parseLenient(body);
        String title = first(Json.text(problem, "title"), Json.text(problem, "code"));
        String detail = first(Json.text(problem.path("data"), "message"), Json.text(problem, "detail"),
                Json.text(problem, "message"));
        if (title == null && detail == null && body != null && !body.isBlank() && !body.trim().startsWith("{")) {
            detail = Json.abbreviate(body, 200);
        }
        ApiErrorHint hint = exchange.getProperty(ERROR_HINT, ApiErrorHint.NONE, ApiErrorHint.class);
        throw ApiCallException.of(exchange.getProperty(ACTION, "call the API", String.class), request, status, title,
                detail, RetryAfter.parse(in.getHeader("Retry-After", String.class), clock))
                .withHint(hint.explain(method,
                        ApiErrorHint.displayUrl(exchange.getProperty(BASE_URL, String.class)) + path, status));
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
