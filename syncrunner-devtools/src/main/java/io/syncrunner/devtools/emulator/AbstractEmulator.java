package io.syncrunner.devtools.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.syncrunner.devtools.emulator.EmulatorHttp.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.syncrunner.devtools.emulator.EmulatorHttp.normalize;
import static io.syncrunner.devtools.emulator.EmulatorHttp.readJson;

/**
 * What the API emulators have in common (package-private): the settings every one has (port, worker threads,
 * clock, request-log size), the server lifecycle, the request pipeline (admin routing, fault injection, request
 * log), the inspection methods and the admin endpoints for requests, faults and stats.
 *
 * <p>A subclass says where its API lives in a path ({@link #apiPath}), what a request concerns and how it is
 * handled ({@link #accept}), what its error answers look like ({@link #faultReply}, {@link #unexpectedError},
 * {@link #invalidRequest}) and which admin endpoints it adds ({@link #handleOwnAdmin}).
 *
 * <p>Loading an emulator class sets the system property {@code sun.net.httpserver.nodelay=true} (unless already
 * set); see {@link EmulatorHttp#enableNoDelay()}.
 */
abstract class AbstractEmulator implements AutoCloseable {

    /** Prefix of the admin endpoints (never authenticated, faulted, rate limited or recorded). */
    static final String ADMIN_PREFIX = "/__emulator";

    static {
        EmulatorHttp.enableNoDelay();
    }

    /** The clock for all emulated state (job and sync progress, timestamps, token expiry). */
    final Clock clock;
    private final String name;
    private final String threadPrefix;
    private final int requestedPort;
    private final int threads;
    private final Faults faults = new Faults();
    private final RequestLog requestLog;
    private final Logger log = LoggerFactory.getLogger(getClass());

    private volatile EmulatorHttp.Server server;

    /**
     * What a subclass makes of one API request: what the request log records about it, and the real handling,
     * which runs unless a fault replaces it.
     *
     * @param auth         the kind of credentials the request carried
     * @param connectionId the connection (connector) the request concerns, or null
     * @param trigger      whether the request asks for a sync to start
     * @param processing   the real handling; may throw (answered with {@link AbstractEmulator#unexpectedError})
     */
    record Accepted(AuthKind auth, String connectionId, boolean trigger, Supplier<Reply> processing) {
    }

