package io.syncrunner.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.syncrunner.testsupport.RunnerProcess;
import java.io.File;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real launcher, {@code bin/syncrunner}, run as ops run it: a process of its own started from the repository's
 * top folder (where failsafe runs the integration tests; the jars are those of {@code mvn package}), from another
 * folder and through a symbolic link. Its environment has none of the variables the settings read (no account, no
 * developer's credentials), and its JAVA_HOME is this JVM's.
 */
class LauncherIT {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Path top = RunnerProcess.projectDir();
    private final Path launcher = top.resolve("bin/syncrunner");
    private final List<Process> started = new ArrayList<>();

    @TempDir
    Path temp;

    @AfterEach
    void stopWhatWasStarted() throws InterruptedException {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldListItsCommandsOnHelp() throws Exception {
        Run help = run(top, List.of(launcher.toString(), "--help"), Map.of());

        assertThat(help.exitCode).isZero();
        assertThat(help.output).containsPattern("(?m)^  run ").containsPattern("(?m)^  check ")
                .containsPattern("(?m)^  validate ").containsPattern("(?m)^  demo ").contains("JAVA_OPTS");
    }

    @Test
    void shouldRefuseAnUnknownCommandWithExitCodeTwo() throws Exception {
        Run wrong = run(top, List.of(launcher.toString(), "valdiate"), Map.of());

        assertThat(wrong.exitCode).isEqualTo(2);
        assertThat(wrong.output).contains("syncrunner: unknown command 'valdiate'").contains("Usage: syncrunner");
    }

    @Test
    void shouldValidateTheShippedRoutes() throws Exception {
        Run validate = run(top, List.of("bin/syncrunner", "validate"), Map.of());

        assertThat(validate.exitCode).as(validate.output).isZero();
        assertThat(validate.output).contains("OK routes/airbyte-sync.yaml").containsPattern("route file\\(s\\) checked, no problems");
    }

    @Test
    void shouldRunTheDemoOnceToItsFollowUpStepShowingEachOfItsPartsAndExitZero() throws Exception {
        Run demo = run(top, List.of("bin/syncrunner", "demo", "--once"), Map.of(
                "SYNCRUNNER_HTTP_PORT", String.valueOf(RunnerProcess.freePort()),
                "SYNCRUNNER_HTTP_HOST", "127.0.0.1",
                "SYNCRUNNER_DATA_DIR", temp.resolve("data").toString()));

        assertThat(demo.exitCode).as(demo.output).isZero();
        assertThat(demo.output).contains("Workflow: both syncs succeeded, running the follow-up step");
        // the inventory finds the connector whose last success is 3 days old stale, and its notice is mailed
        assertThat(demo.output).containsPattern("Connection inventory: \\d+ connection\\(s\\), \\d+ stale: .*fivetran/demo/demo_legacy_erp")
                .contains("Alert email received: \"[syncrunner] fivetran connection stale: demo/demo_legacy_erp\"");
        // the example job's Airbyte run ends by the emulator's notification
        assertThat(demo.output).containsPattern("Airbyte job \\d+ of connection 6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a01 .*succeeded after \\d+s, ended by webhook");
        // its Fivetran run is named by Fivetran's sync id
        assertThat(demo.output).containsPattern("Fivetran sync of Fivetran connector demo_postgres \\(account 'demo'\\): succeeded \\(sync [0-9a-f-]{36} succeeded\\)");
        // the lineage receiver gets the START and the end of each step
        assertThat(demo.output).containsPattern("Lineage event received: START of job 6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a01 \\(namespace syncrunner://airbyte/demo\\), run [0-9a-f-]{36}")
                .containsPattern("Lineage event received: COMPLETE of job demo_postgres \\(namespace syncrunner://fivetran/demo\\)")
                .containsPattern("Lineage event received: FAIL of job 6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a02 ");
        // the sync that fails on purpose is alerted by email, and the demo waited for it before it stopped
        assertThat(demo.output).contains("Alert email received: \"[syncrunner] airbyte sync failed: demo/6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a02\"")
                .containsPattern("Demo receivers: \\d+ lineage event\\(s\\) and \\d+ alert email\\(s\\) received")
                .doesNotContain("Demo receivers: not everything came");
    }

    @Test
    void shouldExitOneNamingTheMissingAccountsOnCheckWithoutAccounts() throws Exception {
        Run check = run(top, List.of("bin/syncrunner", "check"), Map.of());

        assertThat(check.exitCode).as(check.output).isEqualTo(1);
        assertThat(check.output).contains("ERROR no account is configured");
    }

    @Test
    void shouldHandJavaOptsToTheJvm() throws Exception {
        Run bogus = run(top, List.of("bin/syncrunner", "validate"),
                Map.of("JAVA_OPTS", "-Xmx256m -Dsyncrunner.log.format=bogus"));

        // the JVM's system property, and nothing else, makes the runner refuse the log format
        assertThat(bogus.exitCode).as(bogus.output).isEqualTo(2);
        assertThat(bogus.output).contains("syncrunner.log.format 'bogus' is not a log format: write text or json")
                .doesNotContain("checked");
    }

    @Test
    void shouldStartTheJvmWithTheMemoryDefaultsUnlessJavaOptsNamesACollectorOrHeapSizes() throws Exception {
        Run defaults = run(top, List.of("bin/syncrunner", "validate"),
                Map.of("JAVA_OPTS", "-Xmx512m -XX:+PrintCommandLineFlags"));
        assertThat(defaults.exitCode).as(defaults.output).isZero();
        assertThat(defaults.output).contains("-XX:+UseSerialGC").contains("-XX:InitialHeapSize=33554432")
                .contains("-XX:NewSize=16777216").contains("-XX:MaxHeapSize=536870912");

        Run own = run(top, List.of("bin/syncrunner", "validate"),
                Map.of("JAVA_OPTS", "-XX:+UseG1GC -Xmx512m -XX:+PrintCommandLineFlags"));
        assertThat(own.exitCode).as(own.output).isZero();
        assertThat(own.output).contains("-XX:+UseG1GC").doesNotContain("-XX:+UseSerialGC")
                .doesNotContain("-XX:InitialHeapSize=33554432");

        Run ownYoung = run(top, List.of("bin/syncrunner", "validate"),
                Map.of("JAVA_OPTS", "-Xmn32m -XX:+PrintCommandLineFlags"));
        assertThat(ownYoung.exitCode).as(ownYoung.output).isZero();
        assertThat(ownYoung.output).contains("-XX:NewSize=33554432").doesNotContain("-XX:+UseSerialGC");
    }

    @Test
    void shouldRunFromAnotherFolderAndThroughASymbolicLink() throws Exception {
        Path elsewhere = Files.createDirectories(temp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(temp.resolve("syncrunner"), launcher);
        Files.writeString(elsewhere.resolve("mine.yaml"), """
                - route:
                    id: launcher-probe
                    from:
                      uri: timer:launcher-probe
                      steps:
                        - logg:
                            message: hello
                """);

        Run shipped = run(elsewhere, List.of(link.toString(), "validate"), Map.of());
        // a file named from the caller's folder is found there, not in the runner's
        Run mine = run(elsewhere, List.of("../syncrunner", "validate", "mine.yaml"), Map.of());

        assertThat(shipped.exitCode).as(shipped.output).isZero();
        assertThat(shipped.output).contains("OK routes/airbyte-sync.yaml").contains("no problems");
        assertThat(mine.exitCode).as(mine.output).isEqualTo(1);
        assertThat(mine.output).contains("ERROR " + elsewhere.toRealPath().resolve("mine.yaml"))
                .contains("Unknown node id: logg");
    }

    @Test
    void shouldServeTheProbePathsAndStopOnSigtermAsTheJvmItself() throws Exception {
        int port = RunnerProcess.freePort();
        ProcessBuilder pb = builder(top, List.of("bin/syncrunner", "run"), Map.of(
                "SYNCRUNNER_HTTP_PORT", String.valueOf(port),
                "SYNCRUNNER_HTTP_HOST", "127.0.0.1",
                "SYNCRUNNER_DATA_DIR", temp.resolve("data").toString()));
        Path log = temp.resolve("run.log");
        pb.redirectOutput(log.toFile());
        Process runner = start(pb);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        // the paths of deploy/kubernetes' probes answer 200 once the runner has started
        for (String path : List.of(DeployFilesTest.LIVE, DeployFilesTest.READY)) {
            await(path).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .failFast("the runner ended", () -> !runner.isAlive())
                    .ignoreExceptions()
                    .until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode() == 200);
        }
        // the launcher exec'ed java: the process started is the JVM, there is no shell left between them
        Optional<String> command = runner.info().command();
        assertThat(command).hasValueSatisfying(c -> assertThat(Path.of(c).getFileName().toString()).isEqualTo("java"));
        assertThat(runner.children().count()).isZero();

        runner.destroy(); // SIGTERM, as systemd, docker stop and Kubernetes send it

        assertThat(runner.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
        assertThat(runner.exitValue()).as("a JVM ended by SIGTERM").isEqualTo(143);
        assertThat(Files.readString(log)).doesNotContain("ERROR");
    }

    @Test
    void shouldSayThatJavaIsMissingWithExitCodeTwo() throws Exception {
        // a PATH with the tools the launcher uses, but no java
        Path tools = Files.createDirectories(temp.resolve("tools"));
        for (String tool : List.of("sh", "dirname", "ls", "sed", "cat")) {
            Path found = which(tool);
            Files.createSymbolicLink(tools.resolve(tool), found);
        }
        ProcessBuilder pb = builder(top, List.of(tools.resolve("sh").toString(), "bin/syncrunner", "validate"),
                Map.of("PATH", tools.toString()));
        pb.environment().remove("JAVA_HOME");
        Run missing = finish(pb);

        assertThat(missing.exitCode).isEqualTo(2);
        assertThat(missing.output).contains("syncrunner: no java on the PATH: install Java 17 or later");
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private record Run(int exitCode, String output) {
    }

    private Run run(Path dir, List<String> command, Map<String, String> env) throws Exception {
        return finish(builder(dir, command, env));
    }

    /**
     * The command in {@code dir}, with this JVM's Java and without the variables the settings read (so neither a
     * developer's accounts nor the test environment's reach it), plus {@code env}.
     */
    private ProcessBuilder builder(Path dir, List<String> command, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> environment = pb.environment();
        environment.keySet().removeIf(k -> k.startsWith("AIRBYTE_") || k.startsWith("FIVETRAN_")
                || k.startsWith("SYNCRUNNER_") || k.startsWith("CAMEL_") || k.equals("USE_SERVER_AUTH")
                || k.equals("JAVA_OPTS"));
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.putAll(env);
        return pb;
    }

    private Run finish(ProcessBuilder pb) throws Exception {
        Path output = temp.resolve("command-" + RUNS.incrementAndGet() + ".log");
        pb.redirectOutput(output.toFile());
        Process p = start(pb);
        boolean ended = p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(ended).as("%s ended within %s: %s", pb.command(), COMMAND_TIMEOUT, Files.readString(output)).isTrue();
        return new Run(p.exitValue(), Files.readString(output));
    }

    private Process start(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private static Path which(String tool) {
        for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(tool + " is not on the PATH");
    }
}
