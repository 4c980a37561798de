package io.syncrunner.devtools.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.syncrunner.devtools.emulator.EmulatorHttp.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.syncrunner.devtools.emulator.EmulatorHttp.has;
import static io.syncrunner.devtools.emulator.EmulatorHttp.readJson;
import static io.syncrunner.devtools.emulator.EmulatorHttp.text;

/**
 * A stateful, in-process emulator of the parts of the Fivetran REST API v1 that a sync runner uses (connection
 * details, sync, re-sync, PATCH, webhooks), built on the JDK's HttpServer with the same fault rules, request log
 * and admin interface ({@code /__emulator}) as {@link AirbyteEmulator}.
 *
 * <p>Answers follow the official OpenAPI definition (envelope {@code {"code":"Success","message"?,"data"}},
 * required fields of ConnectorResponseV1 / ConnectorStatusResponse / WebhookResponse). Where the spec and the live
 * API differ the spec wins by default: {@code succeeded_at}/{@code failed_at} are OMITTED while never set (the spec
 * types them as non-nullable strings); {@link Builder#nullTimestamps(boolean)} sends explicit nulls like the live
 * API. Note: the spec's {@code sync_frequency} enum lists strings for an integer field, so no value of it validates
 * in a strict validator; the emulator sends the integer, as the live API does.
 *
 * <p>Sync state is computed lazily from each run's start time and the connector's script (see
 * {@link EmulatedConnector}); no thread runs per connector. One scheduled thread ({@value #WEBHOOK_THREAD_NAME})
 * notices run ends at their end instant and hands their {@code sync_end} webhooks to a pool of senders
 * ({@value #DEFAULT_WEBHOOK_SENDERS} by default, {@link Builder#webhookSenders(int)}), so that many runs ending at
 * once are not delivered one after the other.
 *
 * <p>Choices where the docs are silent or vague:
 * <ul>
 *   <li>{@code POST .../sync} on a paused connector: 200 with the usual success message, no sync starts.</li>
 *   <li>{@code POST .../sync} or {@code .../resync} on a connector whose setup_state is not {@code connected}: 400
 *       {@code {"code":"InvalidState"}}.</li>
 *   <li>{@code POST .../sync} with force=false while a sync runs (or waits in {@code scheduled}): 409
 *       {@code {"code":"Conflict"}}; force=true stops it (outcome {@code restarted}: no timestamp, no webhook) and
 *       starts a new run. A trigger while {@code rescheduled} continues the waiting run (force or not).</li>
 *   <li>{@code POST .../resync} on a paused connector: 200, the historical sync starts when it is un-paused.</li>
 *   <li>PATCH with an unknown field: 400 {@code InvalidInput}; PATCH {@code paused:true} during a run lets the run
 *       finish.</li>
 *   <li>Webhook {@code active} defaults to false; {@code http://} URLs are accepted for loopback hosts only (real
 *       Fivetran requires https); no test event is sent on creation; only {@code sync_end} events are sent (to
 *       webhooks whose {@code events} contain it), once, without retries.</li>
 *   <li>Fault rules match the path without {@code /v1} (like {@link AirbyteEmulator}) or with it.</li>
 *   <li>The emulator never starts syncs by itself (no {@code sync_frequency} schedule).</li>
 *   <li>{@code /v1/connectors/...} is served as an alias of {@code /v1/connections/...}.</li>
 *   <li>Lists ({@code GET /v1/connections?group_id=}, {@code GET /v1/groups/{id}/connections},
 *       {@code GET /v1/webhooks}) are ordered by id and paged with {@code limit} (1..1000, default 100) and an opaque
 *       {@code cursor}; {@code data.next_cursor} is left out on the last page.</li>
 *   <li>{@code GET /v1/connections/{id}/sync-history} (in Fivetran's docs, not yet in the copied OpenAPI definition):
 *       one record per run ({@code sync_id}, {@code start_time}, {@code end_time}, {@code status}, {@code reason}),
 *       newest first, paged as the lists are; {@link #setSyncHistoryRefusal(int)} answers 403/404 instead, as on
 *       plans without it.</li>
 * </ul>
 */
public final class FivetranEmulator extends AbstractEmulator {

    /** Prefix of every API path. */
    public static final String API_PREFIX = "/v1";
    /** Prefix of the admin endpoints (never authenticated, faulted, rate limited or recorded). */
    public static final String ADMIN_PREFIX = AbstractEmulator.ADMIN_PREFIX;
    /** Header carrying the webhook signature: HMAC-SHA256(secret, raw body), upper-case hex. */
    public static final String SIGNATURE_HEADER = "X-Fivetran-Signature-256";
    /** Name of the single background thread (run-end checks; it hands webhook deliveries to the senders). */
    public static final String WEBHOOK_THREAD_NAME = "fivetran-emulator-webhooks";
    /** Name prefix of the threads that POST webhooks ({@link Builder#webhookSenders(int)} of them). */
    public static final String WEBHOOK_SENDER_THREAD_NAME = "fivetran-emulator-webhook-sender-";
    /** Webhook POSTs in flight at most, by default (as a real sender, deliveries do not queue behind one another). */
    public static final int DEFAULT_WEBHOOK_SENDERS = 8;
    /** Default worker-thread count. */
    public static final int DEFAULT_THREADS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(FivetranEmulator.class);
    private static final ObjectMapper JSON = EmulatorHttp.JSON;
    private static final Pattern CONNECTOR_PATH = Pattern.compile("/(connections|connectors)/([^/]+)(?:/(sync|resync|sync-history))?");
    /** The widest window {@code GET .../sync-history} accepts (Fivetran docs: at most 7 days). */
    public static final Duration SYNC_HISTORY_MAX_WINDOW = Duration.ofDays(7);
    private static final Pattern GROUP_WEBHOOK_PATH = Pattern.compile("/webhooks/group/([^/]+)");
    private static final Pattern WEBHOOK_PATH = Pattern.compile("/webhooks/([^/]+)");
    private static final Pattern GROUP_CONNECTIONS_PATH = Pattern.compile("/groups/([^/]+)/connections");
    /** Fivetran's page size: 1..1000, default 100 (list_connections "limit"). */
    static final int DEFAULT_PAGE_LIMIT = 100;
    static final int MAX_PAGE_LIMIT = 1000;
    private static final Set<String> TEST_CONTROL_FIELDS = Set.of("run_setup_tests", "trust_certificates",
            "trust_fingerprints");
    private static final Set<String> PATCH_FIELDS = Set.of("config", "auth", "paused", "trust_certificates",
            "trust_fingerprints", "sync_frequency", "data_delay_threshold", "data_delay_sensitivity",
            "daily_sync_time", "pause_after_trial", "schema_status", "is_historical_sync", "schedule_type",
            "run_setup_tests", "networking_method", "hybrid_deployment_agent_id", "proxy_agent_id", "private_link_id",
            "destination_configuration", "external_secrets_manager_id", "external_secrets_keys_config");
    private static final Set<String> DELAY_SENSITIVITIES = Set.of("LOW", "NORMAL", "HIGH", "CUSTOM", "SYNC_FREQUENCY");
    private static final Pattern DAILY_SYNC_TIME = Pattern.compile("([01]\\d|2[0-3]):[0-5]\\d");
    private static final String MASKED = "******";
    private static final String CREATED_BY = "emulator_user";
    private static final HexFormat HEX_UPPER = HexFormat.of().withUpperCase();

    private final Map<String, String> apiKeys = new ConcurrentHashMap<>();
    private volatile boolean nullTimestamps;
    /** The status {@code GET .../sync-history} answers instead of the history (403/404 as on some plans), or 0. */
    private volatile int syncHistoryRefusal;
    private volatile TimestampPrecision timestampPrecision;
    private volatile Duration webhookDelay;
    private volatile RateLimit rateLimit;

    private final Map<String, Connector> connectors = new ConcurrentHashMap<>();
    private final Set<String> groups = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> groupCreatedAt = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Webhook> webhooks = new CopyOnWriteArrayList<>();
    private final List<WebhookDelivery> deliveries = java.util.Collections.synchronizedList(new ArrayList<>());
    private final int webhookSenders;
    private volatile java.util.concurrent.ExecutorService senders;
    private final Map<String, ArrayDeque<Instant>> rateWindows = new ConcurrentHashMap<>();
    private final AtomicLong rateLimited = new AtomicLong();
    private final AtomicLong ignoredTriggers = new AtomicLong();
    private final AtomicLong webhookIds = new AtomicLong();

    private volatile ScheduledExecutorService scheduler;

    /** A per-API-key budget: at most {@code requests} in any rolling {@code window}. */
    private record RateLimit(int requests, Duration window) {
    }

    /** Result of authenticating a request: the kind and, for valid Basic credentials, the API key. */
    private record Credentials(AuthKind kind, String apiKey) {
    }