    /**
     * @param name         what the emulator is called in logs and messages, e.g. {@code "Airbyte emulator"}
     * @param threadPrefix name prefix of the worker threads, e.g. {@code "airbyte-emulator"}
     */
    AbstractEmulator(String name, String threadPrefix, BuilderBase<?> settings) {
        this.name = name;
        this.threadPrefix = threadPrefix;
        this.requestedPort = settings.port;
        this.threads = settings.threads;
        this.clock = settings.clock;
        this.requestLog = new RequestLog(settings.requestLogLimit);
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /** Binds 127.0.0.1 on the configured port and starts serving (subclasses' {@code start()}). */
    final synchronized void startServer() {
        if (server != null) {
            throw new IllegalStateException("emulator already started");
        }
        beforeStart();
        this.server = EmulatorHttp.start(name, requestedPort, threads, threadPrefix, this::handle);
        log.debug("{} listening on {}", name, baseUrl());
    }

    /** Starts what the emulator needs besides the server; called by {@link #startServer()} before it binds. */
    void beforeStart() {
    }

    /** Stops what {@link #beforeStart()} started; called by {@link #close()} after the server stopped. */
    void afterStop() {
    }

    /** Stops the server, its worker threads and any background thread immediately; safe to call twice. */
    @Override
    public synchronized void close() {
        EmulatorHttp.Server s = server;
        server = null;
        faults.rules().forEach(FaultRule::release);
        if (s != null) {
            s.stop();
        }
        afterStop();
        log.debug("{} stopped", name);
    }

    /** The bound port (after {@code start()}). */
    public int port() {
        EmulatorHttp.Server s = server;
        if (s == null) {
            throw new IllegalStateException("emulator not started");
        }
        return s.port();
    }

    /** {@code http://127.0.0.1:<port>} (no API prefix). */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** For a standalone {@code main()}: prints where the started emulator listens, then blocks until the process is killed. */
    final void serveUntilKilled() throws InterruptedException {
        System.out.println(name + " listening on " + baseUrl());
        new CountDownLatch(1).await();
    }

    // ------------------------------------------------------------------------------------------------ inspection

    /** The fault registry: add rules to inject errors, delays and dropped connections. */
    public Faults faults() {
        return faults;
    }

    /** Snapshot of all recorded requests, oldest first (admin calls are not recorded). */
    public List<RecordedRequest> requests() {
        return requestLog.snapshot();
    }

    /** The request log itself. */
    public RequestLog requestLog() {
        return requestLog;
    }

    /**
     * Number of recorded requests with this method ({@code "*"} any) whose path, with or without the API prefix,
     * fully matches the regex.
     */
    public long count(String method, String pathRegex) {
        return requestLog.count(method, pathRegex);
    }

    /**
     * Number of requests that asked for a sync of this connection (connector) to start, including ones answered
     * with a fault (see {@link RecordedRequest#trigger()}).
     */
    public long triggerCount(String connectionId) {
        return requestLog.triggerCount(connectionId);
    }

    /** Forgets the recorded requests and resets the request counters. */
    public void clearRequests() {
        requestLog.clear();
    }

    /** The emulator's counters (also served as {@code GET /__emulator/stats}). */
    public abstract Map<String, Object> stats();

    // ------------------------------------------------------------------------------------------------ dispatch

    /** The path without the API prefix; the path itself when it has none. */
    abstract String apiPath(String path);

    /** Reads what an API request concerns (credentials, connection, trigger) and how it is to be handled. */
    abstract Accepted accept(String method, String path, String apiPath, String query, HttpExchange ex, byte[] body);

    /**
     * Whether method and path alone make a request a sync trigger, so that it is recorded as one even when its body
     * could not be read; false unless a subclass says so.
     */
    boolean isTriggerPath(String method, String apiPath) {
        return false;
    }

    /** The first fault rule that applies to the request; by default rules match the path without API prefix. */
    Optional<FaultRule> selectFault(String method, String apiPath, String path) {
        return faults.select(method, apiPath);
    }

    /** The answer to a request a status fault rule applies to. */
    abstract Reply faultReply(FaultRule rule);

    /** The answer when handling a request failed with an exception. */
    abstract Reply unexpectedError(RuntimeException e);

    /** The answer to an invalid admin request. */
    abstract Reply invalidRequest(String message);

    /**
     * Admin requests go to the admin endpoints. An API request is accepted by the subclass, then either processed or
     * answered by the first fault rule that applies, recorded in the log and answered (or dropped).
     */
    private void handle(HttpExchange ex) {
        long started = System.nanoTime();
        Instant at = clock.instant();
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = normalize(ex.getRequestURI().getPath());
        String query = ex.getRequestURI().getRawQuery();
        if (path.equals(ADMIN_PREFIX) || path.startsWith(ADMIN_PREFIX + "/")) {
            handleAdmin(ex, method, path, query);
            return;
        }
        String apiPath = apiPath(path);
        // what the log says about a request whose body cannot be read
        Accepted request = new Accepted(AuthKind.NONE, null, isTriggerPath(method, apiPath), null);
        Optional<FaultRule> fault = Optional.empty();
        boolean recorded = false;
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            Accepted accepted = accept(method, path, apiPath, query, ex, body);
            request = accepted;
            Supplier<Reply> processing = () -> safely(accepted.processing());
            fault = selectFault(method, apiPath, path);
            // null reply = drop the connection
            Reply reply = fault.isEmpty() ? processing.get() : applyFault(fault.get(), processing);
            // record before answering so that a client seeing the answer also sees the log entry
            record(at, started, method, path, apiPath, query, request, reply == null ? 0 : reply.status(), fault);
            recorded = true;
            EmulatorHttp.answer(ex, reply);
        } catch (IOException e) {
            logIoError(method, path, e);
        } finally {
            ex.close();
            if (!recorded) {
                record(at, started, method, path, apiPath, query, request, -1, fault);
            }
        }
    }

