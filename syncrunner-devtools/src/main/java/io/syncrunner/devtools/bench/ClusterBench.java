package io.syncrunner.devtools.bench;

import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The cluster benchmark: N runner processes ({@code io.syncrunner.SyncRunner}, each its own JVM) on one run journal
 * in an embedded PostgreSQL, the Airbyte emulator in this JVM, syncs spread round-robin over the runners with
 * {@code POST /api/syncs}. Not a test: it prints figures.
 *
 * <pre>
 * java -cp syncrunner/target/syncrunner.jar:syncrunner-devtools/target/syncrunner-devtools.jar:'syncrunner-devtools/target/bench-lib/*' \
 *      io.syncrunner.devtools.bench.ClusterBench [--runners 3] [--syncs 3000] [--job 2s] [--poll 1s]
 *      [--kill-one true|false] [--compare-single true|false] [--kill-syncs N] [--lease 10s] [--takeover-interval 2s]
 *      [--http-concurrency 48] [--runner-heap 384m]
 * </pre>
 *
 * <p>Passes, each on a journal database of its own and fresh emulator connections: the cluster pass (N runners,
 * {@code --syncs}); with {@code --kill-one}, a takeover pass on the same runners ({@code --kill-syncs}, default a
 * fifth of {@code --syncs}) in which the last runner is killed with SIGKILL once every request was accepted; with
 * {@code --compare-single}, the same {@code --syncs} on one runner. Throughput is syncs finished per second, from
 * the first request sent to the last run's {@code finished_at} in the journal. Runner CPU is utime + stime from
 * {@code /proc/<pid>/stat} of each child over the pass. Duplicates: connections the emulator saw more than one
 * trigger (job) for; lost: runs accepted (202) but not finished when the pass gives up (no run finished for
 * {@code 3 × lease + job + 10 × poll}, at least 60 s). Takeover: from the kill until every run the killed runner
 * held (open in the journal, owned by it, at the kill) has been finished by another runner.
 *
 * <p>Run it in the repository's top folder (the runners read {@code config/application.properties} and
 * {@code routes/} there). Their logs: {@code target/cluster-bench/<pass>-<node>.log}.
 */
public final class ClusterBench {
    static final String CLIENT_ID = "cluster-bench-client";
    static final String ACCOUNT = "default";
    private static final int REQUEST_LOG_LIMIT = 10_000;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<String> SCRUBBED_PREFIXES = List.of("AIRBYTE_", "FIVETRAN_", "SYNCRUNNER_", "CAMEL_");

    private ClusterBench() {
    }

