package io.syncrunner.devtools.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.syncrunner.devtools.bench.ClusterBench.line;

/**
 * Start time and idle memory of the runner as users start it: {@code bin/syncrunner run} in the repository's top
 * folder (config/application.properties, routes/, no account), on a free port, each start a process of its own.
 * For each start it prints the wall time from the process's start until {@code /observe/health/live} and
 * {@code /observe/health/ready} first answer 200, the process's CPU time (utime + stime) at ready, and after
 * {@code --idle} more seconds its resident memory (VmRSS) and CPU time; then the runner is stopped with SIGTERM.
 *
 * <p>With {@code --cds both} (default) the starts alternate between no class-data archive and the archive that
 * {@code SYNCRUNNER_CDS_ARCHIVE} makes (written by one start first, not counted), so both see the same machine.
 * Not a test: the figures are printed, not compared with a target (docs/benchmark.md).
 *
 * <pre>
 * mvn -B -q package -DskipTests
 * java -cp syncrunner-devtools/target/syncrunner-devtools.jar io.syncrunner.devtools.bench.StartBench \
 *     [--starts 3] [--idle 10s] [--cds both|on|off] [--java-opts "-Xmx512m"]
 * </pre>
 */
public final class StartBench {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();

    private StartBench() {
    }

    /** Command-line options. */
    record Options(int starts, Duration idle, String cds, String javaOpts) {
        static final String USAGE = "usage: StartBench [--starts 3] [--idle 10s] [--cds both|on|off]"
                + " [--java-opts \"-Xmx512m\"]";