    private static final class Webhook {
        final String id;
        final String type;
        final String groupId;
        final String url;
        final List<String> events;
        final boolean active;
        final String secret;
        final Instant createdAt;

        Webhook(String id, String type, String groupId, String url, List<String> events, boolean active,
                String secret, Instant createdAt) {
            this.id = id;
            this.type = type;
            this.groupId = groupId;
            this.url = url;
            this.events = List.copyOf(events);
            this.active = active;
            this.secret = secret;
            this.createdAt = createdAt;
        }

        boolean covers(String connectorGroup) {
            return "account".equals(type) || groupId.equals(connectorGroup);
        }
    }

    /** Mutable state of one connector; every field is guarded by the instance's monitor. */
    private static final class Connector {
        final String id;
        Instant createdAt;
        String groupId;
        String service;
        String schema;
        String scheduleType;
        String setupState;
        String updateState;
        String dataDelaySensitivity = "NORMAL";
        int dataDelayThreshold;
        String dailySyncTime;
        boolean paused;
        boolean pauseAfterTrial;
        boolean suppressWebhooks;
        boolean pendingHistorical;
        int syncFrequency;
        JobScript script;
        Instant succeededAt;
        Instant failedAt;
        Run current;
        final List<Run> runs = new ArrayList<>();

        Connector(String id) {
            this.id = id;
        }

        boolean manual() {
            return "manual".equals(scheduleType);
        }
    }

    /** One run; its phase is advanced lazily (callers hold the connector's monitor). */
    private static final class Run {
        final String syncId = UUID.randomUUID().toString();
        final String connectorId;
        final boolean historical;
        final Instant startedAt;
        final JobScript script;
        int phase;
        Instant phaseStart;
        Instant endedAt;
        String outcome = "running";

        Run(String connectorId, boolean historical, Instant startedAt, JobScript script) {
            this.connectorId = connectorId;
            this.historical = historical;
            this.startedAt = startedAt;
            this.script = script;
            this.phaseStart = startedAt;
        }

        /** Moves through the phases elapsed by {@code now}; returns true if the run ended in this call. */
        boolean advance(Instant now, boolean manual) {
            if (endedAt != null) {
                return false;
            }
            List<JobScript.Phase> phases = script.phases();
            while (true) {
                if (phase >= phases.size()) {
                    endedAt = phaseStart;
                    outcome = script.finalStatus();
                    return true;
                }
                JobScript.Phase p = phases.get(phase);
                if (manual && "rescheduled".equals(p.status())) {
                    return false; // waits for the next POST .../sync
                }
                Instant next = phaseStart.plus(p.duration());
                if (now.isBefore(next)) {
                    return false;
                }
                phase++;
                phaseStart = next;
            }
        }

        /** The current phase's sync_state (only while running). */
        String syncState() {
            return script.phases().get(phase).status();
        }

        boolean rescheduled() {
            return endedAt == null && "rescheduled".equals(syncState());
        }

        Instant rescheduledFor() {
            return phaseStart.plus(script.phases().get(phase).duration());
        }

        /** Leaves the current (rescheduled) phase now. */
        void resume(Instant now) {
            phase++;
            phaseStart = now;
        }

        void stop(Instant now, String why) {
            endedAt = now;
            outcome = why;
        }

        /** When the run will end if nothing intervenes; null if it will wait for a manual trigger. */
        Instant projectedEnd(boolean manual) {
            if (endedAt != null) {
                return endedAt;
            }
            Instant t = phaseStart;
            List<JobScript.Phase> phases = script.phases();
            for (int i = phase; i < phases.size(); i++) {
                if (manual && "rescheduled".equals(phases.get(i).status())) {
                    return null;
                }
                t = t.plus(phases.get(i).duration());
            }
            return t;
        }

        FivetranSyncRun snapshot() {
            return new FivetranSyncRun(syncId, connectorId, historical, startedAt, endedAt, outcome,
                    endedAt == null ? syncState() : null);
        }
    }

    private FivetranEmulator(Builder b) {
        super("Fivetran emulator", "fivetran-emulator", b);
        this.apiKeys.putAll(b.apiKeys);
        this.nullTimestamps = b.nullTimestamps;
        this.timestampPrecision = b.timestampPrecision;
        this.webhookDelay = b.webhookDelay;
        this.rateLimit = b.rateLimit;
        this.webhookSenders = b.webhookSenders;
    }

    /** A builder with the defaults: random port, 16 threads, no API keys, no rate limit, no webhook delay. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /** Binds 127.0.0.1 on the configured port, starts serving and the webhook thread; returns this. */
    public FivetranEmulator start() {
        startServer();
        return this;
    }

