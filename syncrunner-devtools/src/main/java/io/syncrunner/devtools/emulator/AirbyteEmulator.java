package io.syncrunner.devtools.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.syncrunner.devtools.emulator.EmulatorHttp.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.syncrunner.devtools.emulator.EmulatorHttp.has;
import static io.syncrunner.devtools.emulator.EmulatorHttp.readJson;
import static io.syncrunner.devtools.emulator.EmulatorHttp.text;

/**
 * A stateful, in-process emulator of the Airbyte public API (jobs, connections, application tokens, health) built
 * on the JDK's {@link HttpServer}, with scripted job lifecycles, fault injection, a request log and an HTTP admin
 * interface under {@code /__emulator}.
 *
 * <p>The API is served under both {@code /v1} (Cloud / old standalone API server) and {@code /api/public/v1}
 * (self-managed server); the Config-API style token endpoint {@code POST /api/v1/applications/token} is served too.
 * Job statuses are computed lazily from each job's creation time and its connection's {@link JobScript}, so no timer
 * runs per job.
 *
 * <p>Loading this class sets the system property {@code sun.net.httpserver.nodelay=true} (unless already set):
 * without it every answer of the JDK server is delayed by ~40 ms on Linux loopback. If another JDK HttpServer was
 * created in the same JVM before, the property has no effect; pass {@code -Dsun.net.httpserver.nodelay=true}.
 *
 * <pre>{@code
 * try (AirbyteEmulator airbyte = AirbyteEmulator.builder().clientCredentials("demo-client", "demo-secret").build().start()) {
 *     airbyte.addConnection("9c1b...", "pending:200ms,running:1s,succeeded");
 *     String base = airbyte.baseUrl() + "/api/public/v1";
 * }
 * }</pre>
 */
public final class AirbyteEmulator extends AbstractEmulator {

    /** Cloud-style (and old standalone API server) prefix. */
    public static final String CLOUD_PREFIX = "/v1";
    /** Self-managed server prefix. */
    public static final String SELF_MANAGED_PREFIX = "/api/public/v1";
    /** Config-API style token endpoint (answers only access_token). */
    public static final String CONFIG_TOKEN_PATH = "/api/v1/applications/token";
    /** Prefix of the admin endpoints (never authenticated, never faulted, not recorded). */
    public static final String ADMIN_PREFIX = AbstractEmulator.ADMIN_PREFIX;
    /** Default token lifetime. */
    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofSeconds(180);
    /** Default worker-thread count. */
    public static final int DEFAULT_THREADS = 32;
    /**
     * Id of the first job by default: above 2^31, because the spec types {@code jobId} as int64 and a client that
     * reads it as a 32-bit int must fail against the emulator as it would against a long-lived Airbyte.
     */
    public static final long DEFAULT_FIRST_JOB_ID = 3_000_000_001L;

    private static final Logger LOG = LoggerFactory.getLogger(AirbyteEmulator.class);
    private static final ObjectMapper JSON = EmulatorHttp.JSON;
    private static final String ERRORS = "https://reference.airbyte.com/reference/errors";
    private static final String APPLICATION_JSON = EmulatorHttp.APPLICATION_JSON;
    private static final Set<String> JOB_TYPES = Set.of("sync", "reset", "clear", "refresh");
    private static final Set<String> JOB_STATUSES =
            Set.of("pending", "queued", "running", "incomplete", "failed", "succeeded", "cancelled");
    private static final Pattern JOB_PATH = Pattern.compile("/jobs/([^/]+)");
    private static final Pattern CONNECTION_PATH = Pattern.compile("/connections/([^/]+)");
    private static final Pattern ORDER_BY = Pattern.compile("([a-zA-Z0-9]+)\\|(ASC|DESC)");
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final Map<String, String> clients = new ConcurrentHashMap<>();
    private final Set<String> apiKeys = ConcurrentHashMap.newKeySet();
    private volatile String basicUser;
    private volatile String basicPassword;
    private volatile boolean requireAuth;
    private volatile Duration tokenTtl;
    private volatile Duration cancelDelay;

    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, EmulatedJob> jobs = new ConcurrentSkipListMap<>();
    private final AtomicLong jobIds;
    private final SecureRandom random = new SecureRandom();

    /** Name of the thread that notices job ends and posts their sync notifications. */
    public static final String NOTIFICATION_THREAD_NAME = "airbyte-emulator-notifications";
    /** The workspace the emulator's notifications name (Airbyte's summary carries one). */
    public static final String WORKSPACE_ID = "7d9b5f1e-3c2a-4e8f-9b1d-0a6c4e2f8b13";
    /**
     * The workspace's {@code NotificationsConfig} (GET/PATCH /workspaces/{workspaceId}): its success and failure
     * webhooks, when enabled, are where sync notifications are posted. Guarded by itself.
     */
    private final com.fasterxml.jackson.databind.node.ObjectNode workspaceNotifications = JSON.createObjectNode();
    private volatile String workspaceName = "Emulated workspace";
    /** The kinds of a {@code NotificationsConfig}. */
    private static final Set<String> NOTIFICATION_KINDS = Set.of("failure", "success", "connectionUpdate",
            "connectionUpdateActionRequired", "syncDisabled", "syncDisabledWarning");
    private static final Pattern WORKSPACE_PATH = Pattern.compile("/workspaces/([^/]+)");
    /** Jobs created while notifications were on, not yet ended (their notification is due at their end). */
    private final Set<Long> notificationsDue = ConcurrentHashMap.newKeySet();
    private final List<Notification> notifications = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile java.util.concurrent.ScheduledExecutorService notifier;
    private volatile java.net.http.HttpClient notificationClient;

    /**
     * One sync notification posted by the emulator (as Airbyte posts to a workspace's webhook when a sync succeeds
     * or fails).
     *
     * @param status the HTTP status the receiver answered, or -1 when the request failed ({@code error} says why)
     */
    public record Notification(Instant at, long jobId, String url, String body, int status, String error) {
    }

    private static final class Connection {
        final String id;
        final long createdAtEpoch;
        volatile JobScript script;
        volatile boolean active;
        volatile long rows;
        volatile long bytes;
        EmulatedJob lastJob; // guarded by this

        Connection(String id, long createdAtEpoch) {
            this.id = id;
            this.createdAtEpoch = createdAtEpoch;
        }
    }

    /** Where a request path points: the API prefix (or null) and the path without it. */
    private record Route(String prefix, String apiPath, boolean configApi) {
    }

    private AirbyteEmulator(Builder b) {
        super("Airbyte emulator", "airbyte-emulator", b);
        this.clients.putAll(b.clients);
        this.apiKeys.addAll(b.apiKeys);
        this.basicUser = b.basicUser;
        this.basicPassword = b.basicPassword;
        this.requireAuth = b.requireAuth;
        this.tokenTtl = b.tokenTtl;
        this.cancelDelay = b.cancelDelay;
        this.jobIds = new AtomicLong(b.firstJobId - 1);
    }