    private void record(Instant at, long startedNanos, String method, String path, String apiPath, String query,
                        Accepted request, int status, Optional<FaultRule> fault) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        requestLog.add(new RecordedRequest(at, method, path, apiPath, query, request.auth(), status, fault.isPresent(),
                request.connectionId(), ms, request.trigger()));
        if (log.isDebugEnabled()) {
            log.debug("{} {} -> {}{} ({} ms, auth {})", method, path, status == 0 ? "dropped" : status,
                    fault.map(f -> " [fault " + f.id() + "]").orElse(""), ms, request.auth());
        }
    }

    /** Applies a fault; returns the reply to send, or null to drop the connection. */
    private Reply applyFault(FaultRule rule, Supplier<Reply> safeProcessing) {
        return EmulatorHttp.applyFault(rule, () -> {
            Reply real = safeProcessing.get();
            if (rule.isAfterProcessing()) {
                log.debug("fault {}: processed for real ({}) before replacing the answer", rule.id(), real.status());
            }
            return real;
        }, this::faultReply);
    }

    private Reply safely(Supplier<Reply> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            log.debug("emulator handler failed", e);
            return unexpectedError(e);
        }
    }

    private void logIoError(String method, String path, IOException e) {
        log.debug("{} {}: I/O error: {}", method, path, e.toString());
    }

    // ------------------------------------------------------------------------------------------------ admin

    private void handleAdmin(HttpExchange ex, String method, String path, String query) {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            EmulatorHttp.answer(ex, safely(() -> admin(method, normalize(path.substring(ADMIN_PREFIX.length())),
                    query, body)));
        } catch (IOException e) {
            logIoError(method, path, e);
        } finally {
            ex.close();
        }
    }

    /** The admin endpoints every emulator has; the others are the subclass's. */
    private Reply admin(String method, String path, String query, byte[] body) {
        return switch (method + " " + path) {
            case "GET /requests" -> Reply.json(200, requestLog.snapshot().stream().map(EmulatorHttp::requestMap).toList());
            case "DELETE /requests" -> {
                requestLog.clear();
                yield Reply.json(200, Map.of("cleared", true));
            }
            case "GET /faults" -> Reply.json(200, faults.rules().stream().map(FaultRule::toMap).toList());
            case "POST /faults" -> addFault(body);
            case "DELETE /faults" -> {
                int n = faults.rules().size();
                faults.clear();
                yield Reply.json(200, Map.of("cleared", n));
            }
            case "GET /stats" -> Reply.json(200, stats());
            default -> handleOwnAdmin(method, path, query, body);
        };
    }

    /**
     * The subclass's admin endpoints; answers its 404 for an unknown one.
     *
     * @param path the normalized path after {@link #ADMIN_PREFIX}
     */
    abstract Reply handleOwnAdmin(String method, String path, String query, byte[] body);

    private Reply addFault(byte[] body) {
        JsonNode n = readJson(body);
        if (n == null || !n.isObject()) {
            return invalidRequest("A JSON object is required.");
        }
        try {
            FaultRule rule = EmulatorHttp.faultFromJson(n);
            faults.add(rule);
            return Reply.json(200, rule.toMap());
        } catch (IllegalArgumentException | IllegalStateException e) {
            return invalidRequest(e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * The settings every emulator's builder has.
     *
     * @param <B> the concrete builder, returned for chaining
     */
    abstract static class BuilderBase<B extends BuilderBase<B>> {
        private int port;
        private int threads;
        private Clock clock = Clock.systemUTC();
        private int requestLogLimit = Integer.MAX_VALUE;

        BuilderBase(int defaultThreads) {
            this.threads = defaultThreads;
        }

        abstract B self();

        /** Port to bind on 127.0.0.1 (0 = random free port, the default). */
        public B port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("invalid port " + port);
            }
            this.port = port;
            return self();
        }

        /** Number of worker threads (default: the emulator's {@code DEFAULT_THREADS}). */
        public B threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1");
            }
            this.threads = threads;
            return self();
        }

        /**
         * Clock for job and sync progress, timestamps and token expiry (default system UTC; tests may pass a
         * controllable clock).
         */
        public B clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return self();
        }

        /** Maximum number of requests kept in the log (default unbounded; counters stay exact). */
        public B requestLogLimit(int maxEntries) {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("requestLogLimit must be >= 1");
            }
            this.requestLogLimit = maxEntries;
            return self();
        }
    }

    // ------------------------------------------------------------------------------------------------ main

    /** One command-line argument of a standalone {@code main()}: {@code --key=value}, or {@code --flag} (value ""). */
    record Option(String arg, String key, String value) {

        /** The arguments, split at the first '='. */
        static List<Option> parse(String[] args) {
            List<Option> out = new ArrayList<>(args.length);
            for (String arg : args) {
                int eq = arg.indexOf('=');
                out.add(new Option(arg, eq < 0 ? arg : arg.substring(0, eq), eq < 0 ? "" : arg.substring(eq + 1)));
            }
            return out;
        }

        /** The error for an option the emulator does not know. */
        IllegalArgumentException unknown() {
            return new IllegalArgumentException("unknown option " + arg);
        }
    }
}
