package io.syncrunner.devtools.bench;

import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark command as the README runs it (a JVM of its own), at a size that takes seconds: it must keep
 * working and print every figure the README's performance section quotes. Not a timed test: no figure is compared
 * with a target here, only checked to be there and consistent with what was run (the counts of syncs, tokens and
 * webhooks are exact on loopback).
 */
class BenchCommandIT {

    @Test
    void shouldRunTheHttpTriggerBenchWithWarmUpAndBaselineAndPrintEveryFigure() throws Exception {
        String out = bench("--syncs", "40", "--poll", "1s", "--job", "1s", "--http-trigger", "--warmup", "10",
                "--baseline", "--baseline-cap", "20");

        assertThat(out).contains("SUMMARY OK: airbyte 40 syncs");
        assertThat(figure(out, "succeeded")).isEqualTo("40");
        assertThat(figure(out, "failed")).isEqualTo("0");
        assertThat(figure(out, "warm-up \\(not counted\\)")).startsWith("10 syncs").endsWith("0 did not succeed");
        assertThat(figure(out, "HTTP trigger")).startsWith("40 requests in").contains("answers {202=40}");
        assertThat(figure(out, "API token requests")).startsWith("1 for 50 syncs");
        assertThat(figure(out, "API trigger POSTs")).isEqualTo("40");
        assertThat(figure(out, "threads peak \\(runner\\)")).matches("\\d+ \\(excluding .*");
        assertThat(figure(out, "OS threads peak \\(process\\)")).matches("\\d+ .*");
        assertThat(figure(out, "heap used peak \\(sampled\\)")).matches("\\d+ MB");
        assertThat(figure(out, "RSS")).startsWith("VmHWM ");
        assertThat(figure(out, "journal \\(H2 file\\)")).matches("\\d+ writes in \\d+ commits .*");
        assertThat(figure(out, "CPU by owner")).startsWith("runner ").contains("µs per status GET");
        assertThat(figure(out, "detection latency")).contains("p99").contains("(40 syncs;");
        assertThat(out).contains("naive / runner, per sync").containsPattern("token requests\\s+1\\s+\\d+");
    }

    @Test
    void shouldSendInProcessFromSeveralSendersAndPriceAPollOnItsOwn() throws Exception {
        String out = bench("--syncs", "40", "--senders", "4", "--warmup", "8", "--poll", "500ms", "--job", "3s");

        assertThat(out).contains("SUMMARY OK: airbyte 40 syncs");
        assertThat(figure(out, "trigger")).contains("4 sender threads (bench-sender-#)");
        assertThat(figure(out, "warm-up \\(not counted\\)")).startsWith("8 syncs").endsWith("0 did not succeed");
        assertThat(figure(out, "API trigger POSTs")).isEqualTo("40");
        // the 40 triggers take well under a second, the first job ends 3 s later: the runner polls alone between
        Matcher window = Pattern.compile("runner (\\d+) µs per status GET: (\\d+) GETs, [\\d.]+ s runner CPU, (\\d+)"
                + " journal writes in the [\\d.]+ s from the last trigger POST to the first sync's end.*")
                .matcher(figure(out, "CPU polling only"));
        assertThat(window.matches()).as(figure(out, "CPU polling only")).isTrue();
        assertThat(Long.parseLong(window.group(2))).isPositive();
        assertThat(Long.parseLong(window.group(1))).isPositive();
    }

    @Test
    void shouldRunTheFivetranWebhookBenchAndSplitTheWebhookLatency() throws Exception {
        String out = bench("--provider", "fivetran", "--webhooks", "--syncs", "30", "--poll", "1s", "--job", "1s");

        assertThat(out).contains("SUMMARY OK: fivetran 30 syncs");
        assertThat(figure(out, "succeeded")).isEqualTo("30");
        assertThat(figure(out, "webhooks delivered")).startsWith("30 (30 answered 2xx)");
        // the connector GET before each trigger, and one sync-history read per sync (the sync_end names a sync_id:
        // the history tells whether it is the trigger's), no polling: a read more here and there is allowed (not
        // every sync need end on its webhook alone), a poll cycle per sync is not
        long gets = Long.parseLong(figure(out, "API status GETs").split(" ")[0]);
        assertThat(gets).isBetween(60L, 74L);
        assertThat(figure(out, "  run end -> webhook sent")).contains("(emulator side)");
        assertThat(figure(out, "  webhook sent -> completed")).contains("(runner side)");
        assertThat(figure(out, "detection latency")).contains("(30 syncs; webhook: near 0)");
    }