    /** The command's options. */
    public record Options(int runners, int syncs, Duration job, Duration poll, boolean killOne, boolean compareSingle,
                         int killSyncs, Duration lease, Duration takeoverInterval, int httpConcurrency,
                         String runnerHeap) {
        public Options {
            if (runners < 1 || syncs < 1 || killSyncs < 1 || httpConcurrency < 1) {
                throw new IllegalArgumentException("--runners, --syncs, --kill-syncs and --http-concurrency must be"
                        + " at least 1");
            }
            if (killOne && runners < 2) {
                throw new IllegalArgumentException("--kill-one true needs --runners 2 or more (someone must take over)");
            }
        }

        static Options parse(String... args) {
            Map<String, String> v = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --name value, got: " + args[i]);
                }
                v.put(args[i].substring(2), args[++i]);
            }
            int syncs = Integer.parseInt(v.getOrDefault("syncs", "3000"));
            Options o = new Options(Integer.parseInt(v.getOrDefault("runners", "3")), syncs,
                    duration(v.getOrDefault("job", "2s")), duration(v.getOrDefault("poll", "1s")),
                    bool(v.getOrDefault("kill-one", "true")), bool(v.getOrDefault("compare-single", "true")),
                    Integer.parseInt(v.getOrDefault("kill-syncs", String.valueOf(Math.max(10, syncs / 5)))),
                    duration(v.getOrDefault("lease", "10s")), duration(v.getOrDefault("takeover-interval", "2s")),
                    Integer.parseInt(v.getOrDefault("http-concurrency", "48")), v.getOrDefault("runner-heap", "384m"));
            Set<String> known = Set.of("runners", "syncs", "job", "poll", "kill-one", "compare-single", "kill-syncs",
                    "lease", "takeover-interval", "http-concurrency", "runner-heap");
            for (String k : v.keySet()) {
                if (!known.contains(k)) {
                    throw new IllegalArgumentException("unknown option --" + k + " (known: " + known + ")");
                }
            }
            return o;
        }

        private static boolean bool(String s) {
            if (!s.equals("true") && !s.equals("false")) {
                throw new IllegalArgumentException("expected true or false, got: " + s);
            }
            return Boolean.parseBoolean(s);
        }
    }

    /** What one pass measured. */
    public record Pass(String label, int runners, int syncs, int accepted, int finished, int succeeded,
                       double triggerSeconds, double seconds, Map<String, Integer> finishedBy,
                       Map<String, Double> cpuSeconds, Map<String, Double> aliveSeconds, int lost, String machine) {
        public double throughput() {
            return finished / seconds;
        }

        double totalCpu() {
            return cpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    /** The kill: which runner, the runs it held, who finished them and when. */
    public record Takeover(String killed, int held, int finishedByOthers, int finishedByKilled,
                           Map<String, Integer> carriedOnBy, long takenOverMs, long finishedMs) {
        /** Every run the killed runner held was finished by another runner. */
        public boolean complete() {
            return held > 0 && finishedByOthers == held;
        }
    }

    /** Everything the command measured. */
    public record Result(Pass cluster, Pass killPass, Pass single, Takeover takeover, int duplicates, int lost,
                         List<Long> runnerPids, int journalPort) {
        public Double ratio() {
            return single == null ? null : cluster.throughput() / single.throughput();
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ClusterBench: " + e.getMessage());
            System.err.println("usage: ClusterBench [--runners 3] [--syncs 3000] [--job 2s] [--poll 1s]"
                    + " [--kill-one true|false] [--compare-single true|false] [--kill-syncs N] [--lease 10s]"
                    + " [--takeover-interval 2s] [--http-concurrency 48] [--runner-heap 384m]");
            System.exit(2);
            return;
        }
        Result r = run(o);
        System.exit(r.duplicates() == 0 && r.lost() == 0
                && (r.takeover() == null || r.takeover().complete()) ? 0 : 1);
    }

    /** Runs every pass the options ask for, prints the figures, and stops everything it started. */
    public static Result run(Options o) throws Exception {
        Path top = projectDir();
        Path work = Files.createDirectories(top.resolve("target/cluster-bench"));
        String secret = "cluster-bench-secret-" + UUID.randomUUID();
        String token = "cluster-bench-api-" + UUID.randomUUID();
        Path pgBase = Files.createDirectories(work.resolve("pg"));
        Path pgData = pgBase.resolve("data-" + UUID.randomUUID().toString().substring(0, 8));
        // the embedded server's start and stop chatter: only when something is wrong
        if (org.slf4j.LoggerFactory.getLogger("io.zonky") instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.WARN);
        }
        List<Node> started = new ArrayList<>();
        Thread reaper = new Thread(() -> started.forEach(Node::kill), "cluster-bench-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        line("machine", Runtime.getRuntime().availableProcessors() + " cores, java " + System.getProperty("java.version")
                + "; the bench (emulator, load generator), PostgreSQL and every runner share them");
        try (AirbyteEmulator airbyte = AirbyteEmulator.builder().port(0).requestLogLimit(REQUEST_LOG_LIMIT)
                .clientCredentials(CLIENT_ID, secret).tokenTtl(Duration.ofMinutes(30)).build().start();
             EmbeddedPostgres pg = EmbeddedPostgres.builder()
                     .setOverrideWorkingDirectory(Files.createDirectories(pgBase.resolve("bin")).toFile())
                     .setDataDirectory(pgData).setCleanDataDirectory(true)
                     // a bench journal: durability across an OS crash is not measured, the runners' load is
                     .setServerConfig("fsync", "off").setServerConfig("full_page_writes", "off")
                     .setServerConfig("max_connections", "200").setPGStartupWait(Duration.ofSeconds(60)).start()) {
            line("journal", "embedded PostgreSQL on port " + pg.getPort() + " (fsync off), one database per pass");
            line("runners", o.runners() + " JVMs (-Xmx" + o.runnerHeap() + "), lease " + o.lease().toMillis()
                    + " ms, takeover rounds every " + o.takeoverInterval().toMillis() + " ms");
            line("syncs", o.syncs() + " per pass, jobs of " + o.job().toMillis() + " ms + 100.." + (100
                    + o.poll().toMillis()) + " ms, polled every " + o.poll().toMillis() + " ms, POST /api/syncs"
                    + " round-robin over the runners, " + o.httpConcurrency() + " keep-alive connections in all");
            Context ctx = new Context(o, top, work, airbyte, secret, token, pg, started);

            List<Node> cluster = ctx.startNodes("cluster", o.runners());
            Pass clusterPass = ctx.pass("cluster", cluster, o.syncs(), false);
            Pass killPass = null;
            if (o.killOne()) {
                killPass = ctx.pass("takeover", cluster, o.killSyncs(), true);
            }
            ctx.stopNodes(cluster);
            Pass single = null;
            if (o.compareSingle()) {
                List<Node> one = ctx.startNodes("single", 1);
                single = ctx.pass("single", one, o.syncs(), false);
                ctx.stopNodes(one);
            }
            int duplicates = duplicates(airbyte, ctx.connections);
            int lost = clusterPass.lost() + (killPass == null ? 0 : killPass.lost()) + (single == null ? 0 : single.lost());
            Result result = new Result(clusterPass, killPass, single, ctx.takeover, duplicates, lost,
                    started.stream().map(nd -> nd.process.pid()).toList(), pg.getPort());
            print(o, result);
            return result;
        } finally {
            started.forEach(Node::kill);
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    /** Connections with more than one job (trigger) at the emulator. */
    private static int duplicates(AirbyteEmulator airbyte, Set<String> connections) {
        Map<String, Integer> jobs = new HashMap<>();
        for (JobSnapshot j : airbyte.jobs()) {
            if (connections.contains(j.connectionId())) {
                jobs.merge(j.connectionId(), 1, Integer::sum);
            }
        }
        return (int) jobs.values().stream().filter(n -> n > 1).count();
    }

    // ------------------------------------------------------------------------------------------------- a pass

    private static final class Context {
        final Options o;
        final Path top;
        final Path work;
        final AirbyteEmulator airbyte;
        final String secret;
        final String token;
        final EmbeddedPostgres pg;
        final List<Node> started;
        final Set<String> connections = new HashSet<>();
        Takeover takeover;
        String database;

        Context(Options o, Path top, Path work, AirbyteEmulator airbyte, String secret, String token,
                EmbeddedPostgres pg, List<Node> started) {
            this.o = o;
            this.top = top;
            this.work = work;
            this.airbyte = airbyte;
            this.secret = secret;
            this.token = token;
            this.pg = pg;
            this.started = started;
        }

        String jdbcUrl() {
            return pg.getJdbcUrl("postgres", database);
        }

        List<Node> startNodes(String label, int count) throws Exception {
            database = "bench_" + label + "_" + UUID.randomUUID().toString().substring(0, 8);
            try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"), "postgres",
                    "postgres"); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + database);
            }
            List<Node> nodes = new ArrayList<>();
            long t0 = System.nanoTime();
            // one at a time: the first creates the journal's tables, and each JVM's start takes the 2 cores
            for (int i = 1; i <= count; i++) {
                Node n = Node.launch(this, label, "node-" + i);
                started.add(n);
                nodes.add(n);
                n.awaitLive(Duration.ofSeconds(120));
            }
            line(label + " runners", count + " up in " + String.format("%.1f s", (System.nanoTime() - t0) / 1e9)
                    + " (pids " + nodes.stream().map(n -> String.valueOf(n.process.pid())).toList() + ")");
            return nodes;
        }

        void stopNodes(List<Node> nodes) {
            for (Node n : nodes) {
                n.stop();
            }
        }

        Pass pass(String label, List<Node> nodes, int n, boolean kill) throws Exception {
            String[] conns = new String[n];
            long pollMs = o.poll().toMillis();
            for (int i = 0; i < n; i++) {
                conns[i] = UUID.randomUUID().toString();
                connections.add(conns[i]);
                // job ends spread over one poll interval, as in Bench
                airbyte.addConnection(conns[i], "pending:" + (100 + i * pollMs / n) + "ms,running:" + o.job().toMillis()
                        + "ms,succeeded", true, 1000, 100_000);
            }
            List<Node> alive = new ArrayList<>(nodes.stream().filter(Node::alive).toList());
            Map<Node, Long> cpu0 = new LinkedHashMap<>();
            alive.forEach(nd -> cpu0.put(nd, nd.cpuTicks()));
            Map<Node, Long> cpu1 = new LinkedHashMap<>();
            Map<Node, Long> endNanos = new LinkedHashMap<>();

            MachineCpu machine0 = MachineCpu.read();
            long t0 = System.nanoTime();
            long epoch0 = System.currentTimeMillis();
            String[] runIds = send(alive, conns);
            long triggered = System.nanoTime();
            Set<String> accepted = new HashSet<>();
            for (String id : runIds) {
                if (id != null) {
                    accepted.add(id);
                }
            }

            Node victim = null;
            Set<String> held = Set.of();
            long killEpoch = 0;
            long killNanos = 0;
            if (kill) {
                victim = alive.get(alive.size() - 1);
                cpu1.put(victim, victim.cpuTicks());
                endNanos.put(victim, System.nanoTime());
                killNanos = System.nanoTime();
                killEpoch = System.currentTimeMillis();
                victim.killHard();
                // what it left: read after the kill (a run it finished between a read and the kill is not held)
                held = openRunsOf(victim.nodeId);
                line(label + " kill", victim.nodeId + " (pid " + victim.process.pid() + ") SIGKILL "
                        + String.format("%.2f s", (killNanos - t0) / 1e9) + " after the first request, all "
                        + accepted.size() + " accepted; it held " + held.size() + " open runs");
            }

            // watch the journal until every accepted run has finished, or nothing finished for the stall time
            long stallMs = Math.max(60_000, 3 * o.lease().toMillis() + o.job().toMillis() + 10 * pollMs);
            Map<String, long[]> ends = new HashMap<>(); // runId -> {finishedAtMillis}
            Map<String, String> owner = new HashMap<>();
            Map<String, String> state = new HashMap<>();
            long lastProgress = System.nanoTime();
            long takenOverNanos = 0;
            while (true) {
                int before = ends.size();
                readRuns(accepted, owner, state, ends);
                if (ends.size() > before) {
                    lastProgress = System.nanoTime();
                }
                if (kill && takenOverNanos == 0) {
                    String v = victim.nodeId;
                    if (held.stream().allMatch(id -> !v.equals(owner.get(id)))) {
                        takenOverNanos = System.nanoTime();
                    }
                }
                if (ends.size() == accepted.size()
                        || (System.nanoTime() - lastProgress) / 1_000_000 > stallMs) {
                    break;
                }
                LockSupport.parkNanos(250_000_000);
            }
            for (Node nd : alive) {
                if (nd != victim) {
                    cpu1.put(nd, nd.cpuTicks());
                    endNanos.put(nd, System.nanoTime());
                }
            }

            long lastEnd = ends.values().stream().mapToLong(e -> e[0]).max().orElse(System.currentTimeMillis());
            double seconds = Math.max(0.001, (lastEnd - epoch0) / 1000.0);
            Map<String, Integer> by = new LinkedHashMap<>();
            alive.forEach(nd -> by.put(nd.nodeId, 0));
            int succeeded = 0;
            for (String id : ends.keySet()) {
                by.merge(owner.get(id), 1, Integer::sum);
                succeeded += "succeeded".equals(state.get(id)) ? 1 : 0;
            }
            Map<String, Double> cpu = new LinkedHashMap<>();
            Map<String, Double> aliveSeconds = new LinkedHashMap<>();
            for (Node nd : alive) {
                cpu.put(nd.nodeId, (cpu1.get(nd) - cpu0.get(nd)) / (double) ProcFiles.ticksPerSecond());
                aliveSeconds.put(nd.nodeId, (endNanos.get(nd) - t0) / 1e9);
            }
            int lost = accepted.size() - ends.size();
            if (kill) {
                int byOthers = 0;
                int byKilled = 0;
                long lastHeldEnd = killEpoch;
                Map<String, Integer> carried = new LinkedHashMap<>();
                for (String id : held) {
                    if (ends.containsKey(id)) {
                        if (victim.nodeId.equals(owner.get(id))) {
                            byKilled++;
                        } else {
                            byOthers++;
                            carried.merge(owner.get(id), 1, Integer::sum);
                            lastHeldEnd = Math.max(lastHeldEnd, ends.get(id)[0]);
                        }
                    }
                }
                takeover = new Takeover(victim.nodeId, held.size(), byOthers, byKilled, carried,
                        takenOverNanos == 0 ? -1 : (takenOverNanos - killNanos) / 1_000_000,
                        byOthers == held.size() && !held.isEmpty() ? lastHeldEnd - killEpoch : -1);
            }
            double runnersCpu = cpu.values().stream().mapToDouble(Double::doubleValue).sum();
            Pass p = new Pass(label, alive.size(), n, accepted.size(), ends.size(), succeeded,
                    (triggered - t0) / 1e9, seconds, by, cpu, aliveSeconds, lost,
                    MachineCpu.read().since(machine0, runnersCpu));
            line(label + " pass", String.format("%d syncs, %d accepted in %.2f s, %d finished (%d succeeded) in %.2f s"
                            + " = %.1f syncs/s, lost %d", n, p.accepted(), p.triggerSeconds(), p.finished(),
                    p.succeeded(), p.seconds(), p.throughput(), lost));
            line(label + " machine", p.machine());
            return p;
        }

        /** Sends the requests: request i to runner i mod N, each runner's share on its own keep-alive connections. */
        String[] send(List<Node> nodes, String[] conns) throws InterruptedException {
            int n = conns.length;
            int k = nodes.size();
            String[] runIds = new String[n];
            List<Thread> senders = new ArrayList<>();
            String[] firstError = new String[1];
            for (int r = 0; r < k; r++) {
                int runner = r;
                int share = (n - r + k - 1) / k;
                Node node = nodes.get(r);
                Thread t = new Thread(() -> {
                    try {
                        HttpTrigger.Result res = HttpTrigger.send(node.baseUrl() + "/api/syncs", token,
                                Math.max(1, o.httpConcurrency() / k), share,
                                i -> requestJson(conns[runner + i * k]));
                        for (int i = 0; i < share; i++) {
                            runIds[runner + i * k] = res.runIds()[i];
                        }
                        if (res.firstError() != null) {
                            synchronized (firstError) {
                                firstError[0] = node.nodeId + ": " + res.firstError();
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "cluster-bench-send-" + node.nodeId);
                senders.add(t);
                t.start();
            }
            for (Thread t : senders) {
                t.join();
            }
            if (firstError[0] != null) {
                line("first refused request", firstError[0]);
            }
            return runIds;
        }

        String requestJson(String connection) {
            return "{\"provider\":\"airbyte\",\"account\":\"" + ACCOUNT + "\",\"connectionId\":\"" + connection
                    + "\",\"pollInterval\":\"" + o.poll().toMillis() + "ms\",\"waitTimeout\":\"10m\"}";
        }

        Set<String> openRunsOf(String nodeId) throws SQLException {
            Set<String> out = new HashSet<>();
            try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "postgres");
                 var p = c.prepareStatement("SELECT run_id FROM syncrunner_runs WHERE owner=? AND finished_at IS NULL")) {
                p.setString(1, nodeId);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        }

        void readRuns(Set<String> accepted, Map<String, String> owner, Map<String, String> state,
                      Map<String, long[]> ends) throws SQLException {
            try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "postgres");
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT run_id, owner, state, finished_at FROM syncrunner_runs")) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    if (!accepted.contains(id)) {
                        continue;
                    }
                    owner.put(id, rs.getString(2));
                    state.put(id, rs.getString(3));
                    long finished = rs.getLong(4);
                    if (!rs.wasNull()) {
                        ends.putIfAbsent(id, new long[] {finished});
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- a runner

    /** One runner process: the product's main class in a JVM of its own, pointed at the emulator and the journal. */
    private static final class Node {
        final String nodeId;
        final Process process;
        final int port;
        final Path log;

        private Node(String nodeId, Process process, int port, Path log) {
            this.nodeId = nodeId;
            this.process = process;
            this.port = port;
            this.log = log;
        }

        static Node launch(Context ctx, String label, String nodeId) throws IOException {
            int port = freePort();
            Path data = Files.createDirectories(ctx.work.resolve("data-" + label + "-" + nodeId + "-"
                    + UUID.randomUUID().toString().substring(0, 8)));
            List<String> cmd = new ArrayList<>();
            cmd.add(javaExecutable());
            cmd.addAll(List.of("-Xmx" + ctx.o.runnerHeap(), "-Xss512k", "-XX:+UseSerialGC", "-XX:-UsePerfData"));
            Path logback = ctx.top.resolve("syncrunner/target/classes/logback.xml");
            if (Files.isRegularFile(logback)) {
                // the production log configuration even when a test's classpath has logback-test.xml
                cmd.add("-Dlogback.configurationFile=" + logback);
            }
            Map<String, String> props = new LinkedHashMap<>();
            props.put("camel.server.host", "127.0.0.1");
            props.put("camel.server.port", String.valueOf(port));
            props.put("example.workflow.enabled", "false");
            props.put("camel.main.routes-reload-enabled", "false");
            props.put("syncrunner.data-dir", data.toString());
            props.put("syncrunner.check-accounts-at-startup", "false");
            props.put("syncrunner.journal.lease", ctx.o.lease().toMillis() + "ms");
            props.put("syncrunner.journal.takeover-interval", ctx.o.takeoverInterval().toMillis() + "ms");
            props.put("syncrunner.runs.retained", String.valueOf(Math.max(10_000, 2 * ctx.o.syncs() + ctx.o.killSyncs())));
            props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            cmd.add("-cp");
            cmd.add(childClasspath());
            cmd.add("io.syncrunner.SyncRunner");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(ctx.top.toFile()).redirectErrorStream(true);
            // no inherited account, journal or token settings: a developer's real ones never reach the bench
            pb.environment().keySet().removeIf(k -> k.equals("USE_SERVER_AUTH")
                    || SCRUBBED_PREFIXES.stream().anyMatch(k::startsWith));
            // secrets through the environment, never on the command line
            pb.environment().put("AIRBYTE_BASE_URL", ctx.airbyte.selfManagedApiUrl());
            pb.environment().put("AIRBYTE_CLIENT_ID", CLIENT_ID);
            pb.environment().put("AIRBYTE_CLIENT_SECRET", ctx.secret);
            pb.environment().put("USE_SERVER_AUTH", "true");
            pb.environment().put("SYNCRUNNER_API_TOKEN", ctx.token);
            pb.environment().put("SYNCRUNNER_JOURNAL_URL", ctx.jdbcUrl());
            pb.environment().put("SYNCRUNNER_JOURNAL_USER", "postgres");
            pb.environment().put("SYNCRUNNER_JOURNAL_PASSWORD", "postgres");
            pb.environment().put("SYNCRUNNER_NODE_ID", nodeId);
            Path log = ctx.work.resolve(label + "-" + nodeId + ".log");
            pb.redirectOutput(log.toFile());
            return new Node(nodeId, pb.start(), port, log);
        }

        String baseUrl() {
            return "http://127.0.0.1:" + port;
        }

        boolean alive() {
            return process.isAlive();
        }

        void awaitLive(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("runner " + nodeId + " exited with " + process.exitValue()
                            + " while starting; see " + log);
                }
                try {
                    HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl()
                                    + "/observe/health/live")).timeout(Duration.ofSeconds(2)).GET().build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                LockSupport.parkNanos(200_000_000);
            }
            throw new IllegalStateException("runner " + nodeId + " did not serve /observe/health/live within "
                    + timeout + "; see " + log);
        }

        /** utime + stime of the process, in clock ticks. */
        long cpuTicks() {
            try {
                return ProcFiles.stat(process.pid()).cpuTicks();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the CPU time of runner " + nodeId, e);
            }
        }

        /** SIGKILL (Process.destroyForcibly on Linux); returns once the process is gone. */
        void killHard() {
            kill();
            if (process.isAlive()) {
                throw new IllegalStateException("runner " + nodeId + " still alive 10 s after SIGKILL");
            }
        }

        /** SIGTERM, up to 30 s for Camel's shutdown, then SIGKILL. */
        void stop() {
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(30, TimeUnit.SECONDS)) {
                        kill();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    kill();
                }
            }
        }

        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Where the machine's CPU went during a pass (Linux /proc, clock ticks): all cores' busy time
     * ({@code /proc/stat}), PostgreSQL's processes (command {@code postgres}; a backend that ended between the two
     * reads is not counted) and this JVM (emulator, load generator, journal reads). The runners' share is measured
     * per process; what is left is everything else on the machine (other builds, the kernel's own work).
     */
    record MachineCpu(long busy, long total, Map<Long, Long> postgres, long self) {
        static MachineCpu read() {
            try {
                String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long busy = 0;
                long total = 0;
                for (int i = 1; i < Math.min(cpu.length, 9); i++) { // user nice system idle iowait irq softirq steal
                    long v = Long.parseLong(cpu[i]);
                    total += v;
                    busy += i == 4 || i == 5 ? 0 : v;
                }
                Map<Long, Long> postgres = new HashMap<>();
                try (var procs = Files.list(Path.of("/proc"))) {
                    for (Path proc : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                        ProcFiles.Stat t = statOrNull(proc);
                        if (t != null && "postgres".equals(t.command())) {
                            postgres.put(Long.parseLong(proc.getFileName().toString()), t.cpuTicks());
                        }
                    }
                }
                ProcFiles.Stat self = statOrNull(Path.of("/proc", String.valueOf(ProcessHandle.current().pid())));
                return new MachineCpu(busy, total, postgres, self == null ? 0 : self.cpuTicks());
            } catch (IOException | RuntimeException e) {
                return new MachineCpu(-1, -1, Map.of(), 0);
            }
        }

        /** The process's stat, or null for a process gone meanwhile. */
        private static ProcFiles.Stat statOrNull(Path proc) {
            try {
                return ProcFiles.stat(proc);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        String since(MachineCpu before, double runnersSeconds) {
            if (busy < 0 || before.busy < 0) {
                return "not measured (no /proc/stat)";
            }
            double hz = ProcFiles.ticksPerSecond();
            int cores = Runtime.getRuntime().availableProcessors();
            double busySeconds = (busy - before.busy) / hz;
            double allSeconds = (total - before.total) / hz;
            long pgTicks = 0;
            for (Map.Entry<Long, Long> e : postgres.entrySet()) {
                pgTicks += e.getValue() - before.postgres.getOrDefault(e.getKey(), 0L);
            }
            double pg = pgTicks / hz;
            double bench = (self - before.self) / hz;
            return String.format(Locale.ROOT, "%.0f%% of %d cores busy (%.1f of %.1f core-seconds): runners %.1f s,"
                            + " PostgreSQL %.1f s, the bench's JVM (emulator, load generator) %.1f s, everything else"
                            + " %.1f s", allSeconds == 0 ? 0 : 100 * busySeconds / allSeconds, cores, busySeconds,
                    allSeconds, runnersSeconds, pg, bench, Math.max(0, busySeconds - runnersSeconds - pg - bench));
        }
    }

    // ------------------------------------------------------------------------------------------------- output

    private static void print(Options o, Result r) {
        System.out.println();
        String f = "%-10s %-9s %9s %10s %9s %10s %12s%n";
        System.out.printf(f, "pass", "runner", "finished", "syncs/s", "CPU s", "CPU %core", "CPU ms/sync");
        for (Pass p : new Pass[] {r.cluster(), r.killPass(), r.single()}) {
            if (p == null) {
                continue;
            }
            for (String node : p.finishedBy().keySet()) {
                int fin = p.finishedBy().get(node);
                Double cpu = p.cpuSeconds().get(node);
                Double alive = p.aliveSeconds().get(node);
                System.out.printf(f, p.label(), node, fin, String.format("%.1f", fin / p.seconds()),
                        cpu == null ? "-" : String.format("%.1f", cpu),
                        cpu == null ? "-" : String.format("%.0f%%", 100 * cpu / alive),
                        cpu == null || fin == 0 ? "-" : String.format("%.2f", 1000 * cpu / fin));
            }
            System.out.printf(f, p.label(), "total", p.finished(), String.format("%.1f", p.throughput()),
                    String.format("%.1f", p.totalCpu()), "", p.finished() == 0 ? "-"
                            : String.format("%.2f", 1000 * p.totalCpu() / p.finished()));
        }
        System.out.println();
        if (r.single() != null) {
            line("ratio", String.format("%.2fx: %d runners %.1f syncs/s, 1 runner %.1f syncs/s (%d syncs each)",
                    r.ratio(), r.cluster().runners(), r.cluster().throughput(), r.single().throughput(), o.syncs()));
        }
        Takeover t = r.takeover();
        if (t != null) {
            line("takeover", String.format("%s killed holding %d open runs; %d finished by %s; no run left on it at the"
                            + " bench's journal read %d ms after the kill (read every 250 ms), all finished %d ms after the kill (lease %d ms)%s", t.killed(), t.held(),
                    t.finishedByOthers(), t.carriedOnBy(), t.takenOverMs(), t.finishedMs(), o.lease().toMillis(),
                    t.finishedByKilled() > 0 ? "; " + t.finishedByKilled() + " recorded as finished by the killed runner"
                            : ""));
        }
        line("duplicates", r.duplicates() + " (connections the emulator saw more than one trigger for)");
        line("lost", r.lost() + " (accepted, never finished)");
        System.out.println(summaryLine(o, r));
    }

    /** The machine-readable line. */
    static String summaryLine(Options o, Result r) {
        Takeover t = r.takeover();
        return String.format(Locale.ROOT, "CLUSTER BENCH: runners=%d syncs=%d throughput=%.1f single=%s ratio=%s"
                        + " duplicates=%d lost=%d takeover_ms=%s", o.runners(), o.syncs(), r.cluster().throughput(),
                r.single() == null ? "n/a" : String.format(Locale.ROOT, "%.1f", r.single().throughput()),
                r.ratio() == null ? "n/a" : String.format(Locale.ROOT, "%.2f", r.ratio()), r.duplicates(), r.lost(),
                t == null ? "n/a" : String.valueOf(t.finishedMs()));
    }

    static void line(String label, Object value) {
        System.out.printf("%-24s %s%n", label + ":", value);
    }

    // ------------------------------------------------------------------------------------------------- helpers

    static Duration duration(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("s")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
        }
        if (v.endsWith("m")) {
            return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
        }
        throw new IllegalArgumentException("not a duration (e.g. 500ms, 2s, 1m): " + s);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** The folder with config/application.properties: the working directory or the one above (a module's). */
    static Path projectDir() {
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir : new Path[] {cwd, cwd.getParent()}) {
            if (dir != null && Files.isRegularFile(dir.resolve("config/application.properties"))) {
                return dir;
            }
        }
        throw new IllegalStateException("Run the cluster bench in the repository's top folder (no"
                + " config/application.properties in " + cwd + ")");
    }

    /** The runners' classpath: this JVM's (the product's classes are on it), the test one under surefire/failsafe. */
    static String childClasspath() {
        String surefire = System.getProperty("surefire.test.class.path");
        String cp = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        try {
            Class.forName("io.syncrunner.SyncRunner", false, ClusterBench.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("The product (syncrunner.jar) is not on the classpath: " + cp, e);
        }
        return cp;
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command().filter(c -> Files.isExecutable(Path.of(c)))
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