    /** Returns a builder with the defaults: random port, 32 threads, Basic airbyte/password, token TTL 180 s, auth required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Creates an emulator with all defaults (no client credentials; Basic airbyte/password works). */
    public static AirbyteEmulator create() {
        return builder().build();
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /** Binds 127.0.0.1 on the configured port and starts serving; returns this. */
    public AirbyteEmulator start() {
        startServer();
        return this;
    }

    @Override
    void beforeStart() {
        notificationClient = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        notifier = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, NOTIFICATION_THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        notifier.scheduleWithFixedDelay(this::notifyEndedJobs, 20, 20, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    void afterStop() {
        java.util.concurrent.ScheduledExecutorService n = notifier;
        notifier = null;
        if (n != null) {
            n.shutdownNow();
        }
    }

    /**
     * The webhook URL sync notifications are posted to (the workspace's "failed syncs" and "successful syncs"
     * webhook), or null (the default) for none. Jobs created while it is set are notified when they succeed or fail
     * (not when cancelled), once, without retries.
     */
    public AirbyteEmulator setNotificationWebhookUrl(String url) {
        String u = url == null || url.isBlank() ? null : url;
        synchronized (workspaceNotifications) {
            for (String kind : List.of("success", "failure")) {
                com.fasterxml.jackson.databind.node.ObjectNode config = workspaceNotifications.has(kind)
                        ? (com.fasterxml.jackson.databind.node.ObjectNode) workspaceNotifications.get(kind)
                        : workspaceNotifications.putObject(kind);
                if (u == null) {
                    config.remove("webhook");
                    if (config.isEmpty()) {
                        workspaceNotifications.remove(kind);
                    }
                } else {
                    config.putObject("webhook").put("enabled", true).put("url", u);
                }
            }
        }
        return this;
    }

    /** The workspace's {@code NotificationsConfig} now (a copy). */
    public JsonNode workspaceNotifications() {
        synchronized (workspaceNotifications) {
            return workspaceNotifications.deepCopy();
        }
    }

    /** Replaces the workspace's {@code NotificationsConfig} (null: none set), as a user in Airbyte's settings would. */
    public AirbyteEmulator setWorkspaceNotifications(JsonNode notifications) {
        synchronized (workspaceNotifications) {
            workspaceNotifications.removeAll();
            if (notifications != null && notifications.isObject()) {
                workspaceNotifications.setAll((com.fasterxml.jackson.databind.node.ObjectNode) notifications.deepCopy());
            }
        }
        return this;
    }

    /** The enabled webhook URL of the workspace for successful or failed syncs, or null. */
    private String notificationUrl(boolean success) {
        synchronized (workspaceNotifications) {
            JsonNode webhook = workspaceNotifications.path(success ? "success" : "failure").path("webhook");
            String url = webhook.path("url").asText("");
            return webhook.path("enabled").asBoolean(false) && !url.isBlank() ? url : null;
        }
    }

    /** The sync notifications posted so far, oldest first. */
    public List<Notification> notifications() {
        synchronized (notifications) {
            return List.copyOf(notifications);
        }
    }

    private void notifyEndedJobs() {
        Instant now = clock.instant();
        for (Long id : notificationsDue) {
            EmulatedJob job = jobs.get(id);
            if (job == null) {
                notificationsDue.remove(id);
                continue;
            }
            if (!job.isTerminalAt(now)) {
                continue;
            }
            notificationsDue.remove(id);
            String status = job.statusAt(now);
            String url = "succeeded".equals(status) || "failed".equals(status)
                    ? notificationUrl("succeeded".equals(status)) : null;
            if (url == null) {
                continue; // Airbyte notifies failed and successful syncs
            }
            String body = notificationBody(job, "succeeded".equals(status));
            int code = -1;
            String error = null;
            try {
                java.net.http.HttpResponse<Void> r = notificationClient.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(url)).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
                code = r.statusCode();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                error = e.toString();
            }
            LOG.debug("notification of job {} ({}) posted: {}", id, status, code);
            notifications.add(new Notification(clock.instant(), id, url, body, code, error));
        }
    }

    /**
     * The body Airbyte posts to a webhook (airbytehq/airbyte-platform airbyte-notification: a Slack-style message
     * whose {@code data} is the {@code SyncSummary}, isSuccess serialized as {@code success}).
     */
    private String notificationBody(EmulatedJob job, boolean success) {
        String base = "https://airbyte.emulator/workspaces/" + WORKSPACE_ID;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("workspace", Map.of("id", WORKSPACE_ID, "name", "Emulated workspace", "url", base));
        data.put("connection", Map.of("id", job.connectionId, "name", "Connection " + job.connectionId,
                "url", base + "/connections/" + job.connectionId));
        data.put("source", Map.of("id", UUID.nameUUIDFromBytes(("source:" + job.connectionId).getBytes(
                StandardCharsets.UTF_8)).toString(), "name", "Emulated source", "url", base + "/source"));
        data.put("destination", Map.of("id", UUID.nameUUIDFromBytes(("destination:" + job.connectionId).getBytes(
                StandardCharsets.UTF_8)).toString(), "name", "Emulated destination", "url", base + "/destination"));
        data.put("jobId", job.id);
        data.put("startedAt", job.createdAt.truncatedTo(ChronoUnit.SECONDS).toString());
        data.put("finishedAt", job.terminalAt().truncatedTo(ChronoUnit.SECONDS).toString());
        data.put("bytesEmitted", success ? job.bytes : 0L);
        data.put("bytesCommitted", success ? job.bytes : 0L);
        data.put("recordsEmitted", success ? job.rows : 0L);
        data.put("recordsCommitted", success ? job.rows : 0L);
        data.put("errorMessage", success ? null : "Emulated failure of job " + job.id);
        data.put("success", success);
        data.put("durationInSeconds", Duration.between(job.createdAt, job.terminalAt()).toSeconds());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("text", "Your connection " + job.connectionId + " " + (success ? "succeeded" : "failed")
                + "\nJob ID: " + job.id);
        body.put("data", data);
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>/v1}: the Cloud-style API base. */
    public String cloudApiUrl() {
        return baseUrl() + CLOUD_PREFIX;
    }

    /** {@code http://127.0.0.1:<port>/api/public/v1}: the self-managed API base. */
    public String selfManagedApiUrl() {
        return baseUrl() + SELF_MANAGED_PREFIX;
    }

    // ------------------------------------------------------------------------------------------------ settings

    /** Registers (or replaces) an application's client id and secret for the token endpoints. */
    public AirbyteEmulator addClientCredentials(String clientId, String clientSecret) {
        clients.put(Objects.requireNonNull(clientId, "clientId"), Objects.requireNonNull(clientSecret, "clientSecret"));
        return this;
    }

    /** Adds a static API key accepted as {@code Authorization: Bearer <key>}. */
    public AirbyteEmulator addApiKey(String apiKey) {
        apiKeys.add(Objects.requireNonNull(apiKey, "apiKey"));
        return this;
    }

    /** Sets the accepted HTTP Basic credentials; null user disables Basic auth. */
    public AirbyteEmulator setBasicAuth(String username, String password) {
        this.basicUser = username;
        this.basicPassword = username == null ? null : Objects.requireNonNull(password, "password");
        return this;
    }

    /** When false, requests without (or with unknown) credentials are accepted too, like an auth-disabled install. */
    public AirbyteEmulator setRequireAuth(boolean requireAuth) {
        this.requireAuth = requireAuth;
        return this;
    }

    /** Sets the lifetime of tokens issued from now on (e.g. {@code Duration.ofSeconds(1)} in tests). */
    public AirbyteEmulator setTokenTtl(Duration ttl) {
        this.tokenTtl = checkedTokenTtl(ttl);
        return this;
    }

    /** Sets the lifetime of tokens issued from now on, in seconds. */
    public AirbyteEmulator setTokenTtlSeconds(long seconds) {
        return setTokenTtl(Duration.ofSeconds(seconds));
    }

    /** The current token lifetime. */
    public Duration tokenTtl() {
        return tokenTtl;
    }

    /** Sets how long after a DELETE /jobs/{id} the job turns cancelled (0 = immediately). */
    public AirbyteEmulator setCancelDelay(Duration delay) {
        this.cancelDelay = checkedCancelDelay(delay);
        return this;
    }

    /** Makes every token issued so far invalid (the next call using one gets 401). */
    public void revokeAllTokens() {
        tokens.clear();
        LOG.debug("all issued tokens revoked");
    }

    /** Issues a token for a client directly (no HTTP call, not recorded); the client need not be registered. */
    public String issueToken(String clientId) {
        return newToken(clientId, clock.instant());
    }

    // ------------------------------------------------------------------------------------------------ connections

    /** Adds (or updates) an active connection whose new jobs follow {@code script}. */
    public AirbyteEmulator addConnection(String connectionId, String script) {
        return addConnection(connectionId, script, true, 0, 0);
    }

    /** Adds (or updates) a connection that is active or inactive. */
    public AirbyteEmulator addConnection(String connectionId, String script, boolean active) {
        return addConnection(connectionId, script, active, 0, 0);
    }

    /** Adds (or updates) a connection; rowsSynced/bytesSynced are reported by its succeeded jobs. */
    public AirbyteEmulator addConnection(String connectionId, String script, boolean active, long rowsSynced,
                                         long bytesSynced) {
        Objects.requireNonNull(connectionId, "connectionId");
        JobScript parsed = JobScript.parse(script);
        Connection c = connections.computeIfAbsent(connectionId,
                id -> new Connection(id, clock.instant().getEpochSecond()));
        c.script = parsed;
        c.active = active;
        c.rows = rowsSynced;
        c.bytes = bytesSynced;
        LOG.debug("connection {} set: script={} active={}", connectionId, parsed, active);
        return this;
    }

    /** Changes the script used by future jobs of a connection (running jobs keep theirs). */
    public AirbyteEmulator setConnectionScript(String connectionId, String script) {
        requireConnection(connectionId).script = JobScript.parse(script);
        return this;
    }

    /** Marks a connection active or inactive. */
    public AirbyteEmulator setConnectionActive(String connectionId, boolean active) {
        requireConnection(connectionId).active = active;
        return this;
    }

    /** Whether a connection with this id exists. */
    public boolean hasConnection(String connectionId) {
        return connections.containsKey(connectionId);
    }

    private Connection requireConnection(String connectionId) {
        Connection c = connections.get(connectionId);
        if (c == null) {
            throw new IllegalArgumentException("unknown connection " + connectionId);
        }
        return c;
    }

    // ------------------------------------------------------------------------------------------------ inspection

    /** Number of calls to the token endpoints. */
    public long tokenRequests() {
        return requestLog().tokenRequests();
    }

    /** Snapshot of all jobs, by id. */
    public List<JobSnapshot> jobs() {
        Instant now = clock.instant();
        List<JobSnapshot> out = new ArrayList<>(jobs.size());
        for (EmulatedJob j : jobs.values()) {
            out.add(j.snapshot(now));
        }
        return out;
    }

    /** Snapshot of one job, or empty if unknown. */
    public Optional<JobSnapshot> job(long jobId) {
        EmulatedJob j = jobs.get(jobId);
        return j == null ? Optional.empty() : Optional.of(j.snapshot(clock.instant()));
    }

    /** The instant the job reached its terminal status (from its script or cancellation), or empty if unknown or still running. */
    public Optional<Instant> jobFinishedAt(long jobId) {
        EmulatedJob j = jobs.get(jobId);
        if (j == null || !j.isTerminalAt(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(j.terminalAt());
    }

    /** Counters: requests, tokenRequests, triggers, faultsInjected, jobs, jobsByStatus. */
    @Override
    public Map<String, Object> stats() {
        Map<String, Long> byStatus = new TreeMap<>();
        Instant now = clock.instant();
        for (EmulatedJob j : jobs.values()) {
            byStatus.merge(j.statusAt(now), 1L, Long::sum);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", requestLog().total());
        m.put("tokenRequests", requestLog().tokenRequests());
        m.put("triggers", requestLog().triggers());
        m.put("faultsInjected", faults().injectedCount());
        m.put("jobs", (long) jobs.size());
        m.put("jobsByStatus", byStatus);
        return m;
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    @Override
    String apiPath(String path) {
        Route route = route(path);
        return route == null ? path : route.apiPath();
    }

    /** POST /jobs asks for a sync whatever its body says (the connection is the one the body names). */
    @Override
    boolean isTriggerPath(String method, String apiPath) {
        return "POST".equals(method) && "/jobs".equals(apiPath);
    }

    @Override
    Accepted accept(String method, String path, String apiPath, String query, HttpExchange ex, byte[] body) {
        AuthKind auth = classify(ex.getRequestHeaders().getFirst("Authorization"));
        boolean trigger = isTriggerPath(method, apiPath);
        String connectionId = trigger ? connectionIdOf(body) : null;
        Route route = route(path);
        return new Accepted(auth, connectionId, trigger, () -> process(method, route, path, query, auth, body, ex));
    }

    @Override
    Reply faultReply(FaultRule rule) {
        int status = rule.status();
        if (rule.body() != null) {
            return new Reply(status, APPLICATION_JSON, rule.body().getBytes(StandardCharsets.UTF_8), Map.of());
        }
        return genericProblem(status, "Injected fault");
    }

    @Override
    Reply unexpectedError(RuntimeException e) {
        return unexpectedProblem(String.valueOf(e.getMessage()));
    }

    private static Route route(String path) {
        if (path.equals(CONFIG_TOKEN_PATH)) {
            return new Route("/api/v1", "/applications/token", true);
        }
        for (String prefix : List.of(SELF_MANAGED_PREFIX, CLOUD_PREFIX)) {
            if (path.equals(prefix)) {
                return new Route(prefix, "/", false);
            }
            if (path.startsWith(prefix + "/")) {
                return new Route(prefix, path.substring(prefix.length()), false);
            }
        }
        if (path.equals("/health")) {
            return new Route("", "/health", false);
        }
        return null;
    }

    private Reply process(String method, Route route, String fullPath, String query, AuthKind auth, byte[] body,
                          HttpExchange ex) {
        if (route == null) {
            return notFoundPath(method, fullPath);
        }
        String apiPath = route.apiPath();
        if (apiPath.equals("/health")) {
            return "GET".equals(method) || "HEAD".equals(method)
                    ? Reply.text(200, "Successful operation") : methodNotAllowed(method, fullPath);
        }
        if (apiPath.equals("/applications/token")) {
            return "POST".equals(method)
                    ? token(body, ex.getRequestHeaders().getFirst("Content-Type"), route.configApi())
                    : methodNotAllowed(method, fullPath);
        }
        boolean jobsPath = apiPath.equals("/jobs");
        if (apiPath.equals("/workspaces")) {
            if (!"GET".equals(method)) {
                return methodNotAllowed(method, fullPath);
            }
            return authorized(auth) ? listWorkspaces(route.prefix(), query) : unauthorized(auth);
        }
        Matcher workspaceMatcher = WORKSPACE_PATH.matcher(apiPath);
        if (workspaceMatcher.matches()) {
            if (!Set.of("GET", "PATCH").contains(method)) {
                return methodNotAllowed(method, fullPath);
            }
            if (!authorized(auth)) {
                return unauthorized(auth);
            }
            return "GET".equals(method) ? getWorkspace(workspaceMatcher.group(1))
                    : updateWorkspace(workspaceMatcher.group(1), body);
        }
        if (apiPath.equals("/connections")) {
            if (!"GET".equals(method)) {
                return methodNotAllowed(method, fullPath);
            }
            return authorized(auth) ? listConnections(route.prefix(), query) : unauthorized(auth);
        }
        Matcher jobMatcher = JOB_PATH.matcher(apiPath);
        Matcher connectionMatcher = CONNECTION_PATH.matcher(apiPath);
        boolean jobPath = jobMatcher.matches();
        boolean connectionPath = connectionMatcher.matches();
        if (!jobsPath && !jobPath && !connectionPath) {
            return notFoundPath(method, fullPath);
        }
        if ((jobsPath && !Set.of("GET", "POST").contains(method))
                || (jobPath && !Set.of("GET", "DELETE").contains(method))
                || (connectionPath && !"GET".equals(method))) {
            return methodNotAllowed(method, fullPath);
        }
        if (!authorized(auth)) {
            return unauthorized(auth);
        }
        if (jobsPath) {
            return "POST".equals(method) ? createJob(body) : listJobs(route.prefix(), query);
        }
        if (jobPath) {
            Long id = parseJobId(jobMatcher.group(1));
            if (id == null) {
                return badRequest("Invalid job id: " + jobMatcher.group(1));
            }
            return "GET".equals(method) ? getJob(id) : cancelJob(id);
        }
        return getConnection(connectionMatcher.group(1));
    }

    // ------------------------------------------------------------------------------------------------ auth

    private AuthKind classify(String header) {
        if (header == null || header.isBlank()) {
            return AuthKind.NONE;
        }
        String h = header.trim();
        int space = h.indexOf(' ');
        if (space < 0) {
            return AuthKind.INVALID;
        }
        String scheme = h.substring(0, space);
        String value = h.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Bearer")) {
            Instant exp = tokens.get(value);
            if (exp != null && clock.instant().isBefore(exp)) {
                return AuthKind.BEARER_TOKEN;
            }
            return apiKeys.contains(value) ? AuthKind.API_KEY : AuthKind.INVALID;
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String user = basicUser;
            String pass = basicPassword;
            if (user == null) {
                return AuthKind.INVALID;
            }
            try {
                String decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
                return decoded.equals(user + ":" + pass) ? AuthKind.BASIC : AuthKind.INVALID;
            } catch (IllegalArgumentException e) {
                return AuthKind.INVALID;
            }
        }
        return AuthKind.INVALID;
    }

    private boolean authorized(AuthKind auth) {
        return !requireAuth || auth == AuthKind.BEARER_TOKEN || auth == AuthKind.BASIC || auth == AuthKind.API_KEY;
    }

    private static Reply unauthorized(AuthKind auth) {
        String detail = auth == AuthKind.NONE
                ? "No credentials were provided. Send an Authorization header with a Bearer access token."
                : "The provided credentials are invalid, expired or revoked.";
        return problem(401, "invalid-api-key", ERRORS + "#invalid-api-key", detail, null);
    }

    private Reply token(byte[] body, String contentType, boolean configStyle) {
        Map<String, String> fields = parseTokenBody(body, contentType);
        if (fields == null) {
            return badRequest("The token request body could not be parsed.");
        }
        String clientId = fields.get("client_id");
        String clientSecret = fields.get("client_secret");
        if (clientId == null || clientId.isBlank() || clientSecret == null || clientSecret.isBlank()) {
            return badRequest("client_id and client_secret are required.");
        }
        String expected = clients.get(clientId);
        if (expected == null || !expected.equals(clientSecret)) {
            return problem(401, "invalid-api-key", ERRORS + "#invalid-api-key", "Invalid client credentials.", null);
        }
        String token = newToken(clientId, clock.instant());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("access_token", token);
        if (!configStyle) {
            out.put("token_type", "Bearer");
            out.put("expires_in", ttlSeconds(tokenTtl));
        }
        return Reply.json(200, out);
    }

    private static long ttlSeconds(Duration ttl) {
        long s = ttl.getSeconds();
        return ttl.getNano() > 0 ? s + 1 : s;
    }

    private static Map<String, String> parseTokenBody(byte[] body, String contentType) {
        String text = new String(body, StandardCharsets.UTF_8).trim();
        if (text.isEmpty()) {
            return Map.of();
        }
        boolean form = contentType != null
                && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
        if (!form && text.startsWith("{")) {
            JsonNode node = readJson(body);
            if (node == null || !node.isObject()) {
                return null;
            }
            Map<String, String> out = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                    out.put(e.getKey(), e.getValue().asText());
                }
            });
            return out;
        }
        if (!form && contentType != null && contentType.toLowerCase(Locale.ROOT).contains("json")) {
            return null;
        }
        try {
            return parseForm(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private String newToken(String clientId, Instant now) {
        Instant expiresAt = now.plus(tokenTtl);
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "HS256");
        header.put("typ", "JWT");
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("sub", clientId);
        payload.put("iat", now.getEpochSecond());
        payload.put("exp", expiresAt.getEpochSecond() + (expiresAt.getNano() > 0 ? 1 : 0));
        payload.put("jti", UUID.randomUUID().toString());
        byte[] signature = new byte[32];
        random.nextBytes(signature);
        String token;
        try {
            token = B64URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
                    + B64URL.encodeToString(JSON.writeValueAsBytes(payload)) + "." + B64URL.encodeToString(signature);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        if (tokens.size() > 10_000) {
            tokens.values().removeIf(exp -> !now.isBefore(exp));
        }
        tokens.put(token, expiresAt);
        return token;
    }

    // ------------------------------------------------------------------------------------------------ jobs

    private Reply createJob(byte[] body) {
        JsonNode node = readJson(body);
        if (node == null || !node.isObject()) {
            return badRequest("The request body must be a JSON object with connectionId and jobType.");
        }
        String connectionId = text(node, "connectionId");
        String jobType = text(node, "jobType");
        if (connectionId == null || connectionId.isBlank()) {
            return badRequest("connectionId is required.");
        }
        if (jobType == null || jobType.isBlank()) {
            return badRequest("jobType is required.");
        }
        if (!JOB_TYPES.contains(jobType)) {
            return badRequest("Invalid jobType: " + jobType);
        }
        Connection c = connections.get(connectionId);
        if (c == null) {
            return notFound("connection", connectionId);
        }
        if ("refresh".equals(jobType)) {
            return problem(422, "unprocessable-entity", ERRORS + "#unprocessable-entity",
                    "The body of the request was not understood",
                    Map.of("message", "Refreshes are not supported in the public API"));
        }
        EmulatedJob job;
        Instant now;
        synchronized (c) {
            now = clock.instant();
            if (!c.active) {
                return stateConflict("Could not fulfill request");
            }
            EmulatedJob last = c.lastJob;
            if (last != null && !last.isTerminalAt(now)) {
                return problem(409, "try-again-later", ERRORS + "#try-again-later", "Please try again later.",
                        Map.of("message", "A sync is already running for: " + connectionId));
            }
            job = new EmulatedJob(jobIds.incrementAndGet(), connectionId, jobType, now, c.script, c.rows, c.bytes);
            c.lastJob = job;
            jobs.put(job.id, job);
            if (notificationUrl(true) != null || notificationUrl(false) != null) {
                notificationsDue.add(job.id);
            }
        }
        LOG.debug("job {} created for connection {} ({}), script {}", job.id, connectionId, jobType, job.script);
        return Reply.json(200, jobResponse(job, now));
    }

    private Reply getJob(long id) {
        EmulatedJob job = jobs.get(id);
        return job == null ? notFound("job", String.valueOf(id)) : Reply.json(200, jobResponse(job, clock.instant()));
    }

    private Reply cancelJob(long id) {
        EmulatedJob job = jobs.get(id);
        if (job == null) {
            return notFound("job", String.valueOf(id));
        }
        Instant now = clock.instant();
        if (!job.requestCancel(now, cancelDelay)) {
            return stateConflict("Job is not currently running");
        }
        LOG.debug("job {} cancel requested", id);
        return Reply.json(200, jobResponse(job, now));
    }

    private Reply listJobs(String prefix, String rawQuery) {
        Map<String, String> q;
        try {
            q = parseForm(rawQuery == null ? "" : rawQuery);
        } catch (IllegalArgumentException e) {
            return badRequest("Invalid query string.");
        }
        Page page;
        try {
            page = Page.of(q);
        } catch (IllegalArgumentException e) {
            return badRequest(e.getMessage());
        }
        String connectionId = q.get("connectionId");
        if (connectionId != null && !connections.containsKey(connectionId)) {
            return notFound("connection", connectionId);
        }
        String jobType = q.get("jobType");
        if (jobType != null && !JOB_TYPES.contains(jobType)) {
            return badRequest("Invalid jobType: " + jobType);
        }
        String status = q.get("status");
        if (status != null && !JOB_STATUSES.contains(status)) {
            return badRequest("Invalid status: " + status);
        }
        String orderField = "createdAt";
        boolean descending = false;
        if (q.containsKey("orderBy")) {
            Matcher m = ORDER_BY.matcher(q.get("orderBy"));
            if (!m.matches() || !Set.of("createdAt", "updatedAt").contains(m.group(1))) {
                return badRequest("Invalid order by clause provided");
            }
            orderField = m.group(1);
            descending = "DESC".equals(m.group(2));
        }
        Instant now = clock.instant();
        List<EmulatedJob> selected = new ArrayList<>();
        for (EmulatedJob j : jobs.values()) {
            if ((connectionId == null || connectionId.equals(j.connectionId))
                    && (jobType == null || jobType.equals(j.jobType))
                    && (status == null || status.equals(j.statusAt(now)))) {
                selected.add(j);
            }
        }
        Comparator<EmulatedJob> order = "updatedAt".equals(orderField)
                ? Comparator.comparing((EmulatedJob j) -> j.lastUpdatedAt(now))
                : Comparator.comparing((EmulatedJob j) -> j.createdAt);
        order = order.thenComparingLong(j -> j.id);
        if (descending) {
            order = order.reversed();
        }
        selected.sort(order);
        return pagedList(prefix, "/jobs", q, page, selected, j -> jobResponse(j, now));
    }

    /** {@code limit} (1..100, default 20) and {@code offset} (>= 0) of a paged list, as the public API reads them. */
    private record Page(int limit, int offset) {
        /** @throws IllegalArgumentException with the bad-request detail when limit or offset is not acceptable */
        static Page of(Map<String, String> q) {
            int limit;
            int offset;
            try {
                limit = q.containsKey("limit") ? Integer.parseInt(q.get("limit")) : 20;
                offset = q.containsKey("offset") ? Integer.parseInt(q.get("offset")) : 0;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("limit and offset must be integers.");
            }
            if (limit < 1 || limit > 100) {
                throw new IllegalArgumentException("limit must be between 1 and 100.");
            }
            if (offset < 0) {
                throw new IllegalArgumentException("offset must be >= 0.");
            }
            return new Page(limit, offset);
        }
    }

    /** One page of a list, with the {@code previous} and {@code next} links of the public API's list answers. */
    private <T> Reply pagedList(String prefix, String path, Map<String, String> q, Page page, List<T> items,
            java.util.function.Function<T, Map<String, Object>> answer) {
        List<Map<String, Object>> data = new ArrayList<>();
        for (int i = page.offset(); i < items.size() && i < page.offset() + page.limit(); i++) {
            data.add(answer.apply(items.get(i)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (page.offset() > 0) {
            out.put("previous", pageUrl(prefix, path, q, page.limit(), Math.max(0, page.offset() - page.limit())));
        }
        if (page.offset() + page.limit() < items.size()) {
            out.put("next", pageUrl(prefix, path, q, page.limit(), page.offset() + page.limit()));
        }
        out.put("data", data);
        return Reply.json(200, out);
    }

    private String pageUrl(String prefix, String path, Map<String, String> query, int limit, int offset) {
        Map<String, String> q = new LinkedHashMap<>(query);
        q.put("limit", String.valueOf(limit));
        q.put("offset", String.valueOf(offset));
        StringBuilder sb = new StringBuilder(baseUrl()).append(prefix).append(path).append('?');
        boolean first = true;
        for (Map.Entry<String, String> e : q.entrySet()) {
            if (!first) {
                sb.append('&');
            }
            first = false;
            sb.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    private Map<String, Object> jobResponse(EmulatedJob job, Instant now) {
        String status = job.statusAt(now);
        boolean terminal = job.isTerminalAt(now);
        boolean succeeded = "succeeded".equals(status);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobId", job.id);
        m.put("status", status);
        m.put("jobType", job.jobType);
        m.put("startTime", iso(job.createdAt));
        m.put("connectionId", job.connectionId);
        if (terminal) {
            m.put("lastUpdatedAt", iso(job.terminalAt()));
        }
        if (!"pending".equals(status)) {
            Instant end = terminal ? job.terminalAt() : now;
            long seconds = Math.max(0, Duration.between(job.createdAt, end).getSeconds());
            m.put("duration", Duration.ofSeconds(seconds).toString());
        }
        m.put("bytesSynced", succeeded ? job.bytes : 0L);
        m.put("rowsSynced", succeeded ? job.rows : 0L);
        return m;
    }

    /**
     * Airbyte's JobResponseMapper writes {@code OffsetDateTime.toString()} in UTC of a time kept in whole seconds:
     * {@code 2023-03-25T01:30:50Z}, and {@code 2023-03-25T01:30Z} when the seconds are 0.
     */
    static String iso(Instant instant) {
        return OffsetDateTime.ofInstant(instant.truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC).toString();
    }

    private static Long parseJobId(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------------ workspaces

    /**
     * {@code GET /workspaces}: the one workspace every emulated connection belongs to, as a {@code WorkspacesResponse}
     * ({@code data} of {@code WorkspaceResponse}: workspaceId, name, dataResidency, notifications), paged by
     * {@code limit} (1..100, default 20) and {@code offset}.
     */
    private Reply listWorkspaces(String prefix, String rawQuery) {
        Map<String, String> q;
        try {
            q = parseForm(rawQuery == null ? "" : rawQuery);
        } catch (IllegalArgumentException e) {
            return badRequest("Invalid query string.");
        }
        Page page;
        try {
            page = Page.of(q);
        } catch (IllegalArgumentException e) {
            return badRequest(e.getMessage());
        }
        return pagedList(prefix, "/workspaces", q, page, List.of(workspaceMap()), w -> w);
    }

    /** A {@code WorkspaceResponse} of the one workspace. */
    private Map<String, Object> workspaceMap() {
        Map<String, Object> workspace = new LinkedHashMap<>();
        workspace.put("workspaceId", workspaceId());
        workspace.put("name", workspaceName);
        workspace.put("dataResidency", "auto");
        workspace.put("notifications", workspaceNotifications());
        return workspace;
    }

    /** {@code GET /workspaces/{workspaceId}}: a {@code WorkspaceResponse}, 404 for another workspace. */
    private Reply getWorkspace(String id) {
        return workspaceId().equals(id) ? Reply.json(200, workspaceMap()) : notFound("workspace", id);
    }

    /**
     * {@code PATCH /workspaces/{workspaceId}} with a {@code WorkspaceUpdateRequest}: {@code name} and each
     * {@code NotificationConfig} its {@code notifications} names replace the workspace's (the kinds it leaves out
     * stay); answers the {@code WorkspaceResponse}. A body that is not of the spec's shape gets 400 and changes
     * nothing.
     */
    private Reply updateWorkspace(String id, byte[] body) {
        if (!workspaceId().equals(id)) {
            return notFound("workspace", id);
        }
        JsonNode node = readJson(body);
        if (node == null || !node.isObject()) {
            return badRequest("The request body must be a JSON object (a WorkspaceUpdateRequest).");
        }
        JsonNode name = node.get("name");
        if (name != null && !name.isTextual()) {
            return badRequest("name must be a string");
        }
        JsonNode notifications = node.get("notifications");
        if (notifications != null) {
            String problem = notificationsProblem(notifications);
            if (problem != null) {
                return badRequest(problem);
            }
        }
        if (name != null) {
            workspaceName = name.asText();
        }
        if (notifications != null) {
            synchronized (workspaceNotifications) {
                notifications.fields().forEachRemaining(e -> workspaceNotifications.set(e.getKey(), e.getValue()));
            }
        }
        return Reply.json(200, workspaceMap());
    }

    /** What is wrong with a {@code NotificationsConfig}, or null. */
    private static String notificationsProblem(JsonNode notifications) {
        if (!notifications.isObject()) {
            return "notifications must be an object (a NotificationsConfig)";
        }
        for (var it = notifications.fields(); it.hasNext(); ) {
            var kind = it.next();
            if (!NOTIFICATION_KINDS.contains(kind.getKey())) {
                return "notifications." + kind.getKey() + " is not a notification kind: one of "
                        + new java.util.TreeSet<>(NOTIFICATION_KINDS);
            }
            JsonNode config = kind.getValue();
            if (!config.isObject()) {
                return "notifications." + kind.getKey() + " must be an object (a NotificationConfig)";
            }
            for (var f = config.fields(); f.hasNext(); ) {
                var channel = f.next();
                String where = "notifications." + kind.getKey() + "." + channel.getKey();
                if (!Set.of("email", "webhook").contains(channel.getKey())) {
                    return where + " is not a notification channel: email or webhook";
                }
                JsonNode c = channel.getValue();
                if (!c.isObject()) {
                    return where + " must be an object";
                }
                if (c.has("enabled") && !c.get("enabled").isBoolean()) {
                    return where + ".enabled must be a boolean";
                }
                if ("webhook".equals(channel.getKey()) && c.has("url") && !c.get("url").isTextual()) {
                    return where + ".url must be a string";
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ connections

    /**
     * {@code GET /connections}: a {@code ConnectionsResponse} ({@code data} of {@code ConnectionResponse}, by id) of the
     * connections of the workspaces {@code workspaceIds} names (repeated, or comma-separated; all when absent),
     * paged by {@code limit} (1..100, default 20) and {@code offset} with {@code next}/{@code previous} links.
     */
    private Reply listConnections(String prefix, String rawQuery) {
        Map<String, String> q;
        try {
            q = parseForm(rawQuery == null ? "" : rawQuery);
        } catch (IllegalArgumentException e) {
            return badRequest("Invalid query string.");
        }
        Page page;
        try {
            page = Page.of(q);
        } catch (IllegalArgumentException e) {
            return badRequest(e.getMessage());
        }
        List<String> workspaceIds = new ArrayList<>();
        for (String pair : (rawQuery == null ? "" : rawQuery).split("&")) {
            if (pair.startsWith("workspaceIds=")) {
                for (String id : URLDecoder.decode(pair.substring("workspaceIds=".length()), StandardCharsets.UTF_8)
                        .split(",")) {
                    try {
                        workspaceIds.add(UUID.fromString(id.trim()).toString());
                    } catch (IllegalArgumentException e) {
                        return badRequest("Invalid workspaceIds: " + id);
                    }
                }
            }
        }
        boolean ours = workspaceIds.isEmpty() || workspaceIds.contains(derivedUuid("workspace", "default"));
        List<Connection> selected = ours ? connections.values().stream().sorted(Comparator.comparing(c -> c.id))
                .toList() : List.of();
        Map<String, String> links = new LinkedHashMap<>(q);
        return pagedList(prefix, "/connections", links, page, selected, this::connectionMap);
    }

    private Reply getConnection(String connectionId) {
        Connection c = connections.get(connectionId);
        if (c == null) {
            return notFound("connection", connectionId);
        }
        return Reply.json(200, connectionMap(c));
    }

    /** A {@code ConnectionResponse}. */
    private Map<String, Object> connectionMap(Connection c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connectionId", c.id);
        m.put("name", "Emulated connection " + c.id);
        m.put("sourceId", derivedUuid("source", c.id));
        m.put("destinationId", derivedUuid("destination", c.id));
        m.put("workspaceId", derivedUuid("workspace", "default"));
        m.put("status", c.active ? "active" : "inactive");
        m.put("schedule", Map.of("scheduleType", "manual"));
        m.put("configurations", Map.of());
        m.put("createdAt", c.createdAtEpoch);
        m.put("tags", List.of());
        return m;
    }

    /** The id of the one workspace every emulated connection belongs to (as {@code GET /workspaces} lists it). */
    public static String workspaceId() {
        return derivedUuid("workspace", "default");
    }

    private static String derivedUuid(String kind, String id) {
        return UUID.nameUUIDFromBytes((kind + ":" + id).getBytes(StandardCharsets.UTF_8)).toString();
    }

    // ------------------------------------------------------------------------------------------------ admin

    @Override
    Reply handleOwnAdmin(String method, String path, String query, byte[] body) {
        switch (method + " " + path) {
            case "GET /connections": {
                List<Map<String, Object>> out = new ArrayList<>();
                connections.values().stream().sorted(Comparator.comparing(c -> c.id))
                        .forEach(c -> out.add(connectionAdminMap(c)));
                return Reply.json(200, out);
            }
            case "POST /connections":
                return adminAddConnection(body);
            case "GET /jobs":
                return Reply.json(200, jobs().stream().map(AirbyteEmulator::jobSnapshotMap).toList());
            case "POST /tokens/revoke":
                revokeAllTokens();
                return Reply.json(200, Map.of("revoked", true));
            case "POST /settings":
                return adminSettings(body);
            default:
                return notFoundPath(method, ADMIN_PREFIX + path);
        }
    }

    @Override
    Reply invalidRequest(String message) {
        return badRequest(message);
    }

    private Reply adminAddConnection(byte[] body) {
        JsonNode n = readJson(body);
        if (n == null || !n.isObject()) {
            return badRequest("A JSON object is required.");
        }
        String id = text(n, "connectionId");
        if (id == null || id.isBlank()) {
            return badRequest("connectionId is required.");
        }
        String script = text(n, "script");
        if (script == null) {
            Connection existing = connections.get(id);
            script = existing != null ? existing.script.toString() : "running:1s,succeeded";
        }
        try {
            addConnection(id, script, n.path("active").asBoolean(true), n.path("rowsSynced").asLong(0),
                    n.path("bytesSynced").asLong(0));
        } catch (IllegalArgumentException e) {
            return badRequest(e.getMessage());
        }
        return Reply.json(200, connectionAdminMap(connections.get(id)));
    }

    private Reply adminSettings(byte[] body) {
        JsonNode n = readJson(body);
        if (n == null || !n.isObject()) {
            return badRequest("A JSON object is required.");
        }
        try {
            if (has(n, "requireAuth")) {
                setRequireAuth(n.get("requireAuth").asBoolean());
            }
            if (has(n, "tokenTtlMs")) {
                setTokenTtl(Duration.ofMillis(n.get("tokenTtlMs").asLong()));
            }
            if (has(n, "cancelDelayMs")) {
                setCancelDelay(Duration.ofMillis(n.get("cancelDelayMs").asLong()));
            }
        } catch (IllegalArgumentException e) {
            return badRequest(e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requireAuth", requireAuth);
        out.put("tokenTtlMs", tokenTtl.toMillis());
        out.put("cancelDelayMs", cancelDelay.toMillis());
        return Reply.json(200, out);
    }

    private static Map<String, Object> connectionAdminMap(Connection c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connectionId", c.id);
        m.put("script", c.script.toString());
        m.put("active", c.active);
        m.put("rowsSynced", c.rows);
        m.put("bytesSynced", c.bytes);
        return m;
    }

    private static Map<String, Object> jobSnapshotMap(JobSnapshot j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobId", j.jobId());
        m.put("connectionId", j.connectionId());
        m.put("jobType", j.jobType());
        m.put("status", j.status());
        m.put("createdAt", j.createdAt().toString());
        m.put("finishedAt", j.finishedAt().map(Instant::toString).orElse(null));
        m.put("scheduledFinishAt", j.scheduledFinishAt().toString());
        m.put("cancelRequested", j.cancelRequested());
        m.put("rowsSynced", j.rowsSynced());
        m.put("bytesSynced", j.bytesSynced());
        m.put("script", j.script());
        return m;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static String connectionIdOf(byte[] body) {
        JsonNode n = readJson(body);
        return n != null && n.isObject() ? text(n, "connectionId") : null;
    }

    private static Map<String, String> parseForm(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isEmpty()) {
            return out;
        }
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(key, value);
        }
        return out;
    }

    private static Reply problem(int status, String title, String type, String detail, Map<String, Object> data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("type", type);
        m.put("title", title);
        m.put("detail", detail);
        if (data != null) {
            m.put("data", data);
        }
        return Reply.json(status, m);
    }

    private static Reply badRequest(String message) {
        return problem(400, "bad-request", ERRORS + "#bad-request", "The request could not be understood by the server due to malformed syntax.",
                Map.of("message", message));
    }

    private static Reply notFound(String resourceType, String resourceId) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("resourceType", resourceType);
        data.put("resourceId", resourceId);
        return problem(404, "resource-not-found", ERRORS + "#resource-not-found",
                "The requested resource could not be found.", data);
    }

    private static Reply notFoundPath(String method, String path) {
        return problem(404, "resource-not-found", ERRORS + "#resource-not-found",
                "No route for " + method + " " + path, null);
    }

    private static Reply methodNotAllowed(String method, String path) {
        return problem(405, "method-not-allowed", ERRORS + "#method-not-allowed",
                "Method " + method + " is not allowed on " + path, null);
    }

    private static Reply stateConflict(String message) {
        return problem(409, "state-conflict", ERRORS + "#409-state-conflict",
                "State conflict", Map.of("message", message));
    }

    /**
     * The problem Airbyte sends for a status, with the type, title and detail defaults of its schema in
     * api-problems.yaml (named per case); {@code message} goes to {@code data.message} where the schema has it.
     */
    private static Reply genericProblem(int status, String message) {
        return switch (status) {
            case 400 -> badRequest(message); // BadRequestProblemResponse
            case 401 -> problem(401, "invalid-api-key", ERRORS + "#invalid-api-key", // InvalidApiKeyProblemResponse
                    "The API key in the Authorization header is invalid.", null);
            case 403 -> problem(403, "forbidden", ERRORS + "#forbidden", "The request is forbidden.", // ForbiddenProblemResponse
                    Map.of("message", message));
            case 404 -> problem(404, "resource-not-found", ERRORS + "#resource-not-found", // ResourceNotFoundProblemResponse
                    "The requested resource could not be found.", null);
            case 408 -> problem(408, "Request timeout exceeded", "error:request-timeout-exceeded", // RequestTimeoutExceededProblemResponse
                    "The request has exceeded the timeout associated with this endpoint.", null);
            case 409 -> problem(409, "try-again-later", ERRORS + "#try-again-later", "Please try again later.", // TryAgainLaterConflictProblemResponse
                    Map.of("message", message));
            case 422 -> problem(422, "unprocessable-entity", ERRORS + "#unprocessable-entity", // UnprocessableEntityProblemResponse
                    "The body of the request was not understood", Map.of("message", message));
            case 429 -> Reply.json(429, Map.of("message", "You are being rate limited.")); // PublicApiLoadShedFilter
            case 500 -> unexpectedProblem(message); // UnexpectedProblemResponse
            case 503 -> problem(503, "service-unavailable", ERRORS, // ServiceUnavailableProblemResponse
                    "The server is currently unable to handle the request.", null);
            default -> problem(status, "error-" + status, ERRORS, message, Map.of("message", message));
        };
    }

    private static Reply unexpectedProblem(String message) {
        return problem(500, "unexpected-problem", ERRORS, "An unexpected problem has occurred. If this is an error"
                + " that needs to be addressed, please submit a pull request or github issue.", Map.of("message", message));
    }

    private static Duration checkedTokenTtl(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("token TTL must be positive");
        }
        return ttl;
    }

    private static Duration checkedCancelDelay(Duration delay) {
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("cancel delay must be >= 0");
        }
        return delay;
    }

    // ------------------------------------------------------------------------------------------------ builder

    /** Settings for an {@link AirbyteEmulator}; see also the common ones (port, threads, clock, requestLogLimit). */
    public static final class Builder extends BuilderBase<Builder> {
        private final Map<String, String> clients = new LinkedHashMap<>();
        private final List<String> apiKeys = new ArrayList<>();
        private String basicUser = "airbyte";
        private String basicPassword = "password";
        private boolean requireAuth = true;
        private Duration tokenTtl = DEFAULT_TOKEN_TTL;
        private Duration cancelDelay = Duration.ZERO;
        private long firstJobId = DEFAULT_FIRST_JOB_ID;

        private Builder() {
            super(DEFAULT_THREADS);
        }

        @Override
        Builder self() {
            return this;
        }

        /** Registers an application (client id and secret) accepted by the token endpoints; may be called repeatedly. */
        public Builder clientCredentials(String clientId, String clientSecret) {
            clients.put(Objects.requireNonNull(clientId), Objects.requireNonNull(clientSecret));
            return this;
        }

        /** Lifetime of issued tokens (default 180 s). */
        public Builder tokenTtl(Duration ttl) {
            this.tokenTtl = checkedTokenTtl(ttl);
            return this;
        }

        /** Accepted HTTP Basic credentials (default airbyte/password). */
        public Builder basicAuth(String username, String password) {
            this.basicUser = Objects.requireNonNull(username);
            this.basicPassword = Objects.requireNonNull(password);
            return this;
        }

        /** Disables HTTP Basic authentication. */
        public Builder noBasicAuth() {
            this.basicUser = null;
            this.basicPassword = null;
            return this;
        }

        /** Adds a static API key accepted as a bearer token; may be called repeatedly. */
        public Builder apiKey(String apiKey) {
            apiKeys.add(Objects.requireNonNull(apiKey));
            return this;
        }

        /** Whether API calls need valid credentials (default true). */
        public Builder requireAuth(boolean requireAuth) {
            this.requireAuth = requireAuth;
            return this;
        }

        /** Delay between a DELETE /jobs/{id} and the job turning cancelled (default 0). */
        public Builder cancelDelay(Duration delay) {
            this.cancelDelay = checkedCancelDelay(delay);
            return this;
        }

        /** Id of the first job (default {@value #DEFAULT_FIRST_JOB_ID}); later jobs count up from it. */
        public Builder firstJobId(long firstJobId) {
            if (firstJobId < 1) {
                throw new IllegalArgumentException("firstJobId must be >= 1");
            }
            this.firstJobId = firstJobId;
            return this;
        }

        /** Creates the (not yet started) emulator. */
        public AirbyteEmulator build() {
            return new AirbyteEmulator(this);
        }
    }

    // ------------------------------------------------------------------------------------------------ main

    /**
     * Runs a standalone emulator until the process is killed. Options: {@code --port=N} (default 8006),
     * {@code --client-id=ID --client-secret=SECRET}, {@code --token-ttl=180s}, {@code --no-auth}, {@code --first-job-id=N}
     * (default {@value #DEFAULT_FIRST_JOB_ID}), {@code --notification-url=URL} (sync notifications, off by default),
     * {@code --connection=ID:SCRIPT} (repeatable; SCRIPT uses the JobScript syntax).
     */
    public static void main(String[] args) throws InterruptedException {
        Builder b = builder().port(8006);
        List<String[]> conns = new ArrayList<>();
        String clientId = null;
        String clientSecret = null;
        String notificationUrl = null;
        for (Option o : Option.parse(args)) {
            String value = o.value();
            switch (o.key()) {
                case "--port" -> b.port(Integer.parseInt(value));
                case "--client-id" -> clientId = value;
                case "--client-secret" -> clientSecret = value;
                case "--token-ttl" -> b.tokenTtl(JobScript.parseDuration(value));
                case "--no-auth" -> b.requireAuth(false);
                case "--first-job-id" -> b.firstJobId(Long.parseLong(value));
                case "--notification-url" -> notificationUrl = value;
                case "--connection" -> {
                    int colon = value.indexOf(':');
                    if (colon < 0) {
                        throw new IllegalArgumentException("--connection needs ID:SCRIPT");
                    }
                    conns.add(new String[] {value.substring(0, colon), value.substring(colon + 1)});
                }
                default -> throw o.unknown();
            }
        }
        if (clientId != null && clientSecret != null) {
            b.clientCredentials(clientId, clientSecret);
        }
        AirbyteEmulator emulator = b.build();
        conns.forEach(c -> emulator.addConnection(c[0], c[1]));
        emulator.setNotificationWebhookUrl(notificationUrl);
        emulator.start().serveUntilKilled();
    }
}