    /** Starts the webhook thread and the webhook senders. */
    @Override
    void beforeStart() {
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, WEBHOOK_THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger();
        this.senders = Executors.newFixedThreadPool(webhookSenders, r -> {
            Thread t = new Thread(r, WEBHOOK_SENDER_THREAD_NAME + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Stops the webhook thread and the senders (pending deliveries are dropped). */
    @Override
    void afterStop() {
        ScheduledExecutorService sch = scheduler;
        scheduler = null;
        if (sch != null) {
            sch.shutdownNow();
        }
        java.util.concurrent.ExecutorService snd = senders;
        senders = null;
        if (snd != null) {
            snd.shutdownNow();
        }
    }

    // ------------------------------------------------------------------------------------------------ settings

    /** Adds (or replaces the secret of) an API key accepted as HTTP Basic {@code key:secret}. */
    public FivetranEmulator addApiKey(String apiKey, String apiSecret) {
        apiKeys.put(Objects.requireNonNull(apiKey, "apiKey"), Objects.requireNonNull(apiSecret, "apiSecret"));
        return this;
    }

    /** Sets a per-API-key budget of {@code requests} per rolling {@code window}; over it: 429 with Retry-After. */
    public FivetranEmulator setRateLimit(int requests, Duration window) {
        this.rateLimit = checkedRateLimit(requests, window);
        rateWindows.clear();
        return this;
    }

    /** Turns the rate limit off (the default). */
    public FivetranEmulator disableRateLimit() {
        this.rateLimit = null;
        rateWindows.clear();
        return this;
    }

    private volatile javax.net.ssl.SSLContext webhookTrust;

    /**
     * The TLS trust of webhook deliveries to https URLs (default: the JVM's trusted CAs, as real Fivetran trusts
     * public CAs); e.g. a context that trusts a test's self-signed server certificate.
     */
    public FivetranEmulator setWebhookTrust(javax.net.ssl.SSLContext trust) {
        this.webhookTrust = trust;
        return this;
    }

    /** Delay between a run's end and its webhook delivery (default 0). */
    public FivetranEmulator setWebhookDelay(Duration delay) {
        this.webhookDelay = checkedDelay(delay);
        return this;
    }

    /** Whether never-set succeeded_at/failed_at are sent as explicit nulls (live API) instead of omitted (spec). */
    public FivetranEmulator setNullTimestamps(boolean nullTimestamps) {
        this.nullTimestamps = nullTimestamps;
        return this;
    }

    /** How many fractional digits timestamps have (default {@link TimestampPrecision#MICROS}, as the live API). */
    public FivetranEmulator setTimestampPrecision(TimestampPrecision precision) {
        this.timestampPrecision = Objects.requireNonNull(precision, "precision");
        return this;
    }

    /** Registers a destination group (groups of added connectors are registered automatically). */
    public FivetranEmulator addGroup(String groupId) {
        groups.add(Objects.requireNonNull(groupId, "groupId"));
        return this;
    }

    // ------------------------------------------------------------------------------------------------ connectors

    /** Adds (or redefines) a connected, unpaused, auto-scheduled connector whose syncs follow {@code script}. */
    public FivetranEmulator addConnector(String connectorId, String groupId, String script) {
        return addConnector(EmulatedConnector.of(connectorId, groupId).script(script));
    }

    /** Adds (or redefines) a connector that may be paused and has schedule type {@code auto} or {@code manual}. */
    public FivetranEmulator addConnector(String connectorId, String groupId, String script, boolean paused,
                                         String scheduleType) {
        return addConnector(EmulatedConnector.of(connectorId, groupId).script(script).paused(paused)
                .scheduleType(scheduleType));
    }

    /** Adds (or redefines) a connector with setup state and initial succeeded_at / failed_at (null = never). */
    public FivetranEmulator addConnector(String connectorId, String groupId, String script, boolean paused,
                                         String scheduleType, String setupState, Instant succeededAt,
                                         Instant failedAt) {
        return addConnector(EmulatedConnector.of(connectorId, groupId).script(script).paused(paused)
                .scheduleType(scheduleType).setupState(setupState).succeededAt(succeededAt).failedAt(failedAt));
    }

    /**
     * Adds a connector, or redefines an existing one in place: its settings and timestamps are replaced, its run
     * history and a running sync are kept.
     */
    public FivetranEmulator addConnector(EmulatedConnector definition) {
        Objects.requireNonNull(definition, "definition");
        JobScript script = EmulatedConnector.parseScript(definition.script());
        Instant now = clock.instant();
        Connector fresh = new Connector(definition.id());
        define(fresh, definition, script, now);
        groups.add(definition.groupId());
        Connector c = connectors.putIfAbsent(definition.id(), fresh);
        if (c != null) {
            synchronized (c) {
                settle(c, clock.instant());
                define(c, definition, script, now);
                scheduleEndCheck(c);
            }
        }
        LOG.debug("connector set: {}", definition);
        return this;
    }

    private static void define(Connector c, EmulatedConnector definition, JobScript script, Instant now) {
        c.createdAt = definition.createdAt() != null ? definition.createdAt()
                : c.createdAt != null ? c.createdAt : now;
        c.groupId = definition.groupId();
        c.service = definition.service();
        c.schema = definition.schema();
        c.paused = definition.paused();
        c.scheduleType = definition.scheduleType();
        c.setupState = definition.setupState();
        c.updateState = definition.updateState();
        c.syncFrequency = definition.syncFrequency();
        c.succeededAt = definition.succeededAt();
        c.failedAt = definition.failedAt();
        c.suppressWebhooks = definition.suppressWebhooks();
        c.script = script;
    }

    /** Changes the script used by future runs of a connector (a running sync keeps its script). */
    public FivetranEmulator setConnectorScript(String connectorId, String script) {
        JobScript parsed = EmulatedConnector.parseScript(script);
        Connector c = requireConnector(connectorId);
        synchronized (c) {
            c.script = parsed;
        }
        return this;
    }

    /** Changes a connector's setup_state ({@code connected}, {@code broken}, {@code incomplete}). */
    public FivetranEmulator setSetupState(String connectorId, String setupState) {
        String s = EmulatedConnector.checkSetupState(setupState);
        Connector c = requireConnector(connectorId);
        synchronized (c) {
            c.setupState = s;
        }
        return this;
    }

    /** Pauses or un-pauses a connector like {@code PATCH {"paused":...}} would (without an HTTP call). */
    public FivetranEmulator setPaused(String connectorId, boolean paused) {
        Connector c = requireConnector(connectorId);
        synchronized (c) {
            Instant now = clock.instant();
            settle(c, now);
            applyPaused(c, paused, now);
        }
        return this;
    }

    /** Suppresses (or re-enables) webhook deliveries for a connector's runs, to test the polling fallback. */
    public FivetranEmulator suppressWebhooks(String connectorId, boolean suppress) {
        Connector c = requireConnector(connectorId);
        synchronized (c) {
            c.suppressWebhooks = suppress;
        }
        return this;
    }

    /**
     * Makes {@code GET /v1/connections/{id}/sync-history} answer {@code status} (403 or 404, as on plans without the
     * endpoint) instead of the history; 0 serves it again.
     */
    public FivetranEmulator setSyncHistoryRefusal(int status) {
        if (status != 0 && status != 403 && status != 404) {
            throw new IllegalArgumentException("sync-history refusal must be 403, 404 or 0 (serve), not " + status);
        }
        this.syncHistoryRefusal = status;
        return this;
    }

    /** Whether a connector with this id exists. */
    public boolean hasConnector(String connectorId) {
        return connectors.containsKey(connectorId);
    }

    /** The connector's {@code data} object exactly as {@code GET /v1/connections/{id}} would answer it now. */
    public Map<String, Object> connectorData(String connectorId) {
        Connector c = requireConnector(connectorId);
        synchronized (c) {
            Instant now = clock.instant();
            settle(c, now);
            return connectorMap(c);
        }
    }

    private Connector requireConnector(String connectorId) {
        Connector c = connectors.get(connectorId);
        if (c == null) {
            throw new IllegalArgumentException("unknown connector " + connectorId);
        }
        return c;
    }

    // ------------------------------------------------------------------------------------------------ inspection

    /** The runs of a connector, oldest first (empty for an unknown connector). */
    public List<FivetranSyncRun> runs(String connectorId) {
        Connector c = connectors.get(connectorId);
        if (c == null) {
            return List.of();
        }
        synchronized (c) {
            settle(c, clock.instant());
            return c.runs.stream().map(Run::snapshot).toList();
        }
    }

    /** The runs of all connectors, by start time. */
    public List<FivetranSyncRun> runs() {
        List<FivetranSyncRun> out = new ArrayList<>();
        for (String id : connectors.keySet()) {
            out.addAll(runs(id));
        }
        out.sort(Comparator.comparing(FivetranSyncRun::startedAt));
        return out;
    }

    /** All webhook deliveries so far, in delivery order. */
    public List<WebhookDelivery> webhookDeliveries() {
        synchronized (deliveries) {
            return List.copyOf(deliveries);
        }
    }

    /** The registered webhooks as {@code GET /v1/webhooks} lists them (secret masked). */
    public List<Map<String, Object>> webhooks() {
        return webhooks.stream().map(this::webhookMap).toList();
    }

    /**
     * Deletes every registered webhook (as {@code DELETE /v1/webhooks/{id}} of each would), e.g. those of runners
     * that are gone; returns how many there were. The deliveries made so far stay recorded.
     */
    public int removeWebhooks() {
        int n = 0;
        for (Webhook w : webhooks) {
            if (webhooks.remove(w)) {
                n++;
            }
        }
        return n;
    }

    /** Counters: requests, triggers, faultsInjected, rateLimited, ignoredTriggers, connectors, runs, runsByOutcome, webhooks, webhookDeliveries. */
    @Override
    public Map<String, Object> stats() {
        List<FivetranSyncRun> all = runs();
        Map<String, Long> byOutcome = new TreeMap<>();
        all.forEach(r -> byOutcome.merge(r.outcome(), 1L, Long::sum));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", requestLog().total());
        m.put("triggers", requestLog().triggers());
        m.put("faultsInjected", faults().injectedCount());
        m.put("rateLimited", rateLimited.get());
        m.put("ignoredTriggers", ignoredTriggers.get());
        m.put("connectors", (long) connectors.size());
        m.put("runs", (long) all.size());
        m.put("runsByOutcome", byOutcome);
        m.put("webhooks", (long) webhooks.size());
        m.put("webhookDeliveries", (long) deliveries.size());
        return m;
    }

    // ------------------------------------------------------------------------------------------------ run model

    /** Advances the current run to {@code now}; finishes it if it ended (caller holds c's monitor). */
    private void settle(Connector c, Instant now) {
        Run r = c.current;
        if (r != null && r.advance(now, c.manual())) {
            finish(c, r);
        }
    }

    private void finish(Connector c, Run r) {
        c.current = null;
        if ("succeeded".equals(r.outcome)) {
            c.succeededAt = r.endedAt;
        } else {
            c.failedAt = r.endedAt; // never cleared by a later success, like Fivetran
        }
        LOG.debug("connector {}: run {} {} at {}", c.id, r.syncId, r.outcome, r.endedAt);
        if (!c.suppressWebhooks) {
            queueSyncEnd(c, r);
        }
    }

    private void startRun(Connector c, Instant now, boolean historical) {
        Run r = new Run(c.id, historical, now, c.script);
        c.current = r;
        c.runs.add(r);
        LOG.debug("connector {}: run {} started ({}), script {}", c.id, r.syncId,
                historical ? "historical" : "incremental", r.script);
        settle(c, now);
        scheduleEndCheck(c);
    }

    /** Stops a running sync ({@code restarted}) and starts a new one. */
    private void restart(Connector c, Instant now, boolean historical) {
        Run old = c.current;
        if (old != null) {
            old.stop(now, "restarted");
            c.current = null;
            LOG.debug("connector {}: run {} stopped for a restart", c.id, old.syncId);
        }
        startRun(c, now, historical);
    }

    /** Schedules a check at the current run's projected end, if it has one (caller holds c's monitor). */
    private void scheduleEndCheck(Connector c) {
        Run r = c.current;
        if (r == null) {
            return;
        }
        Instant end = r.projectedEnd(c.manual());
        if (end != null) {
            schedule(() -> endCheck(c, r), end);
        }
    }

    private void endCheck(Connector c, Run r) {
        synchronized (c) {
            settle(c, clock.instant());
            if (c.current == r) {
                scheduleEndCheck(c); // fired a little early, or the run now ends later
            }
        }
    }

    /** The task, with what it throws logged instead of lost in its executor. */
    private static Runnable logged(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("Fivetran emulator background task failed", e);
            }
        };
    }

    private void schedule(Runnable task, Instant at) {
        ScheduledExecutorService s = scheduler;
        if (s == null) {
            return;
        }
        long nanos = Math.max(0, Duration.between(clock.instant(), at).toNanos());
        try {
            s.schedule(logged(task), nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("emulator closed; task dropped");
        }
    }

    private Map<String, Object> connectorMap(Connector c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id);
        m.put("group_id", c.groupId);
        m.put("service", c.service);
        m.put("service_version", 1);
        m.put("schema", c.schema);
        m.put("connected_by", CREATED_BY);
        m.put("created_at", iso(c.createdAt));
        putTimestamp(m, "succeeded_at", c.succeededAt);
        putTimestamp(m, "failed_at", c.failedAt);
        m.put("paused", c.paused);
        m.put("pause_after_trial", c.pauseAfterTrial);
        m.put("sync_frequency", c.syncFrequency);
        if (c.dailySyncTime != null && c.syncFrequency == 1440) {
            m.put("daily_sync_time", c.dailySyncTime);
        }
        m.put("data_delay_sensitivity", c.dataDelaySensitivity);
        m.put("data_delay_threshold", c.dataDelayThreshold);
        m.put("schedule_type", c.scheduleType);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("setup_state", c.setupState);
        Run r = c.current;
        if (r != null) {
            status.put("sync_state", r.syncState());
        } else {
            status.put("sync_state", c.paused ? "paused" : "scheduled");
        }
        status.put("update_state", c.updateState);
        status.put("is_historical_sync", (r != null && r.historical) || c.pendingHistorical);
        if (r != null && r.rescheduled()) {
            status.put("rescheduled_for", iso(r.rescheduledFor()));
        }
        status.put("tasks", List.of());
        status.put("warnings", List.of());
        m.put("status", status);
        return m;
    }

    private void putTimestamp(Map<String, Object> m, String field, Instant value) {
        if (value != null) {
            m.put(field, iso(value));
        } else if (nullTimestamps) {
            m.put(field, null);
        }
    }

    /** Every timestamp the emulator answers or sends: UTC, with the fraction of {@link #timestampPrecision}. */
    private String iso(Instant instant) {
        return timestampPrecision.format(instant);
    }

    // ------------------------------------------------------------------------------------------------ webhooks

    private void queueSyncEnd(Connector c, Run r) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event", "sync_end");
        event.put("created", iso(r.endedAt));
        event.put("connector_type", c.service);
        event.put("connector_id", c.id);
        event.put("connector_name", c.schema);
        event.put("sync_id", r.syncId);
        event.put("destination_group_id", c.groupId);
        event.put("data", Map.of("status", "succeeded".equals(r.outcome) ? "SUCCESSFUL" : "FAILURE_WITH_TASK"));
        String group = c.groupId;
        schedule(() -> deliver("sync_end", event, group), r.endedAt.plus(webhookDelay));
    }

    /** Runs on the webhook thread: hands the event to a sender, which POSTs it to every webhook that covers it. */
    private void deliver(String eventName, Map<String, Object> event, String connectorGroup) {
        java.util.concurrent.ExecutorService s = senders;
        if (s == null) {
            return;
        }
        try {
            s.execute(logged(() -> send(eventName, event, connectorGroup)));
        } catch (RejectedExecutionException e) {
            LOG.debug("emulator closed; webhook dropped");
        }
    }

    /** Runs on a sender: POSTs the event to every active webhook that covers the group. */
    private void send(String eventName, Map<String, Object> event, String connectorGroup) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(event);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Webhook w : webhooks) {
            if (w.active && w.events.contains(eventName) && w.covers(connectorGroup)) {
                deliveries.add(post(w, eventName, event, body));
            }
        }
    }

    private WebhookDelivery post(Webhook w, String eventName, Map<String, Object> event, byte[] body) {
        Instant at = clock.instant();
        String signature = w.secret == null || w.secret.isEmpty() ? null : sign(w.secret, body);
        String connectorId = String.valueOf(event.get("connector_id"));
        String syncId = String.valueOf(event.get("sync_id"));
        String text = new String(body, StandardCharsets.UTF_8);
        HttpURLConnection conn = null;
        try {
            conn = (HttpURLConnection) URI.create(w.url).toURL().openConnection();
            javax.net.ssl.SSLContext trust = webhookTrust;
            if (trust != null && conn instanceof javax.net.ssl.HttpsURLConnection https) {
                https.setSSLSocketFactory(trust.getSocketFactory());
            }
            conn.setRequestMethod("POST");
            conn.setConnectTimeout(2_000);
            conn.setReadTimeout(5_000);
            conn.setUseCaches(false);
            conn.setDoOutput(true);
            conn.setFixedLengthStreamingMode(body.length);
            conn.setRequestProperty("Content-Type", "application/json");
            conn.setRequestProperty("User-Agent", "fivetran-emulator");
            if (signature != null) {
                conn.setRequestProperty(SIGNATURE_HEADER, signature);
            }
            try (OutputStream out = conn.getOutputStream()) {
                out.write(body);
            }
            int status = conn.getResponseCode();
            drain(conn);
            LOG.debug("webhook {} {} -> {} ({} for {})", w.id, w.url, status, eventName, connectorId);
            return new WebhookDelivery(at, w.id, w.url, eventName, connectorId, syncId, text, signature, status, null);
        } catch (IOException | IllegalArgumentException e) {
            LOG.debug("webhook {} {} failed: {}", w.id, w.url, e.toString());
            return new WebhookDelivery(at, w.id, w.url, eventName, connectorId, syncId, text, signature, -1,
                    e.toString());
        } finally {
            if (conn != null) {
                conn.disconnect();
            }
        }
    }

    private static void drain(HttpURLConnection conn) {
        try (InputStream in = conn.getErrorStream() != null ? conn.getErrorStream() : conn.getInputStream()) {
            if (in != null) {
                in.readAllBytes();
            }
        } catch (IOException ignored) {
            // the status code is what matters
        }
    }

    /** HMAC-SHA256 of the body keyed with the secret, upper-case hex (what {@value #SIGNATURE_HEADER} carries). */
    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HEX_UPPER.formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private Map<String, Object> webhookMap(Webhook w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id);
        m.put("type", w.type);
        if (w.groupId != null) {
            m.put("group_id", w.groupId);
        }
        m.put("url", w.url);
        m.put("events", w.events);
        m.put("active", w.active);
        if (w.secret != null) {
            m.put("secret", MASKED);
        }
        m.put("created_at", iso(w.createdAt));
        m.put("created_by", CREATED_BY);
        return m;
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    @Override
    String apiPath(String path) {
        if (!isApi(path)) {
            return path;
        }
        return path.length() == API_PREFIX.length() ? "/" : path.substring(API_PREFIX.length());
    }

    private static boolean isApi(String path) {
        return path.equals(API_PREFIX) || path.startsWith(API_PREFIX + "/");
    }

    @Override
    Accepted accept(String method, String path, String apiPath, String query, HttpExchange ex, byte[] body) {
        boolean api = isApi(path);
        Credentials creds = credentials(ex.getRequestHeaders().getFirst("Authorization"));
        String connectorId = null;
        boolean trigger = false;
        Matcher cm = CONNECTOR_PATH.matcher(apiPath);
        if (api && cm.matches()) {
            connectorId = cm.group(2);
            trigger = "POST".equals(method) && cm.group(3) != null;
        }
        Headers headers = ex.getRequestHeaders();
        return new Accepted(creds.kind(), connectorId, trigger,
                () -> process(method, api, path, apiPath, query, creds, body, headers));
    }

    /** Fault rules may match the path without {@code /v1} or with it. */
    @Override
    Optional<FaultRule> selectFault(String method, String apiPath, String path) {
        return faults().select(method, apiPath, path);
    }

    @Override
    Reply faultReply(FaultRule rule) {
        if (rule.body() != null) {
            return Reply.rawJson(rule.status(), rule.body());
        }
        Reply reply = error(rule.status(), codeFor(rule.status()), "Injected fault");
        // Fivetran's 429 always says when to come back (docs "Rate limiting"); a rule's retryAfter replaces this
        return rule.status() == 429 ? reply.withHeader("Retry-After", "1") : reply;
    }

    @Override
    Reply unexpectedError(RuntimeException e) {
        return error(500, "InternalServerError", "Unexpected error: " + e.getMessage());
    }

    private Reply process(String method, boolean api, String path, String apiPath, String query, Credentials creds,
                          byte[] body, Headers headers) {
        if (!api) {
            return notFoundPath(method, path);
        }
        Matcher connector = CONNECTOR_PATH.matcher(apiPath);
        Matcher groupWebhook = GROUP_WEBHOOK_PATH.matcher(apiPath);
        Matcher webhook = WEBHOOK_PATH.matcher(apiPath);
        Set<String> allowed;
        if (connector.matches()) {
            allowed = connector.group(3) == null ? Set.of("GET", "PATCH")
                    : "sync-history".equals(connector.group(3)) ? Set.of("GET") : Set.of("POST");
        } else if (apiPath.equals("/webhooks") || apiPath.equals("/connections") || apiPath.equals("/account/info")
                || apiPath.equals("/groups")
                || GROUP_CONNECTIONS_PATH.matcher(apiPath).matches()) {
            allowed = Set.of("GET");
        } else if (apiPath.equals("/webhooks/account") || groupWebhook.matches()) {
            allowed = Set.of("POST");
        } else if (webhook.matches()) {
            allowed = Set.of("GET", "DELETE");
        } else {
            return notFoundPath(method, path);
        }
        if (!allowed.contains(method)) {
            return error(405, "MethodNotAllowed", "Method " + method + " is not allowed on " + path + ".");
        }
        if (creds.kind() != AuthKind.BASIC) {
            return error(401, "AuthFailed", creds.kind() == AuthKind.NONE
                    ? "Missing credentials: send 'Authorization: Basic base64(api_key:api_secret)'."
                    : "Invalid API key or secret.");
        }
        RateLimit limit = rateLimit;
        int remaining = -1;
        if (limit != null) {
            long waitSeconds = consumeBudget(creds.apiKey(), limit);
            if (waitSeconds > 0) {
                rateLimited.incrementAndGet();
                return error(429, "TooManyRequests", "Rate limit of " + limit.requests() + " requests per "
                        + limit.window().toSeconds() + "s exceeded. Retry after " + waitSeconds + " seconds.")
                        .withHeader("Retry-After", String.valueOf(waitSeconds))
                        .withHeader("X-Rate-Limit", String.valueOf(limit.requests()))
                        .withHeader("X-Rate-Limit-Remaining", "0");
            }
            remaining = remainingBudget(creds.apiKey(), limit);
        }
        Reply reply = negotiate(method, headers);
        if (reply == null) {
            reply = dispatch(method, apiPath, query, connector, groupWebhook, webhook, body);
        }
        if (limit != null) {
            reply = reply.withHeader("X-Rate-Limit", String.valueOf(limit.requests()))
                    .withHeader("X-Rate-Limit-Remaining", String.valueOf(remaining));
        }
        return reply;
    }

    /** 406 for a missing / non-JSON Accept header, 415 for a POST/PATCH without a JSON Content-Type; else null. */
    private static Reply negotiate(String method, Headers headers) {
        if (!acceptsJson(headers.get("Accept"))) {
            return error(406, "NotAcceptable", "Use 'Accept: application/json' or "
                    + "'Accept: application/json;version=2'.");
        }
        if (("POST".equals(method) || "PATCH".equals(method)) && !isJson(headers.getFirst("Content-Type"))) {
            return error(415, "UnsupportedMediaType", "Content-Type must be application/json.");
        }
        return null;
    }

    private static boolean acceptsJson(List<String> values) {
        if (values == null) {
            return false;
        }
        for (String value : values) {
            for (String range : value.split(",")) {
                if (isJson(range)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isJson(String mediaType) {
        if (mediaType == null) {
            return false;
        }
        int semi = mediaType.indexOf(';');
        String type = (semi < 0 ? mediaType : mediaType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json");
    }

    private Reply dispatch(String method, String apiPath, String query, Matcher connector, Matcher groupWebhook,
                           Matcher webhook, byte[] body) {
        if (connector.matches()) {
            String id = connector.group(2);
            String action = connector.group(3);
            if (action == null) {
                return "GET".equals(method) ? getConnector(id) : patchConnector(id, body);
            }
            if ("sync-history".equals(action)) {
                return syncHistory(id, query);
            }
            return "sync".equals(action) ? sync(id, body) : resync(id, body);
        }
        if (apiPath.equals("/webhooks")) {
            return listWebhooks(query);
        }
        if (apiPath.equals("/connections")) {
            return listConnections(queryParam(query, "group_id"), query);
        }
        if (apiPath.equals("/groups")) {
            return listGroups(query);
        }
        Matcher groupConnections = GROUP_CONNECTIONS_PATH.matcher(apiPath);
        if (groupConnections.matches()) {
            String groupId = groupConnections.group(1);
            if (!groups.contains(groupId)) {
                return error(404, "NotFound_Group", "Group with id '" + groupId + "' does not exist.");
            }
            return listConnections(groupId, query);
        }
        if (apiPath.equals("/account/info")) {
            return accountInfo();
        }
        if (apiPath.equals("/webhooks/account")) {
            return createWebhook(null, body);
        }
        if (groupWebhook.matches()) {
            return createWebhook(groupWebhook.group(1), body);
        }
        String id = webhook.group(1);
        return "GET".equals(method) ? getWebhook(id) : deleteWebhook(id);
    }

    // ------------------------------------------------------------------------------------------------ auth, limits

    private Credentials credentials(String header) {
        if (header == null || header.isBlank()) {
            return new Credentials(AuthKind.NONE, null);
        }
        String h = header.trim();
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).equalsIgnoreCase("Basic")) {
            return new Credentials(AuthKind.INVALID, null);
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(h.substring(space + 1).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return new Credentials(AuthKind.INVALID, null);
            }
            String key = decoded.substring(0, colon);
            String expected = apiKeys.get(key);
            return expected != null && expected.equals(decoded.substring(colon + 1))
                    ? new Credentials(AuthKind.BASIC, key) : new Credentials(AuthKind.INVALID, null);
        } catch (IllegalArgumentException e) {
            return new Credentials(AuthKind.INVALID, null);
        }
    }

    /** Takes one request from the key's budget; returns 0 if allowed, else the seconds until one frees up. */
    private long consumeBudget(String apiKey, RateLimit limit) {
        ArrayDeque<Instant> window = rateWindows.computeIfAbsent(apiKey, k -> new ArrayDeque<>());
        synchronized (window) {
            Instant now = clock.instant();
            purge(window, now, limit);
            if (window.size() >= limit.requests()) {
                Duration wait = Duration.between(now, window.peekFirst().plus(limit.window()));
                long seconds = wait.getSeconds() + (wait.getNano() > 0 ? 1 : 0);
                return Math.max(1, seconds);
            }
            window.addLast(now);
            return 0;
        }
    }

    private int remainingBudget(String apiKey, RateLimit limit) {
        ArrayDeque<Instant> window = rateWindows.get(apiKey);
        if (window == null) {
            return limit.requests();
        }
        synchronized (window) {
            return Math.max(0, limit.requests() - window.size());
        }
    }

    private static void purge(ArrayDeque<Instant> window, Instant now, RateLimit limit) {
        Instant cutoff = now.minus(limit.window());
        while (!window.isEmpty() && !window.peekFirst().isAfter(cutoff)) {
            window.pollFirst();
        }
    }

    // ------------------------------------------------------------------------------------------------ handlers

    private Reply getConnector(String id) {
        Connector c = connectors.get(id);
        if (c == null) {
            return connectorNotFound(id);
        }
        synchronized (c) {
            settle(c, clock.instant());
            return success(null, connectorMap(c));
        }
    }

    /**
     * {@code GET /v1/connections/{id}/sync-history?start_time=&end_time=&cursor=&limit=} (Fivetran docs "Retrieve
     * Connection Sync History"; the copied OpenAPI definition does not have it yet): one record per run that started
     * in the window [start_time, end_time), newest first, paged like every list. Times are ISO-8601; start_time
     * defaults to one hour before end_time, end_time to one hour after start_time (both unset: the hour up to now);
     * end_time must be after start_time and the window at most {@link #SYNC_HISTORY_MAX_WINDOW} (else 400). Record:
     * {@code sync_id}, {@code start_time}, {@code end_time} (null while running), {@code status} ({@code running},
     * {@code succeeded}, {@code failed}, {@code cancelled} for a run stopped by a forced sync) and {@code reason}.
     */
    private Reply syncHistory(String id, String query) {
        if (syncHistoryRefusal == 403) {
            return error(403, "Forbidden", "Sync history is not available for this account.");
        }
        if (syncHistoryRefusal == 404) {
            return notFoundPath("GET", API_PREFIX + "/connections/" + id + "/sync-history");
        }
        Connector c = connectors.get(id);
        if (c == null) {
            return connectorNotFound(id);
        }
        Instant start;
        Instant end;
        try {
            start = historyTime(queryParam(query, "start_time"));
            end = historyTime(queryParam(query, "end_time"));
        } catch (java.time.format.DateTimeParseException e) {
            return invalidInput("'start_time' and 'end_time' must be ISO 8601 date-times such as"
                    + " 2026-01-01T00:00:00Z.");
        }
        if (start == null && end == null) {
            end = clock.instant();
        }
        if (start == null) {
            start = end.minus(Duration.ofHours(1));
        } else if (end == null) {
            end = start.plus(Duration.ofHours(1));
        }
        if (!end.isAfter(start)) {
            return invalidInput("'end_time' must be after 'start_time'.");
        }
        if (Duration.between(start, end).compareTo(SYNC_HISTORY_MAX_WINDOW) > 0) {
            return invalidInput("The maximum allowed range between 'start_time' and 'end_time' is 7 days.");
        }
        List<Map<String, Object>> items = new ArrayList<>();
        synchronized (c) {
            settle(c, clock.instant());
            List<Run> runs = new ArrayList<>(c.runs);
            runs.sort(Comparator.comparing((Run r) -> r.startedAt).reversed());
            for (Run r : runs) {
                if (!r.startedAt.isBefore(start) && !r.startedAt.isAfter(end)) {
                    items.add(historyRecord(r));
                }
            }
        }
        return page(items, query);
    }

    private static Instant historyTime(String text) {
        return text == null || text.isBlank() ? null : java.time.OffsetDateTime.parse(text.trim()).toInstant();
    }

    private Map<String, Object> historyRecord(Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sync_id", r.syncId);
        m.put("start_time", iso(r.startedAt));
        m.put("end_time", r.endedAt == null ? null : iso(r.endedAt));
        String status = switch (r.outcome) {
            case "succeeded", "failed", "running" -> r.outcome;
            default -> "cancelled";
        };
        m.put("status", status);
        m.put("reason", switch (status) {
            case "failed" -> "The sync failed (emulated)";
            case "cancelled" -> "Stopped by a forced sync";
            default -> null;
        });
        return m;
    }

    private Reply sync(String id, byte[] body) {
        Connector c = connectors.get(id);
        if (c == null) {
            return connectorNotFound(id);
        }
        boolean force = false;
        JsonNode n = readBody(body);
        if (n == MALFORMED) {
            return invalidInput("The request body is not valid JSON.");
        }
        if (n != null) {
            if (!n.isObject()) {
                return invalidInput("The request body must be a JSON object like {\"force\": false}.");
            }
            JsonNode f = n.get("force");
            if (f != null && !f.isNull()) {
                if (!f.isBoolean()) {
                    return invalidInput("'force' must be a boolean.");
                }
                force = f.asBoolean();
            }
        }
        synchronized (c) {
            Instant now = clock.instant();
            settle(c, now);
            if (c.paused) {
                ignoredTriggers.incrementAndGet();
                LOG.debug("connector {} is paused: sync request accepted but ignored", id);
                return syncTriggered(id);
            }
            if (!"connected".equals(c.setupState)) {
                return notConnected(c);
            }
            Run r = c.current;
            if (r != null) {
                if (r.rescheduled()) {
                    r.resume(now);
                    LOG.debug("connector {}: rescheduled run {} continues", id, r.syncId);
                    settle(c, now);
                    scheduleEndCheck(c);
                    return syncTriggered(id);
                }
                if (!force) {
                    return error(409, "Conflict", "Cannot sync connection with id '" + id
                            + "': sync already in progress. Use {\"force\": true} to restart it.");
                }
                restart(c, now, false);
                return syncTriggered(id);
            }
            startRun(c, now, false);
            return syncTriggered(id);
        }
    }

    private Reply resync(String id, byte[] body) {
        Connector c = connectors.get(id);
        if (c == null) {
            return connectorNotFound(id);
        }
        JsonNode n = readBody(body);
        if (n == MALFORMED) {
            return invalidInput("The request body is not valid JSON.");
        }
        if (n != null) {
            if (!n.isObject()) {
                return invalidInput("The request body must be a JSON object.");
            }
            String scopeProblem = scopeProblem(n.get("scope"));
            if (scopeProblem != null) {
                return invalidInput(scopeProblem);
            }
        }
        synchronized (c) {
            Instant now = clock.instant();
            settle(c, now);
            if (!"connected".equals(c.setupState)) {
                return notConnected(c);
            }
            if (c.current != null) {
                return error(409, "Conflict", "Cannot re-sync connection with id '" + id
                        + "': a sync is already in progress.");
            }
            if (c.paused) {
                c.pendingHistorical = true;
                LOG.debug("connector {} is paused: historical sync deferred until it is resumed", id);
                return syncTriggered(id);
            }
            startRun(c, now, true);
            return syncTriggered(id);
        }
    }

    /** Why a resync scope is invalid, or null if it is fine (absent or null = everything). */
    private static String scopeProblem(JsonNode scope) {
        if (scope == null || scope.isNull()) {
            return null;
        }
        if (!scope.isObject()) {
            return "'scope' must be an object mapping schema names to arrays of table names.";
        }
        if (scope.isEmpty()) {
            return "'scope' must not be empty; omit it to re-sync all schemas and tables.";
        }
        Iterator<Map.Entry<String, JsonNode>> it = scope.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode tables = e.getValue();
            if (!tables.isArray() || tables.isEmpty()) {
                return "Schema '" + e.getKey() + "' in 'scope' must map to a non-empty array of table names.";
            }
            for (JsonNode t : tables) {
                if (!t.isTextual() || t.asText().isBlank()) {
                    return "Schema '" + e.getKey() + "' in 'scope' must contain table names (strings).";
                }
            }
        }
        return null;
    }

    private Reply patchConnector(String id, byte[] body) {
        Connector c = connectors.get(id);
        if (c == null) {
            return connectorNotFound(id);
        }
        JsonNode n = readBody(body);
        if (n == MALFORMED || n == null || !n.isObject()) {
            return invalidInput("The request body must be a JSON object.");
        }
        boolean persistent = false;
        Iterator<String> names = n.fieldNames();
        while (names.hasNext()) {
            String field = names.next();
            if (!PATCH_FIELDS.contains(field)) {
                return invalidInput("Unknown field '" + field + "'.");
            }
            persistent |= !TEST_CONTROL_FIELDS.contains(field);
        }
        if (!persistent) {
            return invalidInput("At least one persistent configuration parameter is required (e.g. paused, "
                    + "schedule_type, sync_frequency); run_setup_tests, trust_certificates and trust_fingerprints "
                    + "cannot be used on their own.");
        }
        String problem = patchProblem(n);
        if (problem != null) {
            return invalidInput(problem);
        }
        synchronized (c) {
            Instant now = clock.instant();
            settle(c, now);
            if (n.hasNonNull("schedule_type")) {
                c.scheduleType = n.get("schedule_type").asText();
                Run r = c.current;
                if (r != null && !c.manual() && r.rescheduled() && !now.isBefore(r.rescheduledFor())) {
                    r.resume(now); // was waiting for a manual trigger; auto continues right away
                }
                settle(c, now);
            }
            if (n.hasNonNull("sync_frequency")) {
                c.syncFrequency = n.get("sync_frequency").asInt();
            }
            if (n.hasNonNull("pause_after_trial")) {
                c.pauseAfterTrial = n.get("pause_after_trial").asBoolean();
            }
            if (n.hasNonNull("data_delay_sensitivity")) {
                c.dataDelaySensitivity = n.get("data_delay_sensitivity").asText();
            }
            if (n.hasNonNull("data_delay_threshold")) {
                c.dataDelayThreshold = n.get("data_delay_threshold").asInt();
            }
            if (n.hasNonNull("daily_sync_time")) {
                c.dailySyncTime = n.get("daily_sync_time").asText();
            }
            if (n.hasNonNull("paused")) {
                applyPaused(c, n.get("paused").asBoolean(), now);
            }
            if (n.path("is_historical_sync").asBoolean(false)) {
                if (c.paused) {
                    c.pendingHistorical = true; // starts when resumed
                } else if ("connected".equals(c.setupState)) {
                    restart(c, now, true); // "If a sync is currently running, it's canceled and restarted"
                }
            }
            scheduleEndCheck(c);
            return success("Connection has been updated", connectorMap(c));
        }
    }

    private static String patchProblem(JsonNode n) {
        for (String bool : List.of("paused", "pause_after_trial", "is_historical_sync", "run_setup_tests",
                "trust_certificates", "trust_fingerprints")) {
            if (n.has(bool) && !n.get(bool).isBoolean()) {
                return "'" + bool + "' must be a boolean.";
            }
        }
        if (n.has("schedule_type") && !EmulatedConnector.SCHEDULE_TYPES.contains(n.get("schedule_type").asText(""))) {
            return "'schedule_type' must be one of [auto, manual].";
        }
        if (n.has("sync_frequency") && (!n.get("sync_frequency").canConvertToInt()
                || !n.get("sync_frequency").isIntegralNumber()
                || !EmulatedConnector.SYNC_FREQUENCIES.contains(n.get("sync_frequency").asInt()))) {
            return "'sync_frequency' must be one of " + EmulatedConnector.SYNC_FREQUENCIES + ".";
        }
        if (n.has("data_delay_sensitivity") && !DELAY_SENSITIVITIES.contains(n.get("data_delay_sensitivity").asText(""))) {
            return "'data_delay_sensitivity' must be one of " + new TreeSet<>(DELAY_SENSITIVITIES) + ".";
        }
        if (n.has("data_delay_threshold") && !n.get("data_delay_threshold").isIntegralNumber()) {
            return "'data_delay_threshold' must be an integer.";
        }
        if (n.has("daily_sync_time") && !DAILY_SYNC_TIME.matcher(n.get("daily_sync_time").asText("")).matches()) {
            return "'daily_sync_time' must be HH:MM (UTC).";
        }
        return null;
    }

    /** Pauses / resumes; resuming starts a deferred historical sync (caller holds c's monitor, settled). */
    private void applyPaused(Connector c, boolean paused, Instant now) {
        c.paused = paused;
        if (!paused && c.pendingHistorical && c.current == null && "connected".equals(c.setupState)) {
            c.pendingHistorical = false;
            startRun(c, now, true);
        }
    }

    private Reply createWebhook(String groupId, byte[] body) {
        if (groupId != null && !groups.contains(groupId)) {
            return error(404, "NotFound_Group", "Group not found");
        }
        JsonNode n = readBody(body);
        if (n == MALFORMED || n == null || !n.isObject()) {
            return invalidInput("The request body must be a JSON object with url and events.");
        }
        String url = text(n, "url");
        if (url == null || url.isBlank()) {
            return invalidInput("'url' is required.");
        }
        String urlProblem = urlProblem(url);
        if (urlProblem != null) {
            return invalidInput(urlProblem);
        }
        JsonNode ev = n.get("events");
        if (ev == null || !ev.isArray() || ev.isEmpty()) {
            return invalidInput("'events' must be a non-empty array of event names.");
        }
        List<String> events = new ArrayList<>();
        for (JsonNode e : ev) {
            if (!e.isTextual() || e.asText().isBlank()) {
                return invalidInput("'events' must contain event names (strings).");
            }
            events.add(e.asText());
        }
        if (n.has("active") && !n.get("active").isBoolean()) {
            return invalidInput("'active' must be a boolean.");
        }
        if (n.has("secret") && !n.get("secret").isNull() && !n.get("secret").isTextual()) {
            return invalidInput("'secret' must be a string.");
        }
        Webhook w = new Webhook("webhook_" + webhookIds.incrementAndGet(), groupId == null ? "account" : "group",
                groupId, url, events, n.path("active").asBoolean(false), text(n, "secret"), clock.instant());
        webhooks.add(w);
        LOG.debug("webhook {} created: {} {} events={} active={}", w.id, w.type, w.url, w.events, w.active);
        return success(groupId == null ? "Account webhook has been created" : "Group webhook has been created",
                webhookMap(w));
    }

    /** Real Fivetran requires https; the emulator also accepts http to a loopback host, for tests. */
    private static String urlProblem(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "'url' is not a valid URL.";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null) {
            return "'url' must be an absolute https URL.";
        }
        if (scheme.equals("https")) {
            return null;
        }
        if (scheme.equals("http") && isLoopback(uri.getHost())) {
            return null;
        }
        return "The payload URL must be a secure site (HTTPS).";
    }

    private static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+") && !h.contains(":")) {
            return false; // never resolve names
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private Reply listWebhooks(String query) {
        return page(webhooks(), query);
    }

    /** GET /v1/groups: GroupResponse items (id, name, created_at), by id, paged like every list. */
    private Reply listGroups(String query) {
        List<Map<String, Object>> items = new ArrayList<>();
        groups.stream().sorted().forEach(g -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", g);
            m.put("name", g);
            putTimestamp(m, "created_at", groupCreatedAt.computeIfAbsent(g, k -> clock.instant()));
            items.add(m);
        });
        return page(items, query);
    }

    /** GET /v1/connections?group_id= and GET /v1/groups/{id}/connections: ConnectorResponse items, by id. */
    private Reply listConnections(String groupId, String query) {
        String schema = queryParam(query, "schema");
        List<Map<String, Object>> items = new ArrayList<>();
        connectors.values().stream()
                .filter(c -> groupId == null || groupId.equals(c.groupId))
                .filter(c -> schema == null || schema.equals(c.schema))
                .sorted(Comparator.comparing(c -> c.id))
                .forEach(c -> {
                    synchronized (c) {
                        settle(c, clock.instant());
                        items.add(connectorMap(c));
                    }
                });
        return page(items, query);
    }

    /**
     * One page of a list in Fivetran's shape (docs "Pagination"): {@code data.items}, and {@code data.next_cursor}
     * only while more items follow; {@code limit} 1..1000 (default 100), {@code cursor} as the last answer gave it
     * (opaque to clients; here base64 of {@code {"skip":N}}, like the spec's example {@code eyJza2lwIjoyfQ}).
     */
    private static Reply page(List<Map<String, Object>> all, String query) {
        String limitText = queryParam(query, "limit");
        int limit;
        try {
            limit = limitText == null ? DEFAULT_PAGE_LIMIT : Integer.parseInt(limitText);
        } catch (NumberFormatException e) {
            return invalidInput("'limit' must be an integer between 1 and " + MAX_PAGE_LIMIT + ".");
        }
        if (limit < 1 || limit > MAX_PAGE_LIMIT) {
            return invalidInput("'limit' must be an integer between 1 and " + MAX_PAGE_LIMIT + ".");
        }
        String cursor = queryParam(query, "cursor");
        int skip = 0;
        if (cursor != null) {
            Integer decoded = decodeCursor(cursor);
            if (decoded == null) {
                return invalidInput("Invalid cursor value: '" + cursor + "'.");
            }
            skip = decoded;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("items", all.subList(Math.min(skip, all.size()), Math.min(skip + limit, all.size())));
        if (skip + limit < all.size()) {
            data.put("next_cursor", encodeCursor(skip + limit));
        }
        return success(null, data);
    }

    static String encodeCursor(int skip) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("{\"skip\":" + skip + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static Integer decodeCursor(String cursor) {
        try {
            JsonNode n = readJson(Base64.getUrlDecoder().decode(cursor));
            return n != null && n.path("skip").isInt() && n.get("skip").asInt() >= 0 ? n.get("skip").asInt() : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private Reply getWebhook(String id) {
        return webhooks.stream().filter(w -> w.id.equals(id)).findFirst()
                .map(w -> success(null, webhookMap(w)))
                .orElseGet(() -> error(404, "NotFound_Webhook", "Webhook not found"));
    }

    private Reply deleteWebhook(String id) {
        boolean removed = webhooks.removeIf(w -> w.id.equals(id));
        return removed ? success("Webhook with id '" + id + "' has been deleted", null)
                : error(404, "NotFound_Webhook", "Webhook not found");
    }

    // ------------------------------------------------------------------------------------------------ replies

    private static final JsonNode MALFORMED = JSON.createObjectNode().put("malformed", true);

    /** null for an empty body, MALFORMED for unparseable JSON, else the tree. */
    private static JsonNode readBody(byte[] body) {
        if (body == null || new String(body, StandardCharsets.UTF_8).isBlank()) {
            return null;
        }
        JsonNode n = readJson(body);
        return n == null ? MALFORMED : n;
    }

    /**
     * {@code GET /v1/account/info}: the account of the API key, {@code AccountInfoResponse} (account_id required;
     * account_name; system_key_id for a system key, as the emulator's keys are).
     */
    private static Reply accountInfo() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("account_id", "emulated_account");
        data.put("account_name", "Emulated account");
        data.put("system_key_id", "emulated_system_key");
        return success("Account information retrieved successfully", data);
    }

    private static Reply success(String message, Object data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", "Success");
        if (message != null) {
            m.put("message", message);
        }
        if (data != null) {
            m.put("data", data);
        }
        return Reply.json(200, m);
    }

    private static Reply syncTriggered(String id) {
        return success("Sync has been successfully triggered for connection with id '" + id + "'", null);
    }

    private static Reply error(int status, String code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", code);
        m.put("message", message);
        return Reply.json(status, m);
    }

    private static Reply invalidInput(String message) {
        return error(400, "InvalidInput", message);
    }

    private static Reply connectorNotFound(String id) {
        return error(404, "NotFound_Connector", "Connector with id '" + id + "' does not exist.");
    }

    private static Reply notConnected(Connector c) {
        return error(400, "InvalidState", "Connection with id '" + c.id + "' cannot be synced: its setup_state is '"
                + c.setupState + "'. Fix the connection setup (setup tests must pass) first.");
    }

    private static Reply notFoundPath(String method, String path) {
        return error(404, "NotFound", "No route for " + method + " " + path);
    }

    private static String codeFor(int status) {
        return switch (status) {
            case 400 -> "InvalidInput";
            case 401 -> "AuthFailed";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 406 -> "NotAcceptable";
            case 409 -> "Conflict";
            case 415 -> "UnsupportedMediaType";
            case 429 -> "TooManyRequests";
            case 500 -> "InternalServerError";
            case 502 -> "BadGateway";
            case 503 -> "ServiceUnavailable";
            case 504 -> "GatewayTimeout";
            default -> "Error" + status;
        };
    }

    // ------------------------------------------------------------------------------------------------ admin

    @Override
    Reply handleOwnAdmin(String method, String path, String query, byte[] body) {
        switch (method + " " + path) {
            case "GET /connectors": {
                List<Map<String, Object>> out = new ArrayList<>();
                connectors.keySet().stream().sorted().forEach(id -> out.add(connectorData(id)));
                return Reply.json(200, out);
            }
            case "POST /connectors":
                return adminAddConnector(body);
            case "GET /runs": {
                String id = queryParam(query, "connectorId");
                List<FivetranSyncRun> list = id == null ? runs() : runs(id);
                return Reply.json(200, list.stream().map(FivetranEmulator::runMap).toList());
            }
            case "GET /deliveries":
                return Reply.json(200, webhookDeliveries().stream().map(FivetranEmulator::deliveryMap).toList());
            default:
                return notFoundPath(method, ADMIN_PREFIX + path);
        }
    }

    @Override
    Reply invalidRequest(String message) {
        return invalidInput(message);
    }

    /**
     * Admin body: {@code {connectorId, groupId, script?, paused?, scheduleType?, setupState?, service?, schema?,
     * succeededAt?, failedAt?, suppressWebhooks?}}.
     */
    private Reply adminAddConnector(byte[] body) {
        JsonNode n = readJson(body);
        if (n == null || !n.isObject()) {
            return invalidInput("A JSON object is required.");
        }
        String id = text(n, "connectorId");
        String group = text(n, "groupId");
        if (id == null || id.isBlank() || group == null || group.isBlank()) {
            return invalidInput("connectorId and groupId are required.");
        }
        try {
            EmulatedConnector d = EmulatedConnector.of(id, group)
                    .script(has(n, "script") ? text(n, "script") : EmulatedConnector.DEFAULT_SCRIPT)
                    .paused(n.path("paused").asBoolean(false))
                    .scheduleType(has(n, "scheduleType") ? text(n, "scheduleType") : "auto")
                    .setupState(has(n, "setupState") ? text(n, "setupState") : "connected")
                    .suppressWebhooks(n.path("suppressWebhooks").asBoolean(false));
            if (has(n, "service")) {
                d.service(text(n, "service"));
            }
            if (has(n, "schema")) {
                d.schema(text(n, "schema"));
            }
            if (has(n, "succeededAt")) {
                d.succeededAt(Instant.parse(text(n, "succeededAt")));
            }
            if (has(n, "failedAt")) {
                d.failedAt(Instant.parse(text(n, "failedAt")));
            }
            addConnector(d);
        } catch (RuntimeException e) {
            return invalidInput(String.valueOf(e.getMessage()));
        }
        return Reply.json(200, connectorData(id));
    }

    private static Map<String, Object> runMap(FivetranSyncRun r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("syncId", r.syncId());
        m.put("connectorId", r.connectorId());
        m.put("historical", r.historical());
        m.put("startedAt", r.startedAt().toString());
        m.put("endedAt", r.endedAt() == null ? null : r.endedAt().toString());
        m.put("outcome", r.outcome());
        m.put("syncState", r.syncState());
        return m;
    }

    private static Map<String, Object> deliveryMap(WebhookDelivery d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", d.at().toString());
        m.put("webhookId", d.webhookId());
        m.put("url", d.url());
        m.put("event", d.event());
        m.put("connectorId", d.connectorId());
        m.put("syncId", d.syncId());
        m.put("status", d.status());
        m.put("error", d.error());
        m.put("signature", d.signature());
        m.put("body", d.body());
        return m;
    }

    private static String queryParam(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static RateLimit checkedRateLimit(int requests, Duration window) {
        if (requests < 1) {
            throw new IllegalArgumentException("rate limit requests must be >= 1");
        }
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("rate limit window must be positive");
        }
        return new RateLimit(requests, window);
    }

    private static Duration checkedDelay(Duration delay) {
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("webhook delay must be >= 0");
        }
        return delay;
    }

    // ------------------------------------------------------------------------------------------------ builder

    /** Settings for a {@link FivetranEmulator}; see also the common ones (port, threads, clock, requestLogLimit). */
    public static final class Builder extends BuilderBase<Builder> {
        private final Map<String, String> apiKeys = new LinkedHashMap<>();
        private boolean nullTimestamps;
        private TimestampPrecision timestampPrecision = TimestampPrecision.MICROS;
        private Duration webhookDelay = Duration.ZERO;
        private int webhookSenders = DEFAULT_WEBHOOK_SENDERS;
        private RateLimit rateLimit;

        private Builder() {
            super(DEFAULT_THREADS);
        }

        @Override
        Builder self() {
            return this;
        }

        /** An accepted API key and secret (HTTP Basic {@code key:secret}); may be called repeatedly. */
        public Builder apiKey(String apiKey, String apiSecret) {
            apiKeys.put(Objects.requireNonNull(apiKey, "apiKey"), Objects.requireNonNull(apiSecret, "apiSecret"));
            return this;
        }

        /** Per-API-key budget: at most {@code requests} per rolling {@code window} (default: no limit). */
        public Builder rateLimit(int requests, Duration window) {
            this.rateLimit = checkedRateLimit(requests, window);
            return this;
        }

        /** Delay between a run's end and its webhook delivery (default 0). */
        public Builder webhookDelay(Duration delay) {
            this.webhookDelay = checkedDelay(delay);
            return this;
        }

        /** Webhook POSTs in flight at most (default {@value FivetranEmulator#DEFAULT_WEBHOOK_SENDERS}). */
        public Builder webhookSenders(int senders) {
            if (senders < 1) {
                throw new IllegalArgumentException("webhookSenders must be >= 1");
            }
            this.webhookSenders = senders;
            return this;
        }

        /**
         * Send never-set succeeded_at / failed_at as explicit JSON nulls, as the live API does (default false: they
         * are omitted, because the spec does not allow null there).
         */
        public Builder nullTimestamps(boolean nullTimestamps) {
            this.nullTimestamps = nullTimestamps;
            return this;
        }

        /**
         * Fractional digits of every timestamp: {@link TimestampPrecision#MICROS} (the default, six digits as the
         * live API), {@code MILLIS} or {@code SECONDS}.
         */
        public Builder timestampPrecision(TimestampPrecision precision) {
            this.timestampPrecision = Objects.requireNonNull(precision, "precision");
            return this;
        }

        /** Creates the (not yet started) emulator. */
        public FivetranEmulator build() {
            return new FivetranEmulator(this);
        }
    }

    // ------------------------------------------------------------------------------------------------ main

    /**
     * Runs a standalone emulator until the process is killed. Options: {@code --port=N} (default 8007),
     * {@code --api-key=KEY:SECRET} (repeatable), {@code --connector=ID:GROUP:SCRIPT} (repeatable),
     * {@code --rate-limit=N/WINDOW} (e.g. {@code 100/1m}), {@code --null-timestamps},
     * {@code --timestamp-precision=micros|millis|seconds}.
     */
    public static void main(String[] args) throws InterruptedException {
        Builder b = builder().port(8007);
        List<String[]> defs = new ArrayList<>();
        for (Option o : Option.parse(args)) {
            String value = o.value();
            switch (o.key()) {
                case "--port" -> b.port(Integer.parseInt(value));
                case "--api-key" -> {
                    int colon = value.indexOf(':');
                    if (colon < 1) {
                        throw new IllegalArgumentException("--api-key needs KEY:SECRET");
                    }
                    b.apiKey(value.substring(0, colon), value.substring(colon + 1));
                }
                case "--connector" -> {
                    String[] parts = value.split(":", 3);
                    if (parts.length < 3) {
                        throw new IllegalArgumentException("--connector needs ID:GROUP:SCRIPT");
                    }
                    defs.add(parts);
                }
                case "--rate-limit" -> {
                    int slash = value.indexOf('/');
                    if (slash < 1) {
                        throw new IllegalArgumentException("--rate-limit needs N/WINDOW, e.g. 100/1m");
                    }
                    b.rateLimit(Integer.parseInt(value.substring(0, slash)),
                            JobScript.parseDuration(value.substring(slash + 1)));
                }
                case "--null-timestamps" -> b.nullTimestamps(true);
                case "--timestamp-precision" -> b.timestampPrecision(TimestampPrecision.of(value));
                default -> throw o.unknown();
            }
        }
        FivetranEmulator emulator = b.build();
        defs.forEach(d -> emulator.addConnector(d[0], d[1], d[2]));
        emulator.start().serveUntilKilled();
    }
}