    @Test
    void shouldRunTheAirbyteWebhookBenchAndSplitTheNotificationLatency() throws Exception {
        String out = bench("--webhooks", "--syncs", "20", "--poll", "1s", "--job", "1s");

        assertThat(out).contains("SUMMARY OK: airbyte 20 syncs").contains("webhooks)");
        assertThat(figure(out, "provider")).startsWith("airbyte with sync notifications by webhook")
                .contains("every 2m");
        assertThat(figure(out, "succeeded")).isEqualTo("20");
        // one notification per job, each taken by the runner's webhook
        assertThat(figure(out, "webhooks delivered")).startsWith("20 (20 answered 2xx)");
        assertThat(figure(out, "  run end -> webhook sent")).matches("p50 [\\d.]+ ms  p99 [\\d.]+ ms  max [\\d.]+ ms  \\(emulator side\\)");
        assertThat(figure(out, "  webhook sent -> completed")).contains("(runner side)");
        assertThat(figure(out, "detection latency")).contains("(20 syncs; webhook: near 0)");
    }

    @Test
    void shouldTimeTheLaunchersStartsWithAndWithoutTheClassDataArchiveAndReadTheirIdleMemory() throws Exception {
        String out = run(StartBench.class, "--starts", "1", "--idle", "1s");

        assertThat(figure(out, "archive")).matches("written by a first start \\(not counted\\): \\d+ MB");
        String start = "live after \\d+ ms, ready after \\d+ ms, CPU [\\d.]+ s at ready; idle: VmRSS \\d+ kB"
                + " \\([\\d.]+ MiB\\), CPU [\\d.]+ s";
        assertThat(figure(out, "start, no archive")).matches(start);
        assertThat(figure(out, "start, archive")).matches(start);
        assertThat(out).containsPattern("START BENCH: archive=off starts=1 ready_ms=\\d+ cpu_at_ready_s=[\\d.]+"
                + " idle_rss_mib=[\\d.]+").containsPattern("START BENCH: archive=on starts=1 ");
    }

    @Test
    void shouldCountTheInventoryRequestsOfEachFullRefreshByEndpoint() throws Exception {
        // 25 connections of each provider, 10 a page: 3 pages each, and the latest job of each Airbyte connection
        String out = run(InventoryBench.class, "--connections", "25", "--refreshes", "2",
                "--set", "syncrunner.inventory.page-size=10");

        assertThat(out).contains("SUMMARY OK: inventory of 25 airbyte + 25 fivetran connections, 50 listed");
        assertThat(figure(out, "page size")).startsWith("10 ");
        assertThat(figure(out, "refresh interval")).isEqualTo("5m00s (syncrunner.inventory.refresh-interval): 12.0"
                + " full refreshes an hour");
        for (String refresh : List.of("refresh 1", "refresh 2")) {
            assertThat(figure(out, refresh)).contains("50 connection(s) listed")
                    .contains("airbyte 29 requests {GET /connections=3, GET /jobs=25, GET /workspaces=1}")
                    .contains("fivetran 3 requests {GET /connections=3}");
        }
        assertThat(figure(out, "requests per full refresh")).isEqualTo("airbyte 29.0, fivetran 3.0 (mean of 2)");
        assertThat(figure(out, "requests per hour")).isEqualTo("airbyte 348, fivetran 36 (at one full refresh every"
                + " 5m00s)");
    }

    @Test
    void shouldRefuseAnUnknownInventoryBenchOptionWithItsUsage() throws Exception {
        Process p = new ProcessBuilder(RunnerProcess.javaExecutable(), "-cp", RunnerProcess.testClasspath(),
                InventoryBench.class.getName(), "--connectoins", "5").directory(RunnerProcess.projectDir().toFile())
                .redirectErrorStream(true).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("unknown option --connectoins").contains("usage: InventoryBench");
    }

    /** Runs {@code java -cp <test classpath> io.syncrunner.devtools.bench.Bench args} and returns its output (exit 0). */
    private static String bench(String... args) throws IOException, InterruptedException {
        return run(Bench.class, args);
    }

    /** Runs {@code java -cp <test classpath> <main> args} and returns its output (exit 0). */
    private static String run(Class<?> mainClass, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(RunnerProcess.javaExecutable(), "-Xmx512m",
                "-Dsun.net.httpserver.nodelay=true", "-cp", RunnerProcess.testClasspath(), mainClass.getName()));
        cmd.addAll(List.of(args));
        Path dir = RunnerProcess.projectDir();
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] output;
        try (var in = p.getInputStream()) {
            output = in.readAllBytes(); // until the bench exits (it closes its output then)
        }
        boolean ended = p.waitFor(3, TimeUnit.MINUTES);
        String out = new String(output, StandardCharsets.UTF_8);
        System.out.println(out.lines().filter(l -> !l.contains(" INFO ")).reduce("", (a, b) -> a + b + "\n"));
        assertThat(ended).as("the bench ended").isTrue();
        assertThat(p.exitValue()).as("exit code; output:\n" + out).isZero();
        return out;
    }

    /** The value printed on the line {@code label: value}. */
    private static String figure(String out, String labelRegex) {
        Matcher m = Pattern.compile("(?m)^" + labelRegex + ":\\s+(.*)$").matcher(out);
        assertThat(m.find()).as("a line '" + labelRegex + ":' in\n" + out).isTrue();
        return m.group(1).trim();
    }
}