        static Options parse(String... args) {
            int starts = 3;
            Duration idle = Duration.ofSeconds(10);
            String cds = "both";
            String javaOpts = "-Xmx512m";
            for (int i = 0; i < args.length; i++) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(USAGE);
                }
                String v = args[++i];
                switch (args[i - 1]) {
                    case "--starts" -> starts = Integer.parseInt(v);
                    case "--idle" -> idle = ClusterBench.duration(v);
                    case "--cds" -> cds = v;
                    case "--java-opts" -> javaOpts = v;
                    default -> throw new IllegalArgumentException("unknown option " + args[i - 1] + "\n" + USAGE);
                }
            }
            if (starts < 1 || idle.isNegative() || !List.of("both", "on", "off").contains(cds)) {
                throw new IllegalArgumentException("--starts must be positive, --cds both, on or off\n" + USAGE);
            }
            return new Options(starts, idle, cds, javaOpts);
        }
    }

    /** One start's figures. */
    record Start(boolean archive, long liveMillis, long readyMillis, double cpuAtReady, long rssKb, double cpuIdle) {
    }

    public static void main(String... args) {
        int code;
        try {
            code = run(Options.parse(args)).isEmpty() ? 1 : 0;
        } catch (IllegalArgumentException e) {
            System.out.println(e.getMessage());
            code = 2;
        } catch (Exception e) {
            e.printStackTrace();
            System.out.println("START BENCH FAILED: " + e);
            code = 1;
        }
        System.exit(code);
    }

    static List<Start> run(Options o) throws Exception {
        Path top = ClusterBench.projectDir();
        Path launcher = top.resolve("bin/syncrunner");
        if (!Files.isRegularFile(top.resolve("syncrunner/target/syncrunner.jar"))) {
            throw new IllegalStateException("syncrunner/target/syncrunner.jar is missing: mvn -B -q package -DskipTests");
        }
        Path work = Files.createTempDirectory("syncrunner-start-bench");
        Path archive = work.resolve("syncrunner.jsa");
        line("runner", launcher + " run (config/application.properties, routes/; JAVA_OPTS=" + o.javaOpts() + ")");
        line("each start", "wall time to /observe/health/live and /ready answering 200, CPU at ready; then "
                + o.idle().toMillis() + " ms idle (\"idle\": VmRSS and CPU after it); SIGTERM");
        line("machine", Runtime.getRuntime().availableProcessors() + " cores, java " + System.getProperty("java.version")
                + ", load average " + loadAverage());
        if (!o.cds().equals("off")) {
            start(o, launcher, work, archive, false);
            if (!Files.isRegularFile(archive)) {
                throw new IllegalStateException("the first start wrote no class-data archive at " + archive);
            }
            line("archive", String.format("written by a first start (not counted): %d MB",
                    Files.size(archive) / 1_000_000));
        }
        List<Start> starts = new ArrayList<>();
        try {
            for (int i = 0; i < o.starts(); i++) {
                if (!o.cds().equals("on")) {
                    starts.add(print(start(o, launcher, work, null, false)));
                }
                if (!o.cds().equals("off")) {
                    starts.add(print(start(o, launcher, work, archive, true)));
                }
            }
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        System.out.println();
        for (boolean withArchive : new boolean[] {false, true}) {
            List<Start> s = starts.stream().filter(x -> x.archive() == withArchive).toList();
            if (!s.isEmpty()) {
                System.out.println(String.format(Locale.ROOT, "START BENCH: archive=%s starts=%d ready_ms=%s"
                                + " cpu_at_ready_s=%s idle_rss_mib=%s", withArchive ? "on" : "off", s.size(),
                        median(s.stream().mapToDouble(Start::readyMillis).toArray(), "%.0f"),
                        median(s.stream().mapToDouble(Start::cpuAtReady).toArray(), "%.2f"),
                        median(s.stream().mapToDouble(x -> x.rssKb() / 1024.0).toArray(), "%.1f")));
            }
        }
        line("load average after", loadAverage());
        return starts;
    }

    private static Start print(Start s) {
        line(s.archive() ? "start, archive" : "start, no archive", String.format(Locale.ROOT,
                "live after %d ms, ready after %d ms, CPU %.2f s at ready; idle: VmRSS %d kB (%.1f MiB), CPU %.2f s",
                s.liveMillis(), s.readyMillis(), s.cpuAtReady(), s.rssKb(), s.rssKb() / 1024.0, s.cpuIdle()));
        return s;
    }

    /**
     * One start: the launcher as a process of its own (it execs the JVM, so the process is the JVM), waited for until
     * ready, left idle, then stopped. With {@code archive} set and {@code use} false the archive is written at the
     * stop (the launcher's first start with {@code SYNCRUNNER_CDS_ARCHIVE}).
     */
    private static Start start(Options o, Path launcher, Path work, Path archive, boolean use) throws Exception {
        int port = Bench.freePort();
        ProcessBuilder pb = new ProcessBuilder("sh", launcher.toString(), "run", "--camel.server.port=" + port)
                .redirectErrorStream(true).redirectOutput(work.resolve("runner-" + port + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AIRBYTE_") || k.startsWith("FIVETRAN_") || k.startsWith("SYNCRUNNER_")
                || k.startsWith("CAMEL_"));
        env.put("JAVA_OPTS", o.javaOpts());
        // a journal of its own per start (an empty one, as a first start has), not the repository's data/
        env.put("SYNCRUNNER_DATA_DIR", work.resolve("data-" + port).toString());
        if (archive != null) {
            env.put("SYNCRUNNER_CDS_ARCHIVE", archive.toString());
        }
        long t0 = System.nanoTime();
        Process p = pb.start();
        try {
            long live = awaitOk(p, port, "/observe/health/live", t0);
            long ready = awaitOk(p, port, "/observe/health/ready", t0);
            double cpuReady = cpuSeconds(p.pid());
            long idleEnd = System.nanoTime() + o.idle().toNanos();
            while (System.nanoTime() < idleEnd) {
                LockSupport.parkNanos(idleEnd - System.nanoTime());
            }
            long rss = rssKb(p.pid());
            double cpuIdle = cpuSeconds(p.pid());
            return new Start(use, live, ready, cpuReady, rss, cpuIdle);
        } finally {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Milliseconds from t0 until GET path answers 200 (every 10 ms); fails if the runner exits or 120 s pass. */
    private static long awaitOk(Process p, int port, String path, long t0) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(120)) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the runner exited with " + p.exitValue() + " before " + path
                        + " answered 200");
            }
            try {
                if (HTTP.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return (System.nanoTime() - t0) / 1_000_000;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            LockSupport.parkNanos(10_000_000);
        }
        throw new IllegalStateException(path + " did not answer 200 within 120 s");
    }

    private static double cpuSeconds(long pid) throws IOException {
        return ProcFiles.stat(pid).cpuTicks() / (double) ProcFiles.ticksPerSecond();
    }

    private static long rssKb(long pid) throws IOException {
        String rss = ProcFiles.status(String.valueOf(pid), "VmRSS");
        return rss == null ? -1 : Long.parseLong(rss.replaceAll("\\D", ""));
    }

    private static String loadAverage() {
        try {
            return String.join(" ", List.of(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String median(double[] v, String format) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        double m = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return String.format(Locale.ROOT, format, m);
    }
}
