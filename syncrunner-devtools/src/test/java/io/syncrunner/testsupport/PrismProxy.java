package io.syncrunner.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Runs Stoplight Prism ({@code @stoplight/prism-cli}, pinned in {@code src/test/prism/package.json}) as a
 * validating proxy between a client under test and an upstream API emulator, and collects its log so that a
 * test can fail on any contract violation.
 *
 * <h2>Installation</h2>
 * Prism is installed by npm, not by Maven: {@code npm ci --prefix src/test/prism --no-audit --no-fund}
 * (run in the project root; needs Node &gt;= 18.20.1). The process started is
 * {@code node src/test/prism/node_modules/@stoplight/prism-cli/dist/index.js proxy <spec> <upstream>
 * -h 127.0.0.1 -p <free port> --errors} &ndash; {@code dist/index.js} is the package's {@code bin.prism} entry;
 * no {@code npx} wrapper, so the process we hold is Prism itself (it starts no children; {@link #close()} kills
 * descendants anyway). If the installation is missing, {@link #start} throws an {@link IllegalStateException}
 * naming the install command; it never skips.
 * The project root is found by walking up from the working directory to the first directory containing
 * {@code src/test/prism/package.json} (override: system property {@code prism.dir} = the directory holding that
 * {@code package.json}); the node binary is {@code node} from the PATH (override: {@code prism.node}).
 * System property {@code prism.echo=true} copies Prism's log to {@code System.out}.
 *
 * <h2>Path mapping (measured with Prism 5.14.2 and the Airbyte spec, server {@code https://api.airbyte.com/v1})</h2>
 * <ul>
 *   <li>Clients call Prism <b>without</b> the spec server's base path: {@code GET http://127.0.0.1:PRISM/jobs/1}.
 *       {@code GET /v1/jobs/1} is answered by Prism itself with 404 {@code NO_PATH_MATCHED_ERROR} and is not
 *       forwarded.</li>
 *   <li>Prism forwards to {@code upstreamUrl + requestPath} (path-joined, query string kept), so an emulator that
 *       serves {@code /v1/jobs} must be passed as {@code http://127.0.0.1:EMU/v1}; with
 *       {@code http://127.0.0.1:EMU} it would receive {@code /jobs/1}.</li>
 *   <li>Fivetran's spec has server {@code https://api.fivetran.com} (no base path) and paths that start with
 *       {@code /v1}, so there the client calls {@code PRISM/v1/...} and the upstream is {@code http://127.0.0.1:EMU}.</li>
 * </ul>
 *
 * <h2>What Prism reports (measured)</h2>
 * <ul>
 *   <li>One log line per violation on an exchange that is passed through, e.g.<br>
 *       {@code [4:29:02 PM] ›     [VALIDATOR] ✖  error     Violation: response.body.status Response body property status must be equal to one of the allowed values: ...}<br>
 *       {@code [4:28:38 PM] ›     [VALIDATOR] ⚠  warning   Violation: response Unable to match the returned status code with those defined in the document: 200,400,403}<br>
 *       Format: {@code Violation: <location joined by '.'> <message>}; severity {@code ✖  error} or {@code ⚠  warning}.</li>
 *   <li>Every violation is also sent to the client in the response header {@code sl-violations} (JSON array of
 *       {@code {location:[..], severity, code, message}}), with and without {@code --errors}.</li>
 *   <li>A status code the spec does not list for the operation (e.g. 409 on {@code POST /jobs}) is a
 *       <b>Warning</b>: the upstream answer is passed through unchanged (also with {@code --errors}), plus the
 *       {@code sl-violations} header and a {@code ⚠ warning Violation: response Unable to match ...} log line.</li>
 *   <li>With {@code --errors} (always used here):
 *     <ul>
 *       <li>an Error-severity <em>response</em> violation (wrong enum value, missing required property, ...)
 *           replaces the upstream answer with <b>500</b> {@code application/problem+json}
 *           {@code {"type":"https://stoplight.io/prism/errors#VIOLATIONS","title":"Request/Response not valid",
 *           ...,"validation":[...]}} (+ {@code sl-violations}). Prism then logs only
 *           {@code [HTTP SERVER] get /jobs/2 ✖  error     Request terminated with error: https://stoplight.io/prism/errors#VIOLATIONS: Request/Response not valid}
 *           &ndash; the details are in the 500 body / header that the client got, not in the log;</li>
 *       <li>a <em>request</em> violation (bad body, bad path parameter) is answered <b>422</b>
 *           {@code #UNPROCESSABLE_ENTITY} with a {@code validation} array and is <b>not forwarded</b>; log line
 *           {@code ✖  error     Request terminated with error: https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY: Invalid request}.</li>
 *     </ul></li>
 *   <li>Without {@code --errors} (CLI experiment; not offered by this class) everything is forwarded and passed
 *       through unchanged &ndash; even requests to paths that are not in the spec, logged only as
 *       {@code ⚠ warning Violation: request Selected route not found} &ndash; and each violation gets its own
 *       {@code Violation:} log line with the details. With {@code --errors}, a path that is not in the spec is
 *       answered 404 {@code NO_PATH_MATCHED_ERROR} and not forwarded.</li>
 *   <li>An unreachable upstream gives 500 {@code {"type":"FetchError",...}} and
 *       {@code ✖  error     Request terminated with error: FetchError: request to ... failed, reason: connect ECONNREFUSED ...};
 *       an upstream 501 becomes Prism's {@code UPSTREAM_NOT_IMPLEMENTED}.</li>
 *   <li>Prism writes its log asynchronously (pino &rarr; stream &rarr; signale), so a line can arrive after the client
 *       already has the response. {@link #violations()} and {@link #output()} therefore first send a marker request
 *       ({@code GET /__prismproxy_flush__/N}, not in any spec, so with {@code --errors} Prism answers it 404 itself
 *       and never forwards it) and wait until Prism logs it; the marker's own lines are hidden.</li>
 *   <li>The Airbyte spec defines {@code GET /} and {@code GET /health}; Prism forwards those like any other call.
 *       Readiness is therefore checked by Prism's "listening" log line plus a bare TCP connect, never by HTTP.</li>
 * </ul>
 * Start-up with the Airbyte spec takes about 1.2&ndash;2 s.
 *
 * <p>{@link #violations()} returns every log line containing {@code Violation} (warnings included) or Prism's
 * error marker ({@code ✖}, {@code Request terminated with error}) &ndash; request/response violations, calls to
 * paths or methods that are not in the spec, and failed upstream calls all count. If Prism died, a line saying so
 * is reported as a violation as well, so a dead proxy cannot make a test pass.
 *
 * <p>Thread-safe. Use try-with-resources or call {@link #close()}; a JVM shutdown hook kills a Prism that was not
 * closed.
 */
public final class PrismProxy implements AutoCloseable {

    /** The command that installs Prism (run in the project root). */
    public static final String INSTALL_COMMAND = "npm ci --prefix src/test/prism --no-audit --no-fund";
    /** Entry point inside the Prism install directory ({@code bin.prism} of {@code @stoplight/prism-cli}). */
    public static final String ENTRY_POINT = "node_modules/@stoplight/prism-cli/dist/index.js";

    static final String FLUSH_PATH = "/__prismproxy_flush__/";

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(10);
    private static final int START_ATTEMPTS = 3;
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]");

    private final Process process;
    private final int port;
    private final Log log;
    private final Thread reader;
    private final Thread shutdownHook;
    private final AtomicInteger flushCounter = new AtomicInteger();
    private final HttpClient flushClient = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private volatile boolean closed;

    private PrismProxy(Process process, int port, Log log, Thread reader) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.reader = reader;
        this.shutdownHook = new Thread(() -> killTree(process, Duration.ofSeconds(2)), "prism-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code prism proxy specFile upstreamUrl --errors} on 127.0.0.1 and a free port and waits (at most 60 s)
     * until it listens.
     *
     * @param specFile    OpenAPI file, e.g. {@code Specs.airbyte()}
     * @param upstreamUrl base URL of the emulator <b>including</b> the path prefix that corresponds to the spec's
     *                    server URL (Airbyte: {@code http://127.0.0.1:EMU/v1}); see the class comment
     * @throws IllegalStateException if Prism is not installed, node cannot be run, or Prism does not come up
     */
    public static PrismProxy start(Path specFile, String upstreamUrl) {
        return start(prismDir(), specFile, upstreamUrl);
    }

    static PrismProxy start(Path prismDir, Path specFile, String upstreamUrl) {
        if (upstreamUrl == null || !upstreamUrl.matches("https?://.+")) {
            checkInstalled(prismDir, specFile);
            throw new IllegalArgumentException("upstreamUrl must be an http(s) URL, got: " + upstreamUrl);
        }
        return launch(prismDir, specFile, List.of("proxy", specFile.toAbsolutePath().toString(), upstreamUrl));
    }

    /**
     * Starts {@code prism mock specFile --dynamic --seed seed --errors} on 127.0.0.1 and a free port: Prism itself is
     * the server and answers every request that conforms to the spec with a random, schema-valid body generated
     * from the seed (a request that does not conform gets 400/422 with {@code sl-violations}). Measured with Prism
     * 5.14.2: the generator is re-seeded for every request, so with one seed an operation gets the same answer every
     * time (a {@code POST /jobs} and a {@code GET /jobs/{id}} share a response schema and so get the same body);
     * different seeds give different answers. {@link #url()} is the base URL, without the spec server's base path.
     */
    public static PrismProxy mock(Path specFile, String seed) {
        if (seed == null || seed.isBlank()) {
            throw new IllegalArgumentException("a dynamic mock needs a seed, got: " + seed);
        }
        return launch(prismDir(), specFile, List.of("mock", specFile.toAbsolutePath().toString(), "--dynamic",
                "--seed", seed));
    }

    private static void checkInstalled(Path prismDir, Path specFile) {
        Path entryPoint = prismDir.resolve(ENTRY_POINT);
        if (!Files.isRegularFile(entryPoint)) {
            throw new IllegalStateException("Prism is not installed: " + entryPoint + " does not exist. Install it"
                    + " with `" + INSTALL_COMMAND + "` in " + projectRootOf(prismDir)
                    + " (needs Node >= 18.20.1 and npm).");
        }
        if (!Files.isRegularFile(specFile)) {
            throw new IllegalArgumentException("OpenAPI spec not found: " + specFile.toAbsolutePath());
        }
    }

    /** Runs {@code prism <arguments> -h 127.0.0.1 -p <free port> --errors}, on another port if one was taken. */
    private static PrismProxy launch(Path prismDir, Path specFile, List<String> arguments) {
        checkInstalled(prismDir, specFile);
        Path entryPoint = prismDir.resolve(ENTRY_POINT);
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            try {
                return startOnce(entryPoint, arguments, freePort());
            } catch (PortTakenException e) {
                last = e; // another process took the port between freePort() and Prism's bind: try another one
            }
        }
        throw last;
    }

    /** Base URL of the proxy, e.g. {@code http://127.0.0.1:41234} (no trailing slash, no spec base path). */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The node process running Prism. */
    ProcessHandle processHandle() {
        return process.toHandle();
    }

    /**
     * Every log line so far that reports a violation or a Prism error (see class comment), after making sure that
     * the log of all exchanges whose response has already been received is in.
     */
    public List<String> violations() {
        List<String> all = output();
        List<String> result = new ArrayList<>();
        for (String line : all) {
            if (isViolation(line)) {
                result.add(line);
            }
        }
        if (!closed && !process.isAlive()) {
            result.add("PrismProxy: Prism exited unexpectedly (exit code " + process.exitValue() + ")");
        }
        return List.copyOf(result);
    }

    /**
     * Everything Prism wrote to stdout and stderr so far (ANSI colour codes removed, flush-marker lines hidden),
     * after making sure that the log of all exchanges whose response has already been received is in.
     */
    public List<String> output() {
        flushLog();
        return log.snapshot(line -> !line.contains(FLUSH_PATH));
    }

    /** Forgets the log collected so far (after flushing it), e.g. between tests that share one Prism. */
    public void clearOutput() {
        flushLog();
        log.clear();
    }

    /** Throws an {@link AssertionError} listing the violations and Prism's request log if there are any. */
    public void assertNoViolations() {
        List<String> violations = violations();
        if (!violations.isEmpty()) {
            StringBuilder requestLog = new StringBuilder();
            for (String line : log.snapshot(l -> !l.contains(FLUSH_PATH) && !l.contains("[CLI]"))) {
                requestLog.append("\n  ").append(line);
            }
            throw new AssertionError("Prism reported " + violations.size() + " contract violation(s):\n  "
                    + String.join("\n  ", violations)
                    + "\n(a response violation's details are in the 500 body and the sl-violations header that the"
                    + " client received)\nPrism request log:" + requestLog);
        }
    }

    /** Kills Prism (and any processes it started) and waits until it is gone. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        killTree(process, STOP_TIMEOUT);
        join(reader);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the JVM is exiting and runs the hook anyway
        }
    }

    @Override
    public String toString() {
        return "PrismProxy[" + url() + ", pid " + process.pid() + (closed ? ", closed" : "") + "]";
    }

    static boolean isViolation(String line) {
        return line.contains("Violation") || line.contains("✖") || line.contains("Request terminated with error");
    }

    /**
     * Prism's log travels through asynchronous streams, so a line may show up after the client got its response.
     * A marker request is logged ("Request received") only after every log call of earlier, completed exchanges;
     * once its line is in, so are theirs. Synchronized so that concurrent callers do not interleave markers.
     */
    private synchronized void flushLog() {
        if (closed || !process.isAlive()) {
            return;
        }
        String marker = FLUSH_PATH + flushCounter.incrementAndGet();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url() + marker))
                .timeout(FLUSH_TIMEOUT)
                .GET()
                .build();
        try {
            flushClient.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            if (!process.isAlive()) {
                return; // reported by violations()
            }
            throw new IllegalStateException("Prism at " + url() + " did not answer the log-flush request", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while flushing Prism's log", e);
        }
        String expected = "get " + marker + " ";
        if (!log.await(line -> line.contains(expected), FLUSH_TIMEOUT) && process.isAlive()) {
            throw new IllegalStateException("Prism did not log the flush request " + marker + " within "
                    + FLUSH_TIMEOUT.toSeconds() + " s");
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    private static PrismProxy startOnce(Path entryPoint, List<String> arguments, int port) {
        List<String> command = new ArrayList<>(List.of(System.getProperty("prism.node", "node"), entryPoint.toString()));
        command.addAll(arguments);
        command.addAll(List.of("-h", "127.0.0.1", "-p", Integer.toString(port), "--errors"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(entryPoint.getParent().toFile())
                .redirectErrorStream(true);
        builder.environment().put("FORCE_COLOR", "0");
        builder.environment().put("NO_COLOR", "1");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run `" + String.join(" ", command)
                    + "`: is Node.js (>= 18.20.1) on the PATH? (or set -Dprism.node=/path/to/node)", e);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // Prism does not read stdin
        }

        Log log = new Log();
        boolean echo = Boolean.getBoolean("prism.echo");
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String raw;
                while ((raw = in.readLine()) != null) {
                    String line = ANSI.matcher(raw).replaceAll("");
                    if (echo) {
                        System.out.println("[prism:" + port + "] " + line);
                    }
                    log.add(line);
                }
            } catch (IOException e) {
                if (process.isAlive()) {
                    log.add("PrismProxy: error reading Prism's output: " + e);
                }
            } finally {
                log.end();
            }
        }, "prism-output-" + port);
        reader.setDaemon(true);
        reader.start();

        String listening = "Prism is listening on http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        String failure;
        if (!log.await(line -> line.contains(listening), STARTUP_TIMEOUT)) {
            failure = log.ended() ? "exited during start-up" + exitCode(process)
                    : "did not report listening within " + STARTUP_TIMEOUT.toSeconds() + " s";
        } else if (!process.isAlive()) {
            failure = "exited right after start-up" + exitCode(process);
        } else if (!awaitTcp(port, deadline)) {
            failure = "reported listening, but port " + port + " does not accept connections";
        } else {
            return new PrismProxy(process, port, log, reader);
        }
        killTree(process, STOP_TIMEOUT);
        join(reader);
        List<String> output = log.snapshot(line -> true);
        String message = "Prism " + failure + ".\nCommand: " + String.join(" ", command)
                + "\nPrism's output:\n  " + String.join("\n  ", output);
        if (output.stream().anyMatch(line -> line.contains("EADDRINUSE"))) {
            throw new PortTakenException(message);
        }
        throw new IllegalStateException(message);
    }

    private static String exitCode(Process process) {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? " (exit code " + process.exitValue() + ")" : "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Bounded TCP connect loop; a bare connect sends no HTTP request, so nothing appears in Prism's log. */
    private static boolean awaitTcp(int port, long deadlineNanos) {
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return true;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadlineNanos) {
                    return false;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    private static void killTree(Process process, Duration timeout) {
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (ProcessHandle child : descendants) {
                if (child.isAlive()) {
                    child.destroyForcibly();
                }
                child.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
        } catch (Exception timeoutOrFailure) {
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** Directory that holds Prism's package.json (and node_modules after {@link #INSTALL_COMMAND}). */
    static Path prismDir() {
        String override = System.getProperty("prism.dir");
        if (override != null && !override.isBlank()) {
            return Path.of(override).toAbsolutePath().normalize();
        }
        // the devtools module's folder (Maven's basedir), else the working directory and its parents
        Path start = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            for (Path candidate : List.of(dir.resolve("src/test/prism"),
                    dir.resolve("syncrunner-devtools/src/test/prism"))) {
                if (Files.isRegularFile(candidate.resolve("package.json"))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("Cannot find src/test/prism/package.json in " + start + " or its parents;"
                + " run the tests from the project root or set -Dprism.dir=<project>/src/test/prism."
                + " Prism is installed with `" + INSTALL_COMMAND + "`.");
    }

    private static Path projectRootOf(Path prismDir) {
        Path root = prismDir.toAbsolutePath().normalize();
        for (int i = 0; i < 3 && root.getParent() != null; i++) {
            root = root.getParent();
        }
        return root;
    }

    /** Prism's output lines, with waiting for a line to appear. */
    private static final class Log {
        private final List<String> lines = new ArrayList<>();
        private boolean ended;

        synchronized void add(String line) {
            lines.add(line);
            notifyAll();
        }

        synchronized void end() {
            ended = true;
            notifyAll();
        }

        synchronized boolean ended() {
            return ended;
        }

        synchronized void clear() {
            lines.clear();
        }

        synchronized List<String> snapshot(Predicate<String> filter) {
            return lines.stream().filter(filter).toList();
        }

        /** Waits until a line matching {@code condition} has been added; false on timeout or end of output. */
        synchronized boolean await(Predicate<String> condition, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int checked = 0;
            while (true) {
                if (checked > lines.size()) {
                    checked = 0; // cleared meanwhile
                }
                for (; checked < lines.size(); checked++) {
                    if (condition.test(lines.get(checked))) {
                        return true;
                    }
                }
                long remaining = deadline - System.nanoTime();
                if (ended || remaining <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    private static final class PortTakenException extends IllegalStateException {
        PortTakenException(String message) {
            super(message);
        }
    }
}
