package io.syncrunner.testsupport;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * The real runner ({@code io.syncrunner.SyncRunner}) as a separate JVM, for kill -9, restart and cluster tests.
 *
 * <pre>{@code
 * try (RunnerProcess runner = RunnerProcess.builder("node-1")
 *         .env("AIRBYTE_BASE_URL", emulator.selfManagedApiUrl())   // environment of the child
 *         .property("syncrunner.api.token", TOKEN)                 // -Dkey=value: overrides application.properties
 *         .start()) {                                              // returns once the runner serves HTTP
 *     runner.baseUrl();        // http://127.0.0.1:<its own free port>
 *     runner.killHard();       // SIGKILL; returns once the process is gone (exit code 137)
 * }                            // close(): SIGKILL if still alive
 * }</pre>
 *
 * <p>The child runs with this test JVM's classpath (target/classes, target/test-classes and every dependency), in
 * the project directory (so {@code config/application.properties} and {@code routes/} resolve as in production),
 * with the production {@code logback.xml} (not logback-test.xml), and writes stdout and stderr to
 * {@code target/runner-processes/<name>.log}.
 *
 * <p>Defaults, each replaced by the test's own value for the same key: {@code camel.server.port} = a free port,
 * {@code camel.server.host=127.0.0.1}, {@code example.workflow.enabled=false},
 * {@code camel.main.routes-reload-enabled=false}. Inherited environment variables that the configuration reads
 * ({@code AIRBYTE_*}, {@code FIVETRAN_*}, {@code SYNCRUNNER_*} except {@code SYNCRUNNER_TEST_*},
 * {@code USE_SERVER_AUTH}, {@code CAMEL_*}) are removed, so a developer's real credentials never reach a test
 * runner; the test sets what it needs.
 */
public final class RunnerProcess implements AutoCloseable {
    public static final String MAIN_CLASS = "io.syncrunner.SyncRunner";
    /** Small and quick to start (a runner starts in about 2 s with these). */
    public static final List<String> DEFAULT_JVM_OPTIONS =
            List.of("-Xmx256m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData");
    /** Camel's line when the context has started: "Apache Camel 4.18.0 (syncrunner) started in 1s234ms (...)". */
    private static final Pattern STARTED = Pattern.compile("Apache Camel \\S+ \\(.*\\) started in ");
    /** Exit code of a JVM ended by SIGKILL (128 + 9). */
    public static final int SIGKILL_EXIT_CODE = 137;
    /** Exit code of a JVM ended by SIGTERM (128 + 15) after its shutdown hooks ran. */
    public static final int SIGTERM_EXIT_CODE = 143;

