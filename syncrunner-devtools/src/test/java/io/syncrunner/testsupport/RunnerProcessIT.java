package io.syncrunner.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.JobSnapshot;
import io.syncrunner.support.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The harness of the kill -9 and failover tests: a runner in its own JVM against the Airbyte emulator of this
 * JVM, killed hard with a sync in flight; and the embedded PostgreSQL.
 */
class RunnerProcessIT {
    private static final String CLIENT_ID = "process-client";
    private static final String CLIENT_SECRET = "process-client-secret-Vn38Qe";
    private static final String TOKEN = "process-api-token-Kd72Wp";

    private static final AirbyteEmulator EMULATOR = AirbyteEmulator.builder()
            .port(0)
            .clientCredentials(CLIENT_ID, CLIENT_SECRET)
            .tokenTtl(Duration.ofMinutes(3))
            .build()
            .start();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static {
        LogCapture.registerSecrets(List.of(CLIENT_SECRET, TOKEN));
    }

    @AfterAll
    static void stopEmulator() {
        EMULATOR.close();
    }

    @Test
    void shouldRunASyncRequestedOverHttpInAChildRunnerConfiguredByEnvironment() throws Exception {
        String connection = connection("pending:1s,running:2s,succeeded", 42, 4200);

        try (RunnerProcess runner = RunnerProcess.builder("http-sync")
                // the production way: the account "default" from the variables of config/application.properties
                .env("AIRBYTE_BASE_URL", EMULATOR.selfManagedApiUrl())
                .env("AIRBYTE_CLIENT_ID", CLIENT_ID)
                .env("AIRBYTE_CLIENT_SECRET", CLIENT_SECRET)
                .env("USE_SERVER_AUTH", "true")
                .env("SYNCRUNNER_API_TOKEN", TOKEN)
                .start()) {
            System.out.printf("child runner %s started in %d ms%n", runner, runner.startupTime().toMillis());
            assertThat(runner.logContains("API emulators listening")).as("emulators off").isFalse();
            assertThat(runner.logContains("Properties location: file:config/application.properties")).isTrue();

            HttpResponse<String> accepted = post(runner, "{\"provider\":\"airbyte\",\"account\":\"default\","
                    + "\"connectionId\":\"" + connection + "\",\"pollInterval\":\"500ms\"}");
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String runId = Json.parse(accepted.body()).path("runId").asText();

            JobSnapshot job = await().atMost(Duration.ofSeconds(30))
                    .until(() -> jobOf(connection), j -> j.isPresent() && j.get().terminal()).orElseThrow();
            assertThat(job.status()).isEqualTo("succeeded");
            JsonNode run = await().atMost(Duration.ofSeconds(30)).until(() -> run(runner, runId),
                    r -> !r.path("state").asText().equals("accepted") && !r.path("state").asText().equals("running"));
            assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("succeeded");
            assertThat(run.path("result").path("jobId").asLong()).isEqualTo(job.jobId());
            assertThat(run.path("result").path("rowsSynced").asLong()).isEqualTo(42);
            assertThat(EMULATOR.triggerCount(connection)).isEqualTo(1);

            assertThat(runner.stop()).as("exit code after SIGTERM").isEqualTo(RunnerProcess.SIGTERM_EXIT_CODE);
            assertThat(runner.logContains("JVM shutdown hook triggered by SIGTERM")).isTrue();
            assertThat(runner.logContains("(syncrunner) shutdown in")).as("Camel shut down gracefully").isTrue();
            assertThat(RunnerProcess.portFree(runner.port())).isTrue();
            assertThat(runner.logLines(CLIENT_SECRET)).isEmpty();
            assertThat(runner.logLines(TOKEN)).isEmpty();
        }
    }

