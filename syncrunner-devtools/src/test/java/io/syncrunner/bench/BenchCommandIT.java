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
    void shouldRunTheFivetranWebhookBenchAndSplitTheWebhookLatency() throws Exception {
        String out = bench("--provider", "fivetran", "--webhooks", "--syncs", "30", "--poll", "1s", "--job", "1s");

        assertThat(out).contains("SUMMARY OK: fivetran 30 syncs");
        assertThat(figure(out, "succeeded")).isEqualTo("30");
        assertThat(figure(out, "webhooks delivered")).startsWith("30 (30 answered 2xx)");
        // the connector GET before each trigger and no polling: a read more here and there is allowed (not every
        // sync need end on its webhook alone), a poll cycle per sync is not
        long gets = Long.parseLong(figure(out, "API status GETs").split(" ")[0]);
        assertThat(gets).isBetween(30L, 44L);
        assertThat(figure(out, "  run end -> webhook sent")).contains("(emulator side)");
        assertThat(figure(out, "  webhook sent -> completed")).contains("(runner side)");
        assertThat(figure(out, "detection latency")).contains("(30 syncs; webhook: near 0)");
    }

    /** Runs {@code java -cp <test classpath> io.syncrunner.devtools.bench.Bench args} and returns its output (exit 0). */
    private static String bench(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(RunnerProcess.javaExecutable(), "-Xmx512m",
                "-Dsun.net.httpserver.nodelay=true", "-cp", RunnerProcess.testClasspath(), Bench.class.getName()));
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