    private static final Set<String> SCRUBBED_EXACT = Set.of("USE_SERVER_AUTH");
    private static final List<String> SCRUBBED_PREFIXES = List.of("AIRBYTE_", "FIVETRAN_", "SYNCRUNNER_", "CAMEL_");
    private static final Map<String, AtomicInteger> NAMES = new ConcurrentHashMap<>();
    /** Children still alive, killed when the test JVM exits (a test that forgot close()). */
    private static final Set<RunnerProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(RunnerProcess::kill),
                "runner-process-reaper"));
    }

    private final String name;
    private final Process process;
    private final int port;
    private final Path logFile;
    private final List<String> command;
    private final long launchedAtNanos;
    private volatile Duration startupTime;

    private RunnerProcess(String name, Process process, int port, Path logFile, List<String> command,
                          long launchedAtNanos) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.logFile = logFile;
        this.command = command;
        this.launchedAtNanos = launchedAtNanos;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    // ------------------------------------------------------------------------------------------------- accessors

    public String name() {
        return name;
    }

    /** The child's operating-system process id. */
    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** The runner's HTTP port (API, webhooks, /observe, /status). */
    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The file the child's stdout and stderr go to. */
    public Path logFile() {
        return logFile;
    }

    /** The command line the child was started with. */
    public List<String> command() {
        return command;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, once the process has ended. */
    public Optional<Integer> exitCode() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    /** Launch until Camel had started and /observe/health/live answered 200 (known after {@link #awaitStarted}). */
    public Duration startupTime() {
        return startupTime;
    }

    /** Everything the child has written so far. */
    public String log() {
        try {
            return Files.exists(logFile) ? new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean logContains(String text) {
        return log().contains(text);
    }

    /** The log lines that contain the text. */
    public List<String> logLines(String containing) {
        return log().lines().filter(l -> l.contains(containing)).toList();
    }

    /** The last lines of the log (for failure messages). */
    public String logTail(int lines) {
        List<String> all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    // ------------------------------------------------------------------------------------------------- lifecycle

    /**
     * Waits until Camel logged that it started and {@code GET /observe/health/live} answers 200; fails at once
     * (with the end of the log) when the process exits first.
     */
    public RunnerProcess awaitStarted(Duration timeout) {
        try {
            await("runner process " + name + " started").atMost(timeout)
                    .pollDelay(Duration.ofMillis(200)).pollInterval(Duration.ofMillis(100))
                    .failFast("runner process " + name + " exited", () -> !process.isAlive())
                    .until(() -> STARTED.matcher(log()).find() && liveAnswers200());
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            throw new IllegalStateException("Runner process " + name + " (pid " + pid() + ") did not start within "
                    + timeout + (process.isAlive() ? "" : "; it exited with " + process.exitValue())
                    + "; end of " + logFile + ":\n" + logTail(40), e);
        }
        startupTime = Duration.ofNanos(System.nanoTime() - launchedAtNanos);
        return this;
    }

    private boolean liveAnswers200() {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/observe/health/live"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * kill -9: {@link Process#destroyForcibly()} sends SIGKILL on Linux. The JVM gets no chance to run shutdown
     * hooks, so Camel stops nothing and cancels nothing. Returns once the process is gone (its exit code, 137).
     */
    public int killHard() {
        kill();
        if (process.isAlive()) {
            throw new IllegalStateException("Runner process " + name + " (pid " + pid() + ") still alive 10 s after SIGKILL");
        }
        return process.exitValue();
    }

    /** Graceful: SIGTERM (Camel's shutdown hook stops the routes), then waits up to 30 s; SIGKILL after that. */
    public int stop() {
        return stop(Duration.ofSeconds(30));
    }

    public int stop(Duration timeout) {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill();
                    throw new IllegalStateException("Runner process " + name + " did not stop within " + timeout
                            + " of SIGTERM; killed. End of " + logFile + ":\n" + logTail(40));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    /** Always kills (SIGKILL) a child that is still alive. */
    @Override
    public void close() {
        kill();
    }

    private void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!process.isAlive()) {
            LIVE.remove(this);
        }
    }

    @Override
    public String toString() {
        return "RunnerProcess[" + name + ", pid " + pid() + ", port " + port + ", " + logFile + "]";
    }

    // --------------------------------------------------------------------------------------------------- helpers

    /** A port nothing listens on now (bound and released at once). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether nothing accepts connections on 127.0.0.1:port and the port can be bound again. */
    public static boolean portFree(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return false;
        } catch (IOException refused) {
            // nothing listens
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The project's top directory (where config/ and routes/ are): the working directory (failsafe runs the
     * integration tests there), else the folder above the module's (Maven's basedir).
     */
    public static Path projectDir() {
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Path module = Path.of(System.getProperty("basedir", cwd.toString())).toAbsolutePath();
        for (Path dir : new Path[] {cwd, module, module.getParent()}) {
            if (dir != null && Files.isRegularFile(dir.resolve("config/application.properties"))) {
                return dir;
            }
        }
        throw new IllegalStateException("No config/application.properties in " + cwd + " or " + module);
    }

    /**
     * This JVM's classpath. Surefire may start tests with a manifest-only booter jar as java.class.path; it then
     * puts the real test classpath in surefire.test.class.path.
     */
    public static String testClasspath() {
        String surefire = System.getProperty("surefire.test.class.path");
        String cp = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        // the devtools' test classes, and the product as classes or as its jar (failsafe runs on the packaged jars)
        boolean hasClasses = Arrays.stream(cp.split(File.pathSeparator))
                .anyMatch(e -> Path.of(e).endsWith(Path.of("target", "test-classes")));
        if (!hasClasses) {
            throw new IllegalStateException("The test classpath has no target/test-classes: " + cp);
        }
        return cp;
    }

    public static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .filter(c -> Files.isExecutable(Path.of(c)))
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    // --------------------------------------------------------------------------------------------------- builder

    public static final class Builder {
        private final String name;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>(DEFAULT_JVM_OPTIONS);
        private final List<String> args = new ArrayList<>();
        private String mainClass = MAIN_CLASS;
        private Duration startupTimeout = Duration.ofSeconds(60);
        /** The data directory (journal) of every process this builder starts: a restart finds its runs again. */
        private final String dataDir = "target/runner-processes/data-" + java.util.UUID.randomUUID();

        private Builder(String name) {
            if (!name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("A process name is used in a file name: " + name);
            }
            this.name = name;
        }

        /** A system property of the child ({@code -Dkey=value}): overrides the same key of application.properties. */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public Builder properties(Map<String, String> values) {
            properties.putAll(values);
            return this;
        }

        /** An environment variable of the child (e.g. AIRBYTE_BASE_URL, SYNCRUNNER_API_TOKEN). */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** The runner's HTTP port (default: a free one). */
        public Builder port(int port) {
            return property("camel.server.port", String.valueOf(port));
        }

        /** An extra JVM option (e.g. "-Xmx512m"; later options win). */
        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        /** The class whose main starts the child (default the product's {@value #MAIN_CLASS}). */
        public Builder mainClass(String className) {
            this.mainClass = className;
            return this;
        }

        /** A program argument of SyncRunner (e.g. "-pl", "file:other.properties"). */
        public Builder arg(String arg) {
            args.add(arg);
            return this;
        }

        /**
         * The demo's example workflow (demo/routes/ and demo/demo.properties of the devtools) beside the routes in
         * routes/, with the accounts and journal the test gives (no emulator is started by the runner).
         */
        public Builder exampleWorkflow() {
            args.add("-pl");
            args.add("file:config/application.properties,classpath:demo/demo.properties");
            properties.put("camel.main.routes-include-pattern", "file:routes/*.yaml,classpath:demo/routes/*.yaml");
            properties.put("example.workflow.enabled", "true");
            return this;
        }

        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /** Starts the child and waits until it serves HTTP ({@link RunnerProcess#awaitStarted}). */
        public RunnerProcess start() {
            RunnerProcess p = launch();
            try {
                return p.awaitStarted(startupTimeout);
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
        }

        /** Starts the child without waiting (for tests of a runner that must fail to start). */
        public RunnerProcess launch() {
            Map<String, String> props = new LinkedHashMap<>();
            int port = properties.containsKey("camel.server.port")
                    ? Integer.parseInt(properties.get("camel.server.port"))
                    : env.containsKey("SYNCRUNNER_HTTP_PORT") ? Integer.parseInt(env.get("SYNCRUNNER_HTTP_PORT"))
                    : freePort();
            if (!env.containsKey("SYNCRUNNER_HTTP_PORT")) {
                props.put("camel.server.port", String.valueOf(port));
            }
            if (!env.containsKey("SYNCRUNNER_HTTP_HOST")) {
                props.put("camel.server.host", "127.0.0.1");
            }
            props.put("example.workflow.enabled", "false");
            props.put("camel.main.routes-reload-enabled", "false");
            // the connection inventory's listing requests would mix with the ones a test counts (on where tested)
            props.put("syncrunner.inventory.enabled", "false");
            if (!env.containsKey("SYNCRUNNER_DATA_DIR")) {
                // a journal of its own per builder (a restart from the same builder finds it again)
                props.put("syncrunner.data-dir", projectDir().resolve(dataDir).toString());
            }
            props.putAll(properties);

            Path dir = projectDir();
            Path logDir = dir.resolve("target/runner-processes");
            int n = NAMES.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            Path logFile = logDir.resolve(n == 1 ? name + ".log" : name + "-" + n + ".log");

            List<String> cmd = new ArrayList<>();
            cmd.add(javaExecutable());
            cmd.addAll(jvmOptions);
            Path logback = dir.resolve("syncrunner/target/classes/logback.xml");
            if (Files.isRegularFile(logback) && !props.containsKey("logback.configurationFile")) {
                // the production log configuration, not target/test-classes/logback-test.xml
                cmd.add("-Dlogback.configurationFile=" + logback);
            }
            props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            cmd.add("-cp");
            cmd.add(testClasspath());
            cmd.add(mainClass);
            cmd.addAll(args);

            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> SCRUBBED_EXACT.contains(k)
                    || SCRUBBED_PREFIXES.stream().anyMatch(k::startsWith) && !k.startsWith("SYNCRUNNER_TEST_"));
            pb.environment().putAll(env);
            try {
                Files.createDirectories(logDir);
                pb.redirectOutput(logFile.toFile());
                long launched = System.nanoTime();
                RunnerProcess p = new RunnerProcess(name, pb.start(), port, logFile, List.copyOf(cmd), launched);
                LIVE.add(p);
                return p;
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start runner process " + name, e);
            }
        }
    }
}