    @Test
    void shouldKillARunnerWithASyncInFlightAtOnceAndFreeItsPort() throws Exception {
        String connection = connection("pending:1s,running:10m,succeeded", 0, 0);

        try (RunnerProcess runner = RunnerProcess.builder("killed")
                // -Dkey=value system properties override the keys of config/application.properties (here those
                // written {{env:...}})
                .property("airbyte.default.base-url", EMULATOR.selfManagedApiUrl())
                .property("airbyte.default.client-id", CLIENT_ID)
                .property("airbyte.default.client-secret", CLIENT_SECRET)
                .property("syncrunner.api.token", TOKEN)
                .start()) {
            assertThat(runner.logContains("API emulators listening")).as("emulators off").isFalse();
            int port = runner.port();
            long pid = runner.pid();
            HttpResponse<String> accepted = post(runner, "{\"provider\":\"airbyte\",\"account\":\"default\","
                    + "\"connectionId\":\"" + connection + "\",\"pollInterval\":\"500ms\"}");
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String runId = Json.parse(accepted.body()).path("runId").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> run(runner, runId).path("state").asText(),
                    "running"::equals);
            await().atMost(Duration.ofSeconds(30)).until(() -> jobOf(connection),
                    j -> j.isPresent() && j.get().status().equals("running"));

            long t0 = System.nanoTime();
            int exitCode = runner.killHard();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            assertThat(took).as("time until the process was gone").isLessThan(Duration.ofSeconds(5));
            assertThat(exitCode).as("128 + SIGKILL").isEqualTo(RunnerProcess.SIGKILL_EXIT_CODE);
            assertThat(runner.isAlive()).isFalse();
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
            assertThat(Path.of("/proc/" + pid)).as("no process (not even a zombie) left").doesNotExist();
            await().atMost(Duration.ofSeconds(5)).until(() -> RunnerProcess.portFree(port));
            System.out.printf("SIGKILL of %s took %d ms%n", runner, took.toMillis());
            assertThat(runner.logContains("JVM shutdown hook")).as("no shutdown hook ran").isFalse();
            assertThat(runner.logContains("is shutting down")).as("Camel did not shut down").isFalse();
            JobSnapshot job = jobOf(connection).orElseThrow();
            assertThat(job.terminal()).as("the Airbyte job goes on without its runner").isFalse();
            assertThat(job.cancelRequested()).as("nobody cancelled it").isFalse();
            assertThat(runner.logLines(CLIENT_SECRET)).isEmpty();
        }
    }

    @Test
    void shouldStartEmbeddedPostgresqlAndAnswerJdbc() throws Exception {
        Path dataDir;
        // driven as JUnit drives it when registered with @RegisterExtension on a static field
        try (EmbeddedPostgresSupport pg = new EmbeddedPostgresSupport()) {
            pg.beforeAll(null);
            System.out.printf("embedded PostgreSQL on port %d started in %d ms%n", pg.port(),
                    pg.startupTime().toMillis());
            dataDir = pg.dataDirectory();
            assertThat(dataDir).startsWith(Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target"));
            pg.beforeEach(null);
            String first = pg.database();
            assertThat(pg.jdbcUrl()).startsWith("jdbc:postgresql://localhost:" + pg.port() + "/" + first);

            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                try (ResultSet r = s.executeQuery("select 1")) {
                    assertThat(r.next()).isTrue();
                    assertThat(r.getInt(1)).isEqualTo(1);
                }
                try (ResultSet r = s.executeQuery("select current_database(), current_setting('server_version_num')")) {
                    r.next();
                    assertThat(r.getString(1)).isEqualTo(first);
                    assertThat(r.getInt(2)).as("PostgreSQL 14").isBetween(140000, 149999);
                }
                s.execute("create table journal_probe (id int primary key)");
                s.execute("insert into journal_probe values (1)");
            }
            pg.beforeEach(null);
            String second = pg.database();
            try (Connection c = pg.connect(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("select count(*) from pg_tables where tablename = 'journal_probe'")) {
                r.next();
                assertThat(r.getInt(1)).as("a fresh database has none of another's tables").isZero();
            }
            assertThat(second).isNotEqualTo(first);
            try (Connection c = java.sql.DriverManager.getConnection(pg.jdbcUrl(first), pg.user(), pg.password());
                 Statement s = c.createStatement(); ResultSet r = s.executeQuery("select id from journal_probe")) {
                assertThat(r.next()).isTrue();
            }
            pg.afterAll(null);
        }
        assertThat(Files.exists(dataDir)).as("data directory removed on close").isFalse();
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static String connection(String script, long rows, long bytes) {
        String id = UUID.randomUUID().toString();
        EMULATOR.addConnection(id, script, true, rows, bytes);
        return id;
    }

    private static Optional<JobSnapshot> jobOf(String connection) {
        return EMULATOR.jobs().stream().filter(j -> j.connectionId().equals(connection)).findFirst();
    }

    private static HttpResponse<String> post(RunnerProcess runner, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(runner.baseUrl() + "/api/syncs"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode run(RunnerProcess runner, String runId) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(runner.baseUrl() + "/api/syncs/" + runId))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parse(r.body());
    }
}
