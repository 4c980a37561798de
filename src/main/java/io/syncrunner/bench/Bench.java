package io.syncrunner.bench;

import ch.qos.logback.classic.Level;
import io.syncrunner.SyncRunner;
import io.syncrunner.airbyte.AirbyteSyncs;
import io.syncrunner.emulator.AirbyteEmulator;
import io.syncrunner.emulator.FaultRule;
import io.syncrunner.emulator.JobSnapshot;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Benchmark command: runs N concurrent Airbyte syncs through the real runner (Camel Main with
 * {@code config/application.properties} and {@code routes/*.yaml}) against the bundled emulator on loopback, and
 * prints what they cost.
 *
 * <pre>
 * mvn -B -q package -DskipTests
 * java -Dsun.net.httpserver.nodelay=true -cp target/syncrunner.jar io.syncrunner.bench.Bench --syncs 1000 \
 *     [--poll 1s] [--job 5s] [--trigger-rate 0] [--api-latency 0ms] [--emulator-threads 32] [--verbose]
 * </pre>
 *
 * <p>Each sync gets its own emulator connection with the script {@code pending:<p>,running:<job>,succeeded}, where
 * {@code p} is spread evenly over 100 ms .. 100 ms + one poll interval, so job ends fall at every phase of the poll
 * cycle. All N syncs are started from one thread through an {@link AsyncProducer} of {@code direct:airbyte-run}
 * (no thread per sync): {@code process()} returns once the trigger is answered and the route reaches its wait
 * ({@code syncWaiter} parks the exchange; each poll then runs on one of its {@code syncrunner.wait.threads}).
 * {@code --trigger-rate R} paces the sends at R per second (0 = as fast as they go).
 * {@code --api-latency D} makes the emulator answer every {@code /jobs} request D late (a remote Airbyte is not on
 * loopback); raise {@code --emulator-threads} with it, since each delayed answer holds an emulator thread.
 *
 * <p>Measured: time to trigger all N and triggers/s; time until all N completed and syncs/s; succeeded/failed
 * (exit code 1 unless all succeeded; syncs the runner never completes are reported, not waited for forever);
 * peak live threads sampled every 100 ms, in total and without the emulator's threads ({@code airbyte-emulator-*})
 * and the JDK HttpServer's own threads ({@code HTTP-Dispatcher}, {@code idle-timeout-task},
 * {@code req-rsp-timeout-task}); peak heap used (sampled) and heap after a GC at the end; RSS (VmHWM, VmRSS);
 * API calls seen by the emulator; and detection latency, the time from each emulator job's terminal instant to the
 * runner's completion callback (p50/p95/p99/max). The runner's per-poll INFO lines are turned down to WARN unless
 * {@code --verbose}.
 */
public final class Bench {
    private static final String ACCOUNT = "bench";
    private static final String CLIENT_ID = "bench-client";
    private static final List<String> NOT_RUNNER_THREADS = List.of("airbyte-emulator", "HTTP-Dispatcher", "idle-timeout-task",
            "req-rsp-timeout-task");
    private static final long ROWS = 12_840;
    private static final long BYTES = 3_276_800;

    private Bench() {
    }

    /** Command-line options. */
    record Options(int syncs, Duration poll, Duration job, double triggerRate, Duration apiLatency, int emulatorThreads,
                   boolean verbose) {
        static Options parse(String... args) {
            int syncs = 1000;
            Duration poll = Duration.ofSeconds(1);
            Duration job = Duration.ofSeconds(5);
            double rate = 0;
            Duration latency = Duration.ZERO;
            int threads = AirbyteEmulator.DEFAULT_THREADS;
            boolean verbose = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--verbose")) {
                    verbose = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("usage: Bench --syncs N [--poll 1s] [--job 5s] [--trigger-rate 0]"
                            + " [--api-latency 0ms] [--emulator-threads 32] [--verbose]");
                }
                String v = args[++i];
                switch (a) {
                    case "--syncs" -> syncs = Integer.parseInt(v);
                    case "--poll" -> poll = Durations.parse(v, "--poll");
                    case "--job" -> job = Durations.parse(v, "--job");
                    case "--trigger-rate" -> rate = Double.parseDouble(v);
                    case "--api-latency" -> latency = Durations.parse(v, "--api-latency");
                    case "--emulator-threads" -> threads = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (syncs < 1 || threads < 1 || poll.isZero() || poll.isNegative() || job.isNegative() || rate < 0
                    || latency.isNegative()) {
                throw new IllegalArgumentException("--syncs, --poll, --emulator-threads must be positive, the others >= 0");
            }
            return new Options(syncs, poll, job, rate, latency, threads, verbose);
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
            setLevel("io.syncrunner.airbyte.sync", Level.WARN);
        }
        String secret = "bench-secret-" + UUID.randomUUID();
        AirbyteEmulator emulator = AirbyteEmulator.builder().port(0).threads(o.emulatorThreads())
                .clientCredentials(CLIENT_ID, secret).build().start();
        if (!o.apiLatency().isZero()) {
            emulator.faults().add(FaultRule.on("*", "/jobs.*").delay(o.apiLatency()));
        }
        Main main = new Main();
        main.setPropertyPlaceholderLocations(SyncRunner.DEFAULT_PROPERTIES);
        main.addOverrideProperty("emulator.enabled", "false");
        main.addOverrideProperty("example.workflow.enabled", "false");
        main.addOverrideProperty("camel.main.routes-reload-enabled", "false");
        // the runner's own HTTP server (webhooks) on a free loopback port, so a bench never collides with a runner
        main.addOverrideProperty("camel.server.host", "127.0.0.1");
        main.addOverrideProperty("camel.server.port", "0");
        main.addOverrideProperty("airbyte." + ACCOUNT + ".base-url", emulator.selfManagedApiUrl());
        main.addOverrideProperty("airbyte." + ACCOUNT + ".client-id", CLIENT_ID);
        main.addOverrideProperty("airbyte." + ACCOUNT + ".client-secret", secret);
        Runner runner = Runner.start(main);
        CamelContext camel = runner.camel();

        String[] connections = new String[n];
        long pollMs = o.poll().toMillis();
        for (int i = 0; i < n; i++) {
            connections[i] = UUID.randomUUID().toString();
            long pendingMs = 100 + i * pollMs / n;
            emulator.addConnection(connections[i], "pending:" + pendingMs + "ms,running:" + o.job().toMillis()
                    + "ms,succeeded", true, ROWS, BYTES);
        }

        Runtime rt = Runtime.getRuntime();
        line("syncs", n);
        line("job duration", Durations.human(o.job()) + " running + 100ms.." + (100 + pollMs)
                + "ms pending (spread over one poll)");
        line("poll interval", o.poll().toMillis() + " ms");
        line("trigger rate", o.triggerRate() == 0 ? "unlimited (one sender thread)" : o.triggerRate() + "/s");
        line("emulator", o.emulatorThreads() + " threads, API answers delayed by " + o.apiLatency().toMillis() + " ms");
        line("machine", rt.availableProcessors() + " cores, max heap " + mb(rt.maxMemory()) + ", java "
                + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        line("runner settings", "http max-total-connections " + prop(camel, "camel.component.http.max-total-connections")
                + ", connections-per-route " + prop(camel, "camel.component.http.connections-per-route")
                + ", syncrunner.wait.threads " + prop(camel, "syncrunner.wait.threads")
                + ", sun.net.httpserver.nodelay=" + System.getProperty("sun.net.httpserver.nodelay"));

        Sampler sampler = new Sampler();
        ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.run();
        sampling.scheduleAtFixedRate(sampler, 100, 100, TimeUnit.MILLISECONDS);

        Endpoint endpoint = camel.getEndpoint("direct:airbyte-run");
        AsyncProducer producer = endpoint.createAsyncProducer();
        producer.start();
        Instant[] completedAt = new Instant[n];
        Long[] jobIds = new Long[n];
        String[] problems = new String[n];
        CountDownLatch done = new CountDownLatch(n);

        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (o.triggerRate() > 0) {
                long due = t0 + (long) (i * 1e9 / o.triggerRate());
                while (System.nanoTime() < due) {
                    LockSupport.parkNanos(due - System.nanoTime());
                }
            }
            Exchange ex = endpoint.createExchange();
            ex.setProperty(SyncState.ACCOUNT, ACCOUNT);
            ex.setProperty(AirbyteSyncs.CONNECTION_ID, connections[i]);
            ex.setProperty(AirbyteSyncs.JOB_TYPE, "sync");
            ex.setProperty(SyncState.POLL_INTERVAL, o.poll().toMillis() + "ms");
            ex.setProperty(SyncState.TIMEOUT, "10m");
            ex.setProperty(AirbyteSyncs.CANCEL_ON_TIMEOUT, "true");
            ex.setProperty(SyncState.WAIT, "true");
            ex.setProperty(AirbyteSyncs.ON_ACTIVE_SYNC, "attach");
            int idx = i;
            producer.process(ex, doneSync -> {
                completedAt[idx] = Instant.now();
                jobIds[idx] = ex.getProperty(AirbyteSyncs.JOB_ID, Long.class);
                String status = ex.getProperty(SyncState.STATUS, String.class);
                if (ex.getException() != null) {
                    problems[idx] = ex.getException().toString();
                } else if (!"succeeded".equals(status)) {
                    problems[idx] = "ended " + status;
                }
                done.countDown();
            });
        }
        long sendLoopEnd = System.nanoTime();
        // process() returns once the trigger is answered; a trigger that went asynchronous (redelivery) is
        // waited for here, until the emulator has seen N trigger POSTs or every sync has ended
        await(() -> emulator.requestLog().triggers() >= n || done.getCount() == 0, Duration.ofMinutes(11));
        long triggered = Math.max(sendLoopEnd, System.nanoTime());
        boolean allDone = awaitCompletions(done, emulator, Duration.ofSeconds(Math.max(30, 5 * o.poll().toSeconds())));
        long finished = System.nanoTime();
        sampling.shutdown();
        sampling.awaitTermination(5, TimeUnit.SECONDS);
        sampler.run();

        int succeeded = 0;
        List<String> failures = new ArrayList<>();
        List<Long> latencyMicros = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (completedAt[i] == null) {
                failures.add(connections[i] + ": not completed");
                continue;
            }
            if (problems[i] == null) {
                succeeded++;
            } else {
                failures.add(connections[i] + ": " + problems[i]);
            }
            Instant at = completedAt[i];
            if (jobIds[i] != null) {
                emulator.jobFinishedAt(jobIds[i])
                        .ifPresent(end -> latencyMicros.add(Duration.between(end, at).toNanos() / 1000));
            }
        }
        double triggerSeconds = (triggered - t0) / 1e9;
        double totalSeconds = (finished - t0) / 1e9;
        line("trigger all", String.format("%.2f s (%.0f triggers/s)", triggerSeconds, n / triggerSeconds));
        line("total wall time", String.format(allDone ? "%.2f s until all syncs completed"
                : "%.2f s, then gave up: NOT all syncs completed", totalSeconds));
        line("completed/s", String.format("%.1f syncs/s", (succeeded + failures.size()) / totalSeconds));
        line("succeeded", succeeded);
        line("failed", failures.size());
        line("runner in-flight at end", camel.getInflightRepository().size() + " exchanges");
        failures.stream().limit(5).forEach(f -> line("  failure", f));

        line("threads peak (all, sampled)", sampler.peakAll + " (JVM peak since start "
                + ManagementFactory.getThreadMXBean().getPeakThreadCount() + ")");
        line("threads peak (runner)", sampler.peakRunner + " (excluding threads named "
                + String.join("*, ", NOT_RUNNER_THREADS) + "*)");
        line("runner threads at peak", sampler.runnerGroupsAtPeak);
        line("heap used peak (sampled)", mb(sampler.peakHeap));
        System.gc();
        line("heap used after GC", mb(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()));
        line("RSS", "VmHWM " + procStatus("VmHWM") + ", VmRSS " + procStatus("VmRSS"));

        long tokens = emulator.tokenRequests();
        long triggers = emulator.requestLog().triggers();
        long statusGets = emulator.count("GET", "/jobs/\\d+");
        long other = emulator.requestLog().total() - tokens - triggers - statusGets;
        line("API token requests", tokens);
        line("API trigger POSTs", triggers);
        line("API status GETs", statusGets + String.format(" (%.2f per sync)", statusGets / (double) n));
        line("API other requests", other);

        long[] lat = latencyMicros.stream().mapToLong(Long::longValue).sorted().toArray();
        String detection = lat.length == 0 ? "no data"
                : String.format("p50 %s  p95 %s  p99 %s  max %s  (%d syncs; ideal: uniform 0..%d ms)", ms(pct(lat, 0.50)),
                        ms(pct(lat, 0.95)), ms(pct(lat, 0.99)), ms(lat[lat.length - 1]), lat.length, pollMs);
        line("detection latency", detection);

        boolean ok = allDone && succeeded == n && failures.isEmpty();
        System.out.printf("SUMMARY %s: %d syncs (job %s, poll %d ms): %d succeeded, %d failed; triggered in %.2f s"
                        + " (%.0f/s), ran %.2f s; threads peak %d (runner %d); heap peak %s; RSS peak %s;"
                        + " %.2f status GETs/sync; detection p50 %s p99 %s%n",
                ok ? "OK" : "FAILED", n, Durations.human(o.job()), pollMs, succeeded, failures.size(), triggerSeconds,
                n / triggerSeconds, totalSeconds, sampler.peakAll, sampler.peakRunner, mb(sampler.peakHeap),
                procStatus("VmHWM"), statusGets / (double) n, lat.length == 0 ? "-" : ms(pct(lat, 0.50)),
                lat.length == 0 ? "-" : ms(pct(lat, 0.99)));

        producer.stop();
        runner.stop();
        emulator.close();
        return ok ? 0 : 1;
    }

    /** Camel Main running in a background thread. */
    private record Runner(Main main, Thread thread, CamelContext camel) {
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
    private static final class Sampler implements Runnable {
        volatile int peakAll;
        volatile int peakRunner;
        volatile long peakHeap;
        volatile Map<String, Integer> runnerGroupsAtPeak = Map.of();

        @Override
        public synchronized void run() {
            ThreadGroup root = Thread.currentThread().getThreadGroup();
            while (root.getParent() != null) {
                root = root.getParent();
            }
            Thread[] threads = new Thread[root.activeCount() + 64];
            int count = root.enumerate(threads, true);
            Map<String, Integer> groups = new TreeMap<>();
            for (Thread t : Arrays.copyOf(threads, count)) {
                if (NOT_RUNNER_THREADS.stream().noneMatch(t.getName()::startsWith)) {
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
        }
    }

    /**
     * Waits for every completion callback. Gives up early when no sync completed for {@code stall} while every
     * emulator job has already ended: the missing exchanges were lost by the runner and will never complete.
     */
    private static boolean awaitCompletions(CountDownLatch done, AirbyteEmulator emulator, Duration stall)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(11);
        long lastCount = done.getCount();
        long lastProgress = System.nanoTime();
        while (!done.await(1, TimeUnit.SECONDS)) {
            long now = System.nanoTime();
            if (done.getCount() != lastCount) {
                lastCount = done.getCount();
                lastProgress = now;
            } else if (now - lastProgress > stall.toNanos() && emulator.jobs().stream().allMatch(JobSnapshot::terminal)) {
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

    private static void await(BooleanSupplier condition, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < end) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static long pct(long[] sorted, double p) {
        return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static String ms(long micros) {
        return String.format("%.1f ms", micros / 1000.0);
    }

    private static String mb(long bytes) {
        return String.format("%.0f MB", bytes / 1048576.0);
    }

    private static String prop(CamelContext camel, String key) {
        return camel.getPropertiesComponent().resolveProperty(key).orElse("(unset)");
    }

    private static String procStatus(String field) {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith(field + ":"))
                    .map(l -> l.substring(field.length() + 1).trim()).findFirst().orElse("n/a");
        } catch (IOException e) {
            return "n/a (" + e.getMessage() + ")";
        }
    }

    private static void line(String label, Object value) {
        System.out.printf("%-28s %s%n", label + ":", value);
    }

    private static void setLevel(String logger, Level level) {
        if (LoggerFactory.getLogger(logger) instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(level);
        }
    }
}
