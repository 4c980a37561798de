package io.syncrunner.devtools.bench;

import ch.qos.logback.classic.Level;
import io.syncrunner.SyncRunner;
import io.syncrunner.airbyte.AirbyteSyncs;
import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.devtools.emulator.FivetranEmulator;
import io.syncrunner.devtools.emulator.FivetranSyncRun;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.syncrunner.devtools.emulator.RequestLog;
import io.syncrunner.fivetran.FivetranSyncs;
import io.syncrunner.runs.SyncRun;
import io.syncrunner.support.Durations;
import io.syncrunner.support.SyncState;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Benchmark command: runs N concurrent Airbyte (or Fivetran) syncs through the real runner (Camel Main with
 * {@code config/application.properties} and {@code routes/*.yaml}) against the bundled emulator on loopback, and
 * prints what they cost. Not a test: see the README, section "Benchmark".
 *
 * <pre>
 * mvn -B -q package -DskipTests
 * java -Xmx512m -Dsun.net.httpserver.nodelay=true -cp target/syncrunner.jar io.syncrunner.devtools.bench.Bench --syncs 1000 \
 *     [--poll 1s] [--job 5s] [--trigger-rate 0] [--api-latency 0ms] [--emulator-threads 32] [--token-ttl 180s]
 *     [--provider airbyte|fivetran] [--webhooks] [--http-trigger] [--http-concurrency 64]
 *     [--baseline] [--baseline-cap 2000] [--warmup 0] [--senders 1] [--verbose]
 * </pre>
 *
 * <p>Each sync gets its own emulator connection (connector) whose job ends at a different phase of the poll cycle.
 * Syncs are started through an {@link AsyncProducer} of {@code direct:sync-run}, the one sync flow (no thread per
 * sync), from one thread or {@code --senders} threads at once, or, with {@code --http-trigger}, through {@code POST /api/syncs}
 * on the runner's HTTP server by {@link HttpTrigger} ({@code --http-concurrency} keep-alive connections, one request
 * in flight on each). {@code --warmup W} first runs W short syncs the same way and waits for them (not counted), so
 * that the measured pass runs on compiled code.
 * {@code --webhooks} registers a {@code sync_end} webhook from the Fivetran emulator to the runner, or points the
 * Airbyte emulator's sync notifications at the runner's {@code /webhooks/airbyte/{secret}}, so syncs end on the
 * webhook, not on a poll (compare the detection latency of a run without it). {@code --baseline} then runs the same scripts (at most
 * {@code --baseline-cap} syncs) with {@link NaiveBaseline}: one blocking thread per sync, a token per request.
 *
 * <p>Measured: trigger time and rate (and per-request latency through HTTP); time until all completed;
 * succeeded/failed (exit code 1 unless all succeeded); peak live threads sampled every 100 ms, in total and without
 * the emulators' threads and the bench's own (load generator, sampler, watcher, and {@code main}: the runner's Camel
 * Main runs on {@code bench-camel-main}, where {@code java -jar} runs it on {@code main}); peak heap (sampled), heap after GC, RSS; process CPU per
 * status call (the emulator runs in the same process: its share is included); API calls seen by the emulator; and
 * detection latency, the time from each emulator job's end to the runner's completion (p50/p95/p99/max).
 */
public final class Bench {
    private static final String ACCOUNT = "bench";
    private static final String CLIENT_ID = "bench-client";
    private static final String GROUP = "bench_group";
    /** The emulators' threads. */
    static final List<String> EMULATOR_THREADS = List.of("airbyte-emulator", "fivetran-emulator", "HTTP-Dispatcher",
            "idle-timeout-task", "req-rsp-timeout-task");
    /** The emulators' threads and the bench's own: load generator, naive client, sampler, watcher, main. */
    static final List<String> NOT_RUNNER_THREADS = java.util.stream.Stream.concat(EMULATOR_THREADS.stream(),
            java.util.stream.Stream.of("bench-http", "naive-sync", "bench-sampler", "bench-run-watcher", "main"))
            .toList();
    /**
     * In process, the bench's {@code main} thread sends the syncs and runs each one's route up to its first wait:
     * the work a trigger thread of the runner does otherwise, so there it counts as the runner's.
     */
    static final List<String> NOT_RUNNER_THREADS_IN_PROCESS = NOT_RUNNER_THREADS.stream()
            .filter(name -> !name.equals("main")).toList();
    private static final long ROWS = 12_840;
    private static final long BYTES = 3_276_800;
    /** The emulator keeps at most this many requests (its totals stay exact); unbounded, 10k syncs fill the heap. */
    private static final int REQUEST_LOG_LIMIT = 10_000;

    private Bench() {
    }

    /** Command-line options. */
    record Options(int syncs, Duration poll, Duration job, double triggerRate, Duration apiLatency, int emulatorThreads,
                   boolean verbose, String provider, boolean webhooks, boolean httpTrigger, int httpConcurrency,
                   int baselineCap, Duration tokenTtl, java.util.Map<String, String> settings, int warmup,
                   boolean latencyReadsOnly, int senders) {
        static final String USAGE = "usage: Bench --syncs N [--poll 1s] [--job 5s] [--trigger-rate 0]"
                + " [--api-latency 0ms] [--emulator-threads 32] [--token-ttl 180s] [--provider airbyte|fivetran]"
                + " [--webhooks] [--http-trigger] [--http-concurrency 64] [--baseline] [--baseline-cap 2000] [--verbose]"
                + " [--warmup 0] [--senders 1] [--latency-reads-only] [--set key=value ...]";

        static Options parse(String... args) {
            int syncs = 1000;
            Duration poll = Duration.ofSeconds(1);
            Duration job = Duration.ofSeconds(5);
            double rate = 0;
            Duration latency = Duration.ZERO;
            int threads = AirbyteEmulator.DEFAULT_THREADS;
            boolean verbose = false;
            String provider = "airbyte";
            boolean webhooks = false;
            boolean http = false;
            int concurrency = 64;
            boolean baseline = false;
            int cap = 2000;
            int warmup = 0;
            int senders = 1;
            boolean readsOnly = false;
            Duration ttl = AirbyteEmulator.DEFAULT_TOKEN_TTL;
            java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--verbose" -> verbose = true;
                    case "--webhooks" -> webhooks = true;
                    case "--http-trigger" -> http = true;
                    case "--baseline" -> baseline = true;
                    case "--latency-reads-only" -> readsOnly = true;
                    default -> {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(USAGE);
                        }
                        String v = args[++i];
                        switch (a) {
                            case "--syncs" -> syncs = Integer.parseInt(v);
                            case "--poll" -> poll = Durations.parse(v, "--poll");
                            case "--job" -> job = Durations.parse(v, "--job");
                            case "--trigger-rate" -> rate = Double.parseDouble(v);
                            case "--api-latency" -> latency = Durations.parse(v, "--api-latency");
                            case "--emulator-threads" -> threads = Integer.parseInt(v);
                            case "--token-ttl" -> ttl = Durations.parse(v, "--token-ttl");
                            case "--provider" -> provider = v;
                            case "--http-concurrency" -> concurrency = Integer.parseInt(v);
                            case "--baseline-cap" -> cap = Integer.parseInt(v);
                            case "--warmup" -> warmup = Integer.parseInt(v);
                            case "--senders" -> senders = Integer.parseInt(v);
                            case "--set" -> {
                                int eq = v.indexOf('=');
                                if (eq < 1) {
                                    throw new IllegalArgumentException("--set needs key=value, got '" + v + "'");
                                }
                                settings.put(v.substring(0, eq).trim(), v.substring(eq + 1).trim());
                            }
                            default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
                        }
                    }
                }
            }
            if (syncs < 1 || threads < 1 || concurrency < 1 || cap < 1 || senders < 1 || poll.isZero() || poll.isNegative()
                    || warmup < 0 || job.isNegative() || rate < 0 || latency.isNegative() || ttl.isZero() || ttl.isNegative()) {
                throw new IllegalArgumentException("--syncs, --poll, --emulator-threads, --http-concurrency,"
                        + " --baseline-cap, --senders, --token-ttl must be positive, the others >= 0");
            }
            if (!provider.equals("airbyte") && !provider.equals("fivetran")) {
                throw new IllegalArgumentException("--provider is airbyte or fivetran");
            }
            return new Options(syncs, poll, job, rate, latency, threads, verbose, provider, webhooks, http, concurrency,
                    baseline ? cap : 0, ttl, java.util.Map.copyOf(settings), warmup,
                    readsOnly, senders);
        }

        boolean fivetran() {
            return provider.equals("fivetran");
        }
    }

    public static void main(String... args) {
        int exitCode;
        try {
            exitCode = run(Options.parse(args));
        } catch (Throwable e) {
            e.printStackTrace();
            System.out.println("SUMMARY FAILED: " + e);
            exitCode = 2;
        }
        System.exit(exitCode);
    }

    /** Runs the benchmark and returns the exit code: 0 if every sync succeeded. */
    static int run(Options o) throws Exception {
        int n = o.syncs();
        if (!o.verbose()) {
            for (String logger : List.of("io.syncrunner.airbyte.sync", "io.syncrunner.fivetran", "io.syncrunner.runs")) {
                setLevel(logger, Level.WARN);
            }
        }
        String secret = "bench-secret-" + UUID.randomUUID();
        String webhookSecret = "bench-webhook-" + UUID.randomUUID();
        String apiToken = "bench-api-" + UUID.randomUUID();
        AirbyteEmulator airbyte = null;
        FivetranEmulator fivetran = null;
        RequestLog requestLog;
        if (o.fivetran()) {
            fivetran = FivetranEmulator.builder().port(0).threads(o.emulatorThreads()).requestLogLimit(REQUEST_LOG_LIMIT)
                    .apiKey(CLIENT_ID, secret).build().start();
            fivetran.addGroup(GROUP);
            requestLog = fivetran.requestLog();
        } else {
            airbyte = AirbyteEmulator.builder().port(0).threads(o.emulatorThreads()).requestLogLimit(REQUEST_LOG_LIMIT)
                    .tokenTtl(o.tokenTtl()).clientCredentials(CLIENT_ID, secret).build().start();
            requestLog = airbyte.requestLog();
        }
        if (!o.apiLatency().isZero()) {
            if (o.fivetran()) {
                fivetran.faults().add(FaultRule.on(o.latencyReadsOnly() ? "GET" : "*", "/connectors.*")
                        .delay(o.apiLatency()));
            } else {
                airbyte.faults().add(FaultRule.on(o.latencyReadsOnly() ? "GET" : "*", "/jobs.*")
                        .delay(o.apiLatency()));
            }
        }
        int serverPort = freePort();
        Main main = runnerMain(serverPort);
        // no run of either pass is pruned while the bench looks at it (a prune of the warm-up's runs would also
        // land in the measured pass)
        main.addOverrideProperty("syncrunner.runs.retained", String.valueOf(Math.max(10_000, n + o.warmup())));
        // the connection inventory off: this bench measures syncs (InventoryBench measures the inventory's requests);
        // --set syncrunner.inventory.enabled=true lists the bench's connections too
        main.addOverrideProperty("syncrunner.inventory.enabled", "false");
        // runner settings given with --set (e.g. syncrunner.wait.threads=16)
        o.settings().forEach(main::addOverrideProperty);
        // the run journal on (the embedded H2 file), in a directory of its own
        try {
            main.addOverrideProperty("syncrunner.data-dir",
                    java.nio.file.Files.createTempDirectory("syncrunner-bench-").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (o.httpTrigger()) {
            main.addOverrideProperty("syncrunner.api.token", apiToken);
        }
        if (o.fivetran()) {
            main.addOverrideProperty("fivetran." + ACCOUNT + ".base-url", fivetran.baseUrl());
            main.addOverrideProperty("fivetran." + ACCOUNT + ".api-key", CLIENT_ID);
            main.addOverrideProperty("fivetran." + ACCOUNT + ".api-secret", secret);
            main.addOverrideProperty("fivetran." + ACCOUNT + ".group-id", GROUP);
            main.addOverrideProperty("fivetran." + ACCOUNT + ".requests-per-hour", "100000000");
            if (o.webhooks()) {
                main.addOverrideProperty("fivetran.webhooks.enabled", "true");
                main.addOverrideProperty("fivetran.webhooks.secret", webhookSecret);
                main.addOverrideProperty("fivetran.webhooks.register", "true");
                main.addOverrideProperty("fivetran.webhooks.account", ACCOUNT);
                main.addOverrideProperty("fivetran.webhooks.public-url",
                        "http://127.0.0.1:" + serverPort + "/webhooks/fivetran");
            }
        } else {
            main.addOverrideProperty("airbyte." + ACCOUNT + ".base-url", airbyte.selfManagedApiUrl());
            main.addOverrideProperty("airbyte." + ACCOUNT + ".client-id", CLIENT_ID);
            main.addOverrideProperty("airbyte." + ACCOUNT + ".client-secret", secret);
            if (o.webhooks()) {
                // the emulator posts Airbyte's sync notification of every job to the runner's webhook, which wakes
                // the waiting sync (polling falls back to airbyte.webhooks.fallback-poll-interval)
                main.addOverrideProperty("airbyte.webhooks.secret", webhookSecret);
                airbyte.setNotificationWebhookUrl("http://127.0.0.1:" + serverPort + "/webhooks/airbyte/"
                        + webhookSecret);
            }
        }
        Runner runner = Runner.start(main);
        CamelContext camel = runner.camel();
        if (o.webhooks() && o.fivetran()) {
            FivetranEmulator f = fivetran;
            await(() -> !f.webhooks().isEmpty(), Duration.ofSeconds(30));
            if (f.webhooks().isEmpty()) {
                throw new IllegalStateException("the runner did not register its webhook with the emulator");
            }
        }

        String[] connections = new String[n];
        long pollMs = o.poll().toMillis();
        for (int i = 0; i < n; i++) {
            // Fivetran connector ids are letters, digits and _ only
            connections[i] = o.fivetran() ? "bench_" + i + "_" + Long.toHexString(System.nanoTime())
                    : UUID.randomUUID().toString();
            long spreadMs = i * pollMs / n;
            if (o.fivetran()) {
                fivetran.addConnector(connections[i], GROUP, "syncing:" + (o.job().toMillis() + 100 + spreadMs)
                        + "ms,succeeded");
            } else {
                airbyte.addConnection(connections[i], "pending:" + (100 + spreadMs) + "ms,running:" + o.job().toMillis()
                        + "ms,succeeded", true, ROWS, BYTES);
            }
        }

        Runtime rt = Runtime.getRuntime();
        line("provider", o.provider() + (!o.webhooks() ? ", poll-based" : o.fivetran()
                ? " with sync_end webhooks (polling only as fallback, every "
                + prop(camel, "fivetran.webhooks.fallback-poll-interval") + ")"
                : " with sync notifications by webhook (polling only as fallback, every "
                + prop(camel, "airbyte.webhooks.fallback-poll-interval") + ")"));
        line("syncs", n);
        line("job duration", Durations.human(o.job()) + " running + 100ms.." + (100 + pollMs)
                + "ms more (spread over one poll)");
        line("poll interval", pollMs + " ms");
        line("trigger", o.httpTrigger() ? "HTTP POST /api/syncs, keep-alive sockets, " + o.httpConcurrency()
                + " requests in flight at most"
                : "in-process async producer, " + (o.triggerRate() == 0 ? "unlimited" : o.triggerRate() + "/s") + ", "
                + (o.senders() == 1 ? "one sender thread (main)" : o.senders() + " sender threads (bench-sender-#)")
                + ": each runs a sync's route up to its trigger answer, counted as the runner's");
        line("emulator", o.emulatorThreads() + " threads, API answers" + (o.latencyReadsOnly() ? " to GETs" : "")
                + " delayed by " + o.apiLatency().toMillis()
                + " ms, request log capped at " + REQUEST_LOG_LIMIT + " entries (totals exact)"
                + (o.fivetran() ? "" : ", token TTL " + o.tokenTtl().toSeconds() + " s"));
        line("machine", rt.availableProcessors() + " cores, max heap " + mb(rt.maxMemory()) + ", java "
                + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        line("runner settings", "http max-total-connections " + prop(camel, "camel.component.http.max-total-connections")
                + ", connections-per-route " + prop(camel, "camel.component.http.connections-per-route")
                + ", syncrunner.wait.threads " + prop(camel, "syncrunner.wait.threads")
                + ", token refresh-margin " + prop(camel, "syncrunner.token.refresh-margin")
                + ", syncrunner.inventory.enabled " + prop(camel, "syncrunner.inventory.enabled")
                + ", sun.net.httpserver.nodelay=" + System.getProperty("sun.net.httpserver.nodelay"));

        Sampler sampler = new Sampler(o.httpTrigger() ? NOT_RUNNER_THREADS : NOT_RUNNER_THREADS_IN_PROCESS);
        ScheduledExecutorService sampling = startSampling(sampler);
        long tokensAtStart = requestLog.tokenRequests();
        long tokenSpanStart = System.nanoTime();
        io.syncrunner.journal.RunJournal journal = camel.getRegistry().lookupByNameAndType("runJournal",
                io.syncrunner.journal.RunJournal.class);
        if (o.warmup() > 0) {
            warmUp(o, camel, journal, airbyte, fivetran, "http://127.0.0.1:" + serverPort + "/api/syncs", apiToken);
        }

        long[] completedAtMicros = new long[n];
        String[] problems = new String[n];
        CountDownLatch done = new CountDownLatch(n);
        long cpu0 = processCpuNanos();
        sampler.markCpuBaseline();
        long total0 = requestLog.total();
        long triggers0 = requestLog.triggers();
        long[] journal0 = journal.writerCounts();
        long t0 = System.nanoTime();
        long triggered;
        AsyncProducer producer = null;
        HttpTrigger.Result http = null;
        if (o.httpTrigger()) {
            http = HttpTrigger.send("http://127.0.0.1:" + serverPort + "/api/syncs", apiToken, o.httpConcurrency(),
                    n, i -> requestJson(o, connections[i]));
            triggered = System.nanoTime();
            startWatcher(journal, http.runIds(), completedAtMicros, problems, done);
        } else {
            Endpoint endpoint = camel.getEndpoint("direct:sync-run");
            producer = endpoint.createAsyncProducer();
            producer.start();
            AsyncProducer p = producer;
            sendInProcess(n, o.senders(), o.triggerRate(), t0, idx -> {
                Exchange ex = endpoint.createExchange();
                setSyncProperties(ex, o, connections[idx]);
                p.process(ex, doneSync -> {
                    completedAtMicros[idx] = nowEpochMicros();
                    String status = ex.getProperty(SyncState.STATUS, String.class);
                    if (ex.getException() != null) {
                        problems[idx] = ex.getException().toString();
                    } else if (!"succeeded".equals(status)) {
                        problems[idx] = "ended " + status;
                    }
                    done.countDown();
                });
            });
            long sendLoopEnd = System.nanoTime();
            // process() returns once the trigger is answered; a trigger that went asynchronous (redelivery) is
            // waited for here, until the emulator has seen N trigger POSTs or every sync has ended
            await(() -> requestLog.triggers() - triggers0 >= n || done.getCount() == 0, Duration.ofMinutes(11));
            triggered = Math.max(sendLoopEnd, System.nanoTime());
        }
        // the polling-only window: from the last trigger POST to the first sync's end the runner does nothing but
        // poll (no trigger, no journal step): its CPU there over the status GETs there is the cost of one poll
        long[] pollWindow = null;
        if (!o.webhooks()) {
            await(() -> requestLog.triggers() - triggers0 >= n || done.getCount() < n, Duration.ofMinutes(11));
            if (done.getCount() == n) {
                java.util.function.LongSupplier gets = () -> requestLog.total() - requestLog.tokenRequests()
                        - requestLog.triggers();
                long cpuA = sampler.cpuSinceBaseline()[0];
                long getsA = gets.getAsLong();
                long writesA = journal.writerCounts()[1];
                long wallA = System.nanoTime();
                // coarse: the waiting thread's own CPU is the runner's here
                await(() -> done.getCount() < n, Duration.ofMinutes(11), 20_000_000);
                pollWindow = new long[] {sampler.cpuSinceBaseline()[0] - cpuA, gets.getAsLong() - getsA,
                        journal.writerCounts()[1] - writesA, System.nanoTime() - wallA};
            }
        }
        FivetranEmulator f5 = fivetran;
        AirbyteEmulator ab = airbyte;
        BooleanSupplier allEnded = () -> o.fivetran() ? f5.runs().stream().allMatch(FivetranSyncRun::ended)
                : ab.jobs().stream().allMatch(JobSnapshot::terminal);
        boolean allDone = awaitCompletions(done, allEnded,
                Duration.ofSeconds(Math.max(30, 5 * o.poll().toSeconds())));
        long finished = System.nanoTime();
        long cpuNanos = processCpuNanos() - cpu0;
        long[] cpuByOwner = sampler.cpuSinceBaseline();
        sampling.shutdown();
        sampling.awaitTermination(5, TimeUnit.SECONDS);
        sampler.run();

        Map<String, Long> endMicros = o.fivetran() ? fivetranEnds(fivetran) : airbyteEnds(airbyte);
        int succeeded = 0;
        int failed = 0;
        List<String> failures = new ArrayList<>();
        long[] lat = new long[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (completedAtMicros[i] == 0) {
                failed++;
                if (failures.size() < 5) {
                    failures.add(connections[i] + ": not completed");
                }
                continue;
            }
            if (problems[i] == null) {
                succeeded++;
            } else {
                failed++;
                if (failures.size() < 5) {
                    failures.add(connections[i] + ": " + problems[i]);
                }
            }
            Long end = endMicros.get(connections[i]);
            if (end != null) {
                lat[k++] = completedAtMicros[i] - end;
            }
        }
        lat = Arrays.copyOf(lat, k);
        Arrays.sort(lat);
        double triggerSeconds = (triggered - t0) / 1e9;
        double totalSeconds = (finished - t0) / 1e9;
        line("trigger all", String.format("%.2f s (%.0f triggers/s)", triggerSeconds, n / triggerSeconds));
        if (http != null) {
            line("HTTP trigger", http.describe());
        }
        line("total wall time", String.format(allDone ? "%.2f s until all syncs completed"
                : "%.2f s, then gave up: NOT all syncs completed", totalSeconds));
        line("completed/s", String.format("%.1f syncs/s", (succeeded + failed) / totalSeconds));
        line("succeeded", succeeded);
        line("failed", failed);
        line("runner in-flight at end", camel.getInflightRepository().size() + " exchanges");
        failures.forEach(f -> line("  failure", f));

        line("threads peak (all, sampled)", sampler.peakAll + " (JVM peak since start "
                + ManagementFactory.getThreadMXBean().getPeakThreadCount() + ")");
        line("threads peak (runner)", sampler.peakRunner + " (excluding threads named "
                + String.join("*, ", sampler.notRunner) + "*)");
        line("runner threads at peak", sampler.runnerGroupsAtPeak);
        line("OS threads peak (process)", sampler.peakOs + " (/proc/self/status Threads: all of the above plus the JVM's"
                + " GC and JIT compiler threads, emulator and load generator included)");
        line("heap used peak (sampled)", mb(sampler.peakHeap));
        System.gc();
        line("heap used after GC", mb(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()));
        line("RSS", "VmHWM " + procStatus("VmHWM") + ", VmRSS " + procStatus("VmRSS"));

        long total = requestLog.total() - total0;
        long tokens = requestLog.tokenRequests() - tokensAtStart; // the warm-up's included: same token lifetime
        double tokenSpanSeconds = (finished - tokenSpanStart) / 1e9;
        long triggers = requestLog.triggers() - triggers0;
        long statusGets = total - tokens - triggers; // counted from t0: the webhook registration is not in it
        if (o.fivetran()) {
            line("API auth", "API key (HTTP basic): no token requests");
        } else {
            long ttlS = o.tokenTtl().toSeconds();
            long marginS = Durations.parse(prop(camel, "syncrunner.token.refresh-margin"), "margin").toSeconds();
            // as AccessToken.usableAt: renewed min(TTL / 5, refresh margin) before it expires
            long lifetime = Math.max(1, ttlS - Math.min(ttlS / 5, marginS));
            line("API token requests", tokens + String.format(" for %d syncs over %.0f s; token TTL %d s, used for"
                            + " %d s (TTL - min(TTL/5, refresh margin)): at most %d expected",
                    n + o.warmup(), tokenSpanSeconds, ttlS, lifetime, 1 + (long) (tokenSpanSeconds / lifetime)));
        }
        line("API trigger POSTs", triggers);
        line("API status GETs", statusGets + String.format(" (%.2f per sync; every call that is neither token nor"
                + " trigger%s)", statusGets / (double) n, o.fivetran() ? ", incl. the connector GET before each trigger"
                : ""));
        if (o.webhooks()) {
            if (o.fivetran()) {
                webhookBreakdown(fivetran, connections, completedAtMicros, endMicros);
            } else {
                notificationBreakdown(airbyte, connections, completedAtMicros, endMicros);
            }
        }
        long[] journal1 = journal.writerCounts();
        long commits = journal1[0] - journal0[0];
        long journalWrites = journal1[1] - journal0[1];
        line("journal (H2 file)", String.format("%d writes in %d commits (%.1f writes per commit, group commit);"
                        + " %d batches run again write by write", journalWrites, commits,
                commits == 0 ? 0.0 : journalWrites / (double) commits, journal1[2] - journal0[2]));
        line("CPU", String.format("%.2f s process CPU over %.1f s (%.0f%% of %d cores); %.0f µs per status GET"
                        + " (runner and emulator both: same process)", cpuNanos / 1e9, totalSeconds,
                100.0 * cpuNanos / 1e9 / totalSeconds / rt.availableProcessors(), rt.availableProcessors(),
                statusGets == 0 ? 0.0 : cpuNanos / 1e3 / statusGets));
        long jvm = Math.max(0, cpuNanos - cpuByOwner[0] - cpuByOwner[1] - cpuByOwner[2]);
        line("CPU by owner", String.format("runner %.2f s (%.0f µs per sync, %.0f µs per status GET: all its work,"
                        + " triggers and journal included), emulator %.2f s, bench %.2f s, JVM GC/JIT and the rest %.2f s",
                cpuByOwner[0] / 1e9, cpuByOwner[0] / 1e3 / n, statusGets == 0 ? 0.0 : cpuByOwner[0] / 1e3 / statusGets,
                cpuByOwner[1] / 1e9, cpuByOwner[2] / 1e9, jvm / 1e9));
        if (!o.webhooks()) {
            line("CPU polling only", pollWindow == null || pollWindow[1] == 0
                    ? "no window: the first sync ended before the last trigger POST (a longer --job leaves one)"
                    : String.format("runner %.0f µs per status GET: %d GETs, %.2f s runner CPU, %d journal writes in"
                            + " the %.1f s from the last trigger POST to the first sync's end (every trigger answered, no sync ended)",
                    pollWindow[0] / 1e3 / pollWindow[1], pollWindow[1], pollWindow[0] / 1e9, pollWindow[2],
                    pollWindow[3] / 1e9));
        }
        String ideal = o.webhooks() ? "webhook: near 0" : "ideal: uniform 0.." + pollMs + " ms";
        String detection = lat.length == 0 ? "no data"
                : String.format("p50 %s  p95 %s  p99 %s  max %s  (%d syncs; %s)", ms(pct(lat, 0.50)),
                        ms(pct(lat, 0.95)), ms(pct(lat, 0.99)), ms(lat[lat.length - 1]), lat.length, ideal);
        line("detection latency", detection);

        boolean ok = allDone && succeeded == n && failed == 0;
        System.out.printf("SUMMARY %s: %s %d syncs (job %s, poll %d ms%s%s): %d succeeded, %d failed; triggered in"
                        + " %.2f s (%.0f/s), ran %.2f s; threads peak %d (runner %d); heap peak %s; RSS peak %s;"
                        + " %d token requests; %.2f status GETs/sync; %.0f µs CPU/status GET; detection p50 %s p99 %s%n",
                ok ? "OK" : "FAILED", o.provider(), n, Durations.human(o.job()), pollMs,
                o.webhooks() ? ", webhooks" : "", o.httpTrigger() ? ", HTTP trigger" : "", succeeded, failed,
                triggerSeconds, n / triggerSeconds, totalSeconds, sampler.peakAll, sampler.peakRunner,
                mb(sampler.peakHeap), procStatus("VmHWM"), tokens, statusGets / (double) n,
                statusGets == 0 ? 0.0 : cpuNanos / 1e3 / statusGets,
                lat.length == 0 ? "-" : ms(pct(lat, 0.50)), lat.length == 0 ? "-" : ms(pct(lat, 0.99)));

        if (producer != null) {
            producer.stop();
        }
        runner.stop();

        if (o.baselineCap() > 0) {
            if (o.fivetran()) {
                line("baseline", "skipped: the naive baseline speaks the Airbyte API only");
            } else {
                int bn = Math.min(n, o.baselineCap());
                System.out.println();
                line("baseline", bn + " syncs" + (bn < n ? " (capped at --baseline-cap " + o.baselineCap()
                        + ": a platform thread per sync)" : "") + ", one blocking thread per sync, a new token"
                        + " per request, sleeping one poll between status GETs; same emulator, runner stopped");
                NaiveBaseline.Result b = NaiveBaseline.run(airbyte, CLIENT_ID, secret, bn, o.poll(), o.job());
                compare(n, succeeded, triggerSeconds, totalSeconds, sampler, tokens, statusGets, cpuNanos, lat, b);
            }
        }
        if (fivetran != null) {
            fivetran.close();
        } else {
            airbyte.close();
        }
        return ok ? 0 : 1;
    }

    /**
     * The warm-up pass: {@code --warmup W} syncs with short jobs through the same trigger path (HTTP or in process),
     * waited for until every one has ended, so that the measured pass runs on compiled code (as a runner that has
     * been up for a while does) instead of measuring the JIT compiler's start. Its figures are not counted, except
     * token requests (one token lifetime spans both passes).
     */
    private static void warmUp(Options o, CamelContext camel, io.syncrunner.journal.RunJournal journal,
                               AirbyteEmulator airbyte, FivetranEmulator fivetran, String apiUrl, String apiToken)
            throws Exception {
        int w = o.warmup();
        String[] connections = new String[w];
        for (int i = 0; i < w; i++) {
            if (o.fivetran()) {
                connections[i] = "warmup_" + i + "_" + Long.toHexString(System.nanoTime());
                fivetran.addConnector(connections[i], GROUP, "syncing:200ms,succeeded");
            } else {
                connections[i] = UUID.randomUUID().toString();
                airbyte.addConnection(connections[i], "pending:20ms,running:200ms,succeeded", true, ROWS, BYTES);
            }
        }
        long t0 = System.nanoTime();
        int failed;
        if (o.httpTrigger()) {
            HttpTrigger.Result r = HttpTrigger.send(apiUrl, apiToken, o.httpConcurrency(), w,
                    i -> requestJson(o, connections[i]));
            if (r.firstError() != null) {
                line("warm-up HTTP", r.describe());
            }
            CountDownLatch done = new CountDownLatch(w);
            String[] problems = new String[w];
            startWatcher(journal, r.runIds(), new long[w], problems, done);
            done.await(5, TimeUnit.MINUTES);
            failed = (int) done.getCount();
            for (String p : problems) {
                failed += p == null ? 0 : 1;
            }
        } else {
            Endpoint endpoint = camel.getEndpoint("direct:sync-run");
            AsyncProducer producer = endpoint.createAsyncProducer();
            producer.start();
            CountDownLatch done = new CountDownLatch(w);
            java.util.concurrent.atomic.AtomicInteger bad = new java.util.concurrent.atomic.AtomicInteger();
            sendInProcess(w, o.senders(), 0, System.nanoTime(), i -> {
                Exchange ex = endpoint.createExchange();
                setSyncProperties(ex, o, connections[i]);
                producer.process(ex, doneSync -> {
                    if (ex.getException() != null
                            || !"succeeded".equals(ex.getProperty(SyncState.STATUS, String.class))) {
                        bad.incrementAndGet();
                    }
                    done.countDown();
                });
            });
            if (!done.await(5, TimeUnit.MINUTES)) {
                bad.addAndGet((int) done.getCount());
            }
            producer.stop();
            failed = bad.get();
        }
        line("warm-up (not counted)", String.format("%d syncs (jobs of 220 ms), same trigger path, all ended in %.1f s;"
                + " %d did not succeed", w, (System.nanoTime() - t0) / 1e9, failed));
        if (failed > 0) {
            throw new IllegalStateException(failed + " warm-up syncs did not succeed");
        }
        // the compilations the warm-up queued run to their end before the measured pass (at most 60 s)
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit != null && jit.isCompilationTimeMonitoringSupported()) {
            long start = System.nanoTime();
            long quietSince = start;
            long last = jit.getTotalCompilationTime();
            while (System.nanoTime() - quietSince < 2_000_000_000L && System.nanoTime() - start < 60_000_000_000L) {
                LockSupport.parkNanos(250_000_000);
                long now = jit.getTotalCompilationTime();
                if (now - last > 10) {
                    quietSince = System.nanoTime();
                }
                last = now;
            }
            line("JIT after warm-up", String.format("compiling until %.1f s after the warm-up (then quiet for 2 s)",
                    (quietSince - start) / 1e9));
        }
        System.gc();
    }

    /**
     * Sends syncs 0..count-1 in process: on the calling thread ({@code main}) with one sender, else on
     * {@code senders} threads named {@code bench-sender-#} that take the next index in turn (as the runner's own
     * triggers arrive from several HTTP, SQS and timer threads at once). With {@code rate > 0}, sync i is not sent
     * before {@code t0 + i / rate}. Returns when every sync was handed over (each send returns at its trigger answer).
     */
    static void sendInProcess(int count, int senders, double rate, long t0, java.util.function.IntConsumer send)
            throws InterruptedException {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> error = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable loop = () -> {
            for (int i = next.getAndIncrement(); i < count && error.get() == null; i = next.getAndIncrement()) {
                if (rate > 0) {
                    long due = t0 + (long) (i * 1e9 / rate);
                    while (System.nanoTime() < due) {
                        LockSupport.parkNanos(due - System.nanoTime());
                    }
                }
                try {
                    send.accept(i);
                } catch (RuntimeException e) {
                    error.compareAndSet(null, e);
                }
            }
        };
        if (senders == 1) {
            loop.run();
        } else {
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                Thread t = new Thread(loop, "bench-sender-" + s);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        if (error.get() != null) {
            throw new IllegalStateException("sending the syncs failed", error.get());
        }
    }

    private static void setSyncProperties(Exchange ex, Options o, String connection) {
        ex.setProperty("provider", o.fivetran() ? "fivetran" : "airbyte");
        ex.setProperty(SyncState.ACCOUNT, ACCOUNT);
        ex.setProperty(SyncState.POLL_INTERVAL, o.poll().toMillis() + "ms");
        ex.setProperty(SyncState.TIMEOUT, "10m");
        ex.setProperty(SyncState.WAIT, "true");
        if (o.fivetran()) {
            ex.setProperty(FivetranSyncs.OPERATION, "sync");
            ex.setProperty(FivetranSyncs.CONNECTOR_ID, connection);
            ex.setProperty(FivetranSyncs.FORCE, "false");
            ex.setProperty(FivetranSyncs.ON_RESCHEDULED, "retrigger");
            ex.setProperty(FivetranSyncs.ON_PAUSED, "fail");
            ex.setProperty(FivetranSyncs.SET_MANUAL_SCHEDULE, "false");
        } else {
            ex.setProperty(AirbyteSyncs.CONNECTION_ID, connection);
            ex.setProperty(AirbyteSyncs.JOB_TYPE, "sync");
            ex.setProperty(AirbyteSyncs.CANCEL_ON_TIMEOUT, "true");
            ex.setProperty(AirbyteSyncs.ON_ACTIVE_SYNC, "attach");
        }
    }

    private static String requestJson(Options o, String connection) {
        return o.fivetran()
                ? "{\"provider\":\"fivetran\",\"account\":\"" + ACCOUNT + "\",\"connectorId\":\"" + connection
                + "\",\"pollInterval\":\"" + o.poll().toMillis() + "ms\",\"waitTimeout\":\"10m\"}"
                : "{\"provider\":\"airbyte\",\"account\":\"" + ACCOUNT + "\",\"connectionId\":\"" + connection
                + "\",\"pollInterval\":\"" + o.poll().toMillis() + "ms\",\"waitTimeout\":\"10m\"}";
    }

    /** Starts {@link #watchRuns} on a thread of its own ({@code bench-run-watcher}, not counted as the runner's). */
    private static void startWatcher(io.syncrunner.journal.RunJournal journal, String[] runIds,
                                     long[] completedAtMicros, String[] problems, CountDownLatch done) {
        Thread watcher = new Thread(() -> watchRuns(journal, runIds, completedAtMicros, problems, done),
                "bench-run-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Copies each HTTP-started run's end (SyncRun.finishedAt, set by the runner) into the bench's arrays. */
    private static void watchRuns(io.syncrunner.journal.RunJournal journal, String[] runIds, long[] completedAtMicros,
                                  String[] problems, CountDownLatch done) {
        boolean[] seen = new boolean[runIds.length];
        int open = runIds.length;
        for (int i = 0; i < runIds.length; i++) {
            if (runIds[i] == null) {
                problems[i] = "not accepted";
                completedAtMicros[i] = nowEpochMicros();
                seen[i] = true;
                open--;
                done.countDown();
            }
        }
        // the end time is the one the runner recorded (finished_at), so looking once a second loses no precision;
        // a journal lookup by key per open run, not SyncRuns.get, which also parses each run's request: the
        // watcher shares the 2 cores with the runner and should take as little of them as it can
        while (open > 0) {
            LockSupport.parkNanos(1_000_000_000);
            for (int i = 0; i < runIds.length; i++) {
                if (seen[i]) {
                    continue;
                }
                io.syncrunner.journal.RunJournal.Run r = journal.run(runIds[i]).orElse(null);
                if (r != null && r.finishedAt() != null) {
                    seen[i] = true;
                    open--;
                    completedAtMicros[i] = r.finishedAt() * 1000;
                    if (!SyncRun.SUCCEEDED.equals(r.state())) {
                        problems[i] = r.state() + ": " + r.error();
                    }
                    done.countDown();
                }
            }
        }
    }

    /** Splits webhook detection latency: emulator (run end -> webhook sent) and runner (sent -> completion). */
    private static void webhookBreakdown(FivetranEmulator fivetran, String[] connections, long[] completedAtMicros,
                                         Map<String, Long> endMicros) {
        Map<String, Long> sentMicros = new HashMap<>();
        long ok = 0;
        List<io.syncrunner.devtools.emulator.WebhookDelivery> deliveries = fivetran.webhookDeliveries();
        for (io.syncrunner.devtools.emulator.WebhookDelivery d : deliveries) {
            sentMicros.merge(d.connectorId(), epochMicros(d.at()), Math::max);
            ok += d.successful() ? 1 : 0;
        }
        line("webhooks delivered", deliveries.size() + " (" + ok + " answered 2xx), sent by the emulator's "
                + FivetranEmulator.DEFAULT_WEBHOOK_SENDERS + " webhook senders (that many POSTs in flight at most)");
        lagSplit(connections, completedAtMicros, endMicros, sentMicros);
    }

    /**
     * Splits Airbyte notification detection latency: emulator (job end -> notification posted: it looks for ended
     * jobs every 20 ms and posts one at a time) and runner (posted -> completion, the confirming status read included).
     */
    private static void notificationBreakdown(AirbyteEmulator airbyte, String[] connections, long[] completedAtMicros,
                                              Map<String, Long> endMicros) {
        Map<String, Long> sentMicros = new HashMap<>();
        long ok = 0;
        List<AirbyteEmulator.Notification> notifications = airbyte.notifications();
        for (AirbyteEmulator.Notification n : notifications) {
            // the notification is recorded once its POST was answered: the runner has it by then
            airbyte.job(n.jobId()).ifPresent(j -> sentMicros.merge(j.connectionId(), epochMicros(n.at()), Math::max));
            ok += n.status() >= 200 && n.status() < 300 ? 1 : 0;
        }
        line("webhooks delivered", notifications.size() + " (" + ok + " answered 2xx), Airbyte sync notifications"
                + " posted by the emulator one at a time");
        lagSplit(connections, completedAtMicros, endMicros, sentMicros);
    }

    private static void lagSplit(String[] connections, long[] completedAtMicros, Map<String, Long> endMicros,
                                 Map<String, Long> sentMicros) {
        long[] emulatorLag = new long[connections.length];
        long[] runnerLag = new long[connections.length];
        int k = 0;
        for (int i = 0; i < connections.length; i++) {
            Long sent = sentMicros.get(connections[i]);
            Long end = endMicros.get(connections[i]);
            if (sent != null && end != null && completedAtMicros[i] != 0) {
                emulatorLag[k] = sent - end;
                runnerLag[k++] = completedAtMicros[i] - sent;
            }
        }
        emulatorLag = Arrays.copyOf(emulatorLag, k);
        runnerLag = Arrays.copyOf(runnerLag, k);
        Arrays.sort(emulatorLag);
        Arrays.sort(runnerLag);
        if (k > 0) {
            line("  run end -> webhook sent", String.format("p50 %s  p99 %s  max %s  (emulator side)",
                    ms(pct(emulatorLag, 0.5)), ms(pct(emulatorLag, 0.99)), ms(emulatorLag[k - 1])));
            line("  webhook sent -> completed", String.format("p50 %s  p99 %s  max %s  (runner side)",
                    ms(pct(runnerLag, 0.5)), ms(pct(runnerLag, 0.99)), ms(runnerLag[k - 1])));
        }
    }

    private static Map<String, Long> airbyteEnds(AirbyteEmulator airbyte) {
        Map<String, Long> ends = new HashMap<>();
        for (JobSnapshot j : airbyte.jobs()) {
            j.finishedAt().ifPresent(at -> ends.merge(j.connectionId(), epochMicros(at), Math::max));
        }
        return ends;
    }

    private static Map<String, Long> fivetranEnds(FivetranEmulator fivetran) {
        Map<String, Long> ends = new HashMap<>();
        for (FivetranSyncRun r : fivetran.runs()) {
            r.end().ifPresent(at -> ends.merge(r.connectorId(), epochMicros(at), Math::max));
        }
        return ends;
    }

    private static void compare(int n, int succeeded, double triggerSeconds, double totalSeconds, Sampler runner,
                                long tokens, long statusGets, long cpuNanos, long[] lat, NaiveBaseline.Result b) {
        String f = "%-28s %-26s %-26s %s%n";
        System.out.printf(f, "", "runner (N=" + n + ")", "naive (N=" + b.syncs() + ")", "naive / runner, per sync");
        double scale = n / (double) b.syncs();
        System.out.printf(f, "succeeded", succeeded, b.succeeded(), b.firstError() == null ? ""
                : "naive's first error: " + b.firstError());
        System.out.printf(f, "trigger all", String.format("%.2f s", triggerSeconds),
                String.format("%.2f s", b.triggerSeconds()), "");
        System.out.printf(f, "total wall time", String.format("%.2f s", totalSeconds),
                String.format("%.2f s", b.totalSeconds()), "");
        System.out.printf(f, "threads peak (all)", runner.peakAll, b.peakThreads(),
                String.format("%.1fx (absolute, at %.2fx the syncs)", b.peakThreads() / (double) runner.peakAll,
                        1 / scale));
        System.out.printf(f, "heap used peak (sampled)", mb(runner.peakHeap), mb(b.peakHeap()),
                String.format("%.1fx (absolute)", b.peakHeap() / (double) runner.peakHeap));
        System.out.printf(f, "token requests", tokens, b.tokenRequests(),
                String.format("%.0fx", (b.tokenRequests() / (double) b.syncs()) / Math.max(1e-9, tokens / (double) n)));
        System.out.printf(f, "status GETs / sync", String.format("%.2f", statusGets / (double) n),
                String.format("%.2f", b.statusGets() / (double) b.syncs()),
                String.format("%.2fx", (b.statusGets() / (double) b.syncs()) / (statusGets / (double) n)));
        double rc = cpuNanos / 1e3 / n;
        double bc = b.cpuNanos() / 1e3 / b.syncs();
        System.out.printf(f, "CPU / sync", String.format("%.0f µs", rc), String.format("%.0f µs", bc),
                String.format("%.2fx", bc / rc));
        long[] bl = b.latencyMicrosSorted();
        System.out.printf(f, "detection p50 / p99", lat.length == 0 ? "-" : ms(pct(lat, 0.5)) + " / " + ms(pct(lat, 0.99)),
                bl.length == 0 ? "-" : ms(pct(bl, 0.5)) + " / " + ms(pct(bl, 0.99)), "");
    }

    /** Camel Main running in a background thread. */
    record Runner(Main main, Thread thread, CamelContext camel) {
        /** Starts Camel Main and returns once its CamelContext has started. */
        static Runner start(Main main) throws Exception {
            CompletableFuture<CamelContext> started = new CompletableFuture<>();
            main.addMainListener(new MainListenerSupport() {
                @Override
                public void afterStart(BaseMainSupport m) {
                    started.complete(m.getCamelContext());
                }
            });
            Thread t = new Thread(() -> {
                try {
                    main.run();
                } catch (Throwable e) {
                    started.completeExceptionally(e);
                } finally {
                    started.completeExceptionally(new IllegalStateException("the runner stopped before it started"));
                }
            }, "bench-camel-main");
            t.start();
            CamelContext camel = started.get(2, TimeUnit.MINUTES);
            if (!camel.isStarted()) {
                throw new IllegalStateException("CamelContext is " + camel.getStatus());
            }
            return new Runner(main, t, camel);
        }

        /** Stops the CamelContext and waits for Camel Main to return. */
        void stop() throws InterruptedException {
            main.completed();
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    /** Samples live threads and heap; keeps the peaks. */
    static final class Sampler implements Runnable {
        /** Name prefixes of the threads that are not the runner's. */
        final List<String> notRunner;

        Sampler(List<String> notRunner) {
            this.notRunner = notRunner;
        }

        volatile int peakAll;
        volatile int peakRunner;
        volatile long peakHeap;
        /** Threads of the whole process as the OS counts them: also the JVM's own (GC, JIT compiler). */
        volatile int peakOs;
        volatile Map<String, Integer> runnerGroupsAtPeak = Map.of();
        /** Per thread id: its name and CPU time when last sampled (a thread that ends keeps its last figure). */
        private final Map<Long, String> names = new HashMap<>();
        private final Map<Long, Long> cpu = new HashMap<>();
        private Map<Long, Long> cpuBaseline = Map.of();

        /** From now on, {@link #cpuSinceBaseline} counts CPU time from here. */
        synchronized void markCpuBaseline() {
            run();
            cpuBaseline = new HashMap<>(cpu);
        }

        /**
         * CPU time since the baseline by owner: runner, emulator, bench (load generator, sampler, watcher), in
         * nanoseconds, sampled every 100 ms (a thread that ended counts up to its last sample).
         */
        synchronized long[] cpuSinceBaseline() {
            run();
            long[] out = new long[3];
            for (Map.Entry<Long, Long> e : cpu.entrySet()) {
                long d = e.getValue() - cpuBaseline.getOrDefault(e.getKey(), 0L);
                String name = names.get(e.getKey());
                int owner = EMULATOR_THREADS.stream().anyMatch(name::startsWith) ? 1
                        : notRunner.stream().anyMatch(name::startsWith) ? 2 : 0;
                out[owner] += Math.max(0, d);
            }
            return out;
        }

        @Override
        public synchronized void run() {
            ThreadGroup root = Thread.currentThread().getThreadGroup();
            while (root.getParent() != null) {
                root = root.getParent();
            }
            Thread[] threads = new Thread[root.activeCount() + 64];
            int count = root.enumerate(threads, true);
            Map<String, Integer> groups = new TreeMap<>();
            java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            for (Thread t : Arrays.copyOf(threads, count)) {
                long c = mx.isThreadCpuTimeSupported() ? mx.getThreadCpuTime(t.getId()) : -1;
                if (c >= 0) {
                    cpu.put(t.getId(), c);
                    names.put(t.getId(), t.getName());
                }
                if (notRunner.stream().noneMatch(t.getName()::startsWith)) {
                    groups.merge(t.getName().replaceAll("\\d+", "#"), 1, Integer::sum);
                }
            }
            int runner = groups.values().stream().mapToInt(Integer::intValue).sum();
            peakAll = Math.max(peakAll, count);
            if (runner > peakRunner) {
                peakRunner = runner;
                runnerGroupsAtPeak = groups;
            }
            peakHeap = Math.max(peakHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            try {
                peakOs = Math.max(peakOs, Integer.parseInt(procStatus("Threads")));
            } catch (NumberFormatException e) {
                // not Linux: no /proc
            }
        }
    }

    static ScheduledExecutorService startSampling(Sampler sampler) {
        ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.run();
        sampling.scheduleAtFixedRate(sampler, 100, 100, TimeUnit.MILLISECONDS);
        return sampling;
    }

    /** CPU time of the whole process so far (all threads, including the in-process emulator). */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    static long nowEpochMicros() {
        return epochMicros(Instant.now());
    }

    static long epochMicros(Instant at) {
        return at.getEpochSecond() * 1_000_000L + at.getNano() / 1000;
    }

    /**
     * Waits for every completion callback. Gives up early when no sync completed for {@code stall} while every
     * emulator job has already ended: the missing exchanges were lost by the runner and will never complete.
     */
    private static boolean awaitCompletions(CountDownLatch done, BooleanSupplier allEnded, Duration stall) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(11);
        long lastCount = done.getCount();
        long lastProgress = System.nanoTime();
        while (!done.await(1, TimeUnit.SECONDS)) {
            long now = System.nanoTime();
            if (done.getCount() != lastCount) {
                lastCount = done.getCount();
                lastProgress = now;
            } else if (now - lastProgress > stall.toNanos() && allEnded.getAsBoolean()) {
                System.out.printf("%-28s %s%n", "stalled:", lastCount + " syncs did not complete " + stall.toSeconds()
                        + " s after the last completion, although every emulator job has ended; giving up");
                return false;
            }
            if (now > deadline) {
                return false;
            }
        }
        return true;
    }

    static void await(BooleanSupplier condition, Duration max) {
        await(condition, max, 1_000_000);
    }

    /** Until the condition holds or {@code max} has passed, looking every {@code everyNanos}. */
    static void await(BooleanSupplier condition, Duration max, long everyNanos) {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < end) {
            LockSupport.parkNanos(everyNanos);
        }
    }

    /**
     * The runner as production reads it (config/application.properties), with no emulator, example or live route
     * edits, and its own HTTP server (trigger API, webhooks) on this loopback port, never a running runner's.
     */
    static Main runnerMain(int serverPort) {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(SyncRunner.DEFAULT_PROPERTIES);
        main.addOverrideProperty("emulator.enabled", "false");
        main.addOverrideProperty("example.workflow.enabled", "false");
        main.addOverrideProperty("camel.main.routes-reload-enabled", "false");
        main.addOverrideProperty("camel.server.host", "127.0.0.1");
        main.addOverrideProperty("camel.server.port", String.valueOf(serverPort));
        return main;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static long pct(long[] sorted, double p) {
        return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
    }

    static String ms(long micros) {
        return String.format("%.1f ms", micros / 1000.0);
    }

    static String mb(long bytes) {
        return String.format("%.0f MB", bytes / 1048576.0);
    }

    static String prop(CamelContext camel, String key) {
        return camel.getPropertiesComponent().resolveProperty(key)
                .orElse(io.syncrunner.support.SettingDefaults.all().getOrDefault(key, "(unset)"));
    }

    private static String procStatus(String field) {
        try {
            String value = ProcFiles.status("self", field);
            return value == null ? "n/a" : value;
        } catch (IOException e) {
            return "n/a (" + e.getMessage() + ")";
        }
    }

    static void line(String label, Object value) {
        System.out.printf("%-28s %s%n", label + ":", value);
    }

    private static void setLevel(String logger, Level level) {
        if (LoggerFactory.getLogger(logger) instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(level);
        }
    }
}
