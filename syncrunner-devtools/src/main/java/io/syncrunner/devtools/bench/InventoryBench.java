package io.syncrunner.devtools.bench;

import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.EmulatedConnector;
import io.syncrunner.devtools.emulator.FivetranEmulator;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.devtools.emulator.RequestLog;
import io.syncrunner.inventory.ConnectionInventory;
import io.syncrunner.support.Durations;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What the connection inventory costs in API requests: the real runner (config/application.properties, routes/)
 * against the bundled emulators holding N Airbyte connections and N Fivetran connectors, one account of each. After
 * the first full refresh (which also fetches tokens and checks the accounts), it starts {@code --refreshes} more
 * full refreshes one after the other and counts the requests each made at the emulators, by provider and endpoint;
 * the requests per hour are those counts times the full refreshes an hour at {@code syncrunner.inventory.refresh-interval}
 * (the runner's default unless given with {@code --set}). No sync runs, so the refreshes after a sync's end are not
 * in it. Not a test: see docs/benchmark.md.
 *
 * <pre>
 * java -cp syncrunner/target/syncrunner.jar:syncrunner-devtools/target/syncrunner-devtools.jar \
 *     io.syncrunner.devtools.bench.InventoryBench --connections 1000 [--refreshes 2] [--set key=value ...]
 * </pre>
 */
public final class InventoryBench {
    private static final String ACCOUNT = "bench";
    private static final String GROUP = "bench_group";
    private static final String USAGE = "usage: InventoryBench [--connections 1000] [--refreshes 2] [--set key=value ...]";

    private InventoryBench() {
    }

    public static void main(String... args) {
        int exitCode;
        try {
            exitCode = run(args);
        } catch (IllegalArgumentException e) {
            System.out.println(e.getMessage() + "\n" + USAGE);
            exitCode = 2;
        } catch (Throwable e) {
            e.printStackTrace();
            System.out.println("SUMMARY FAILED: " + e);
            exitCode = 2;
        }
        System.exit(exitCode);
    }

    static int run(String... args) throws Exception {
        int n = 1000;
        int refreshes = 2;
        Map<String, String> settings = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--connections" -> n = Integer.parseInt(required(args[i], value));
                case "--refreshes" -> refreshes = Integer.parseInt(required(args[i], value));
                case "--set" -> {
                    String kv = required(args[i], value);
                    int eq = kv.indexOf('=');
                    if (eq < 1) {
                        throw new IllegalArgumentException("--set takes key=value, not " + kv);
                    }
                    settings.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        if (n < 1 || refreshes < 1) {
            throw new IllegalArgumentException("--connections and --refreshes must be positive");
        }
        String secret = "bench-secret-" + UUID.randomUUID();
        AirbyteEmulator airbyte = AirbyteEmulator.builder().port(0).requestLogLimit(Integer.MAX_VALUE)
                .clientCredentials("bench-client", secret).build().start();
        FivetranEmulator fivetran = FivetranEmulator.builder().port(0).requestLogLimit(Integer.MAX_VALUE)
                .apiKey("bench-client", secret).build().start();
        fivetran.addGroup(GROUP);
        Instant lastSuccess = Instant.now().minus(Duration.ofHours(1));
        for (int i = 0; i < n; i++) {
            airbyte.addConnection(UUID.randomUUID().toString(), "pending:1s,succeeded", true, 0, 0);
            fivetran.addConnector(EmulatedConnector.of("bench_" + i, GROUP).scheduleType("auto")
                    .succeededAt(lastSuccess));
        }
        Main main = Bench.runnerMain(Bench.freePort());
        main.addOverrideProperty("syncrunner.data-dir", Files.createTempDirectory("syncrunner-inventory-bench-").toString());
        main.addOverrideProperty("airbyte." + ACCOUNT + ".base-url", airbyte.selfManagedApiUrl());
        main.addOverrideProperty("airbyte." + ACCOUNT + ".client-id", "bench-client");
        main.addOverrideProperty("airbyte." + ACCOUNT + ".client-secret", secret);
        main.addOverrideProperty("fivetran." + ACCOUNT + ".base-url", fivetran.baseUrl());
        main.addOverrideProperty("fivetran." + ACCOUNT + ".api-key", "bench-client");
        main.addOverrideProperty("fivetran." + ACCOUNT + ".api-secret", secret);
        main.addOverrideProperty("fivetran." + ACCOUNT + ".group-id", GROUP);
        settings.forEach(main::addOverrideProperty);
        Bench.Runner runner = Bench.Runner.start(main);
        try {
            CamelContext camel = runner.camel();
            ConnectionInventory inventory = camel.getRegistry().lookupByNameAndType("connectionInventory",
                    ConnectionInventory.class);
            Duration interval = Durations.parsePositive(Bench.prop(camel, "syncrunner.inventory.refresh-interval"),
                    "syncrunner.inventory.refresh-interval");
            String pageSize = Bench.prop(camel, "syncrunner.inventory.page-size");
            Duration max = Duration.ofMinutes(10);
            Bench.await(() -> inventory.refreshedAt() != null, max);
            if (inventory.refreshedAt() == null) {
                throw new IllegalStateException("the first full refresh did not end within " + max);
            }
            double perHour = 3600.0 / interval.toSeconds();
            Bench.line("connections", n + " Airbyte connections and " + n + " Fivetran connectors, one account each");
            Bench.line("page size", pageSize + " (syncrunner.inventory.page-size)");
            Bench.line("refresh interval", Durations.human(interval) + " (syncrunner.inventory.refresh-interval): "
                    + String.format("%.1f", perHour) + " full refreshes an hour");
            Bench.line("machine", Runtime.getRuntime().availableProcessors() + " cores, java "
                    + System.getProperty("java.version"));
            long[] airbyteTotal = new long[1];
            long[] fivetranTotal = new long[1];
            int listed = 0;
            for (int r = 1; r <= refreshes; r++) {
                airbyte.requestLog().clear();
                fivetran.requestLog().clear();
                Instant before = inventory.refreshedAt();
                long t0 = System.nanoTime();
                inventory.refreshSoon();
                Bench.await(() -> inventory.refreshedAt().isAfter(before), max);
                if (!inventory.refreshedAt().isAfter(before)) {
                    throw new IllegalStateException("full refresh " + r + " did not end within " + max);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                listed = inventory.views().size();
                Map<String, Long> a = byEndpoint(airbyte.requestLog());
                Map<String, Long> f = byEndpoint(fivetran.requestLog());
                long at = a.values().stream().mapToLong(Long::longValue).sum();
                long ft = f.values().stream().mapToLong(Long::longValue).sum();
                airbyteTotal[0] += at;
                fivetranTotal[0] += ft;
                Bench.line("refresh " + r, String.format("%.2f s, %d connection(s) listed; airbyte %d requests %s;"
                        + " fivetran %d requests %s", seconds, listed, at, a, ft, f));
            }
            double airbyteEach = (double) airbyteTotal[0] / refreshes;
            double fivetranEach = (double) fivetranTotal[0] / refreshes;
            Bench.line("requests per full refresh", String.format("airbyte %.1f, fivetran %.1f (mean of %d)",
                    airbyteEach, fivetranEach, refreshes));
            Bench.line("requests per hour", String.format("airbyte %.0f, fivetran %.0f (at one full refresh every %s)",
                    airbyteEach * perHour, fivetranEach * perHour, Durations.human(interval)));
            boolean ok = listed == 2 * n;
            System.out.printf("SUMMARY %s: inventory of %d airbyte + %d fivetran connections, %d listed; per full"
                            + " refresh airbyte %.1f, fivetran %.1f requests; per hour at %s airbyte %.0f, fivetran %.0f%n",
                    ok ? "OK" : "FAILED", n, n, listed, airbyteEach, fivetranEach, Durations.human(interval),
                    airbyteEach * perHour, fivetranEach * perHour);
            return ok ? 0 : 1;
        } finally {
            runner.stop();
            airbyte.close();
            fivetran.close();
        }
    }

    /** The requests by method and endpoint, ids replaced by {id}, e.g. {"GET /jobs": 1000}. */
    static Map<String, Long> byEndpoint(RequestLog log) {
        Map<String, Long> out = new TreeMap<>();
        List<RecordedRequest> all = log.snapshot();
        for (RecordedRequest r : all) {
            String path = r.apiPath().replaceAll("/[0-9a-fA-F-]{36}", "/{id}").replaceAll("/bench_[A-Za-z0-9_]+", "/{id}")
                    .replaceAll("/\\d+(?=/|$)", "/{id}");
            out.merge(r.method() + " " + path, 1L, Long::sum);
        }
        return out;
    }

    private static String required(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }
}
