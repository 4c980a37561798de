package io.syncrunner.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Live route edits on a running runner whose routes come from (and are watched in) a temporary copy of routes/:
 * a new schedules file starts its schedules; invalid edits (bad YAML, an unknown step, a bad schedule) are
 * refused with one ERROR line naming file and line while the routes of before keep running and syncing.
 * Files are written as operators should: a temporary file moved over the route file.
 */
class RouteReloadIT extends RunnerTestSupport {
    private static final Duration RELOAD = Duration.ofSeconds(15);

    /** The connection the probe route syncs. */
    private static final String PROBE_CONNECTION = connection("running:200ms,succeeded");


    private static final String PROBE = """
            # a route that syncs through the airbyte-sync step
            - route:
                id: reload-probe
                from:
                  uri: direct:reload-probe
                  steps:
                    - setProperty: {name: probeVersion, constant: "%s"}
                    - to: "kamelet:airbyte-sync?account=test&connectionId={{reload.probe-connection}}&pollInterval=100ms"
                    - setBody: {simple: "${exchangeProperty.probeVersion} ${body}"}
            """;

    /** The routes of this runner: a copy of routes/ plus probe.yaml (read by the superclass constructor). */
    private static final Path DIR = copyOfRoutes();

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("camel.main.routes-include-pattern", "file:" + DIR + "/*.yaml");
        p.put("camel.main.routes-reload-enabled", "true");
        p.put("camel.main.routes-reload-directory", DIR.toString());
        p.put("reload.probe-connection", PROBE_CONNECTION);
        return p;
    }

    private static Path copyOfRoutes() {
        try {
            Path tmp = Files.createTempDirectory("syncrunner-routes-");
            try (Stream<Path> files = Files.list(Paths.get("routes"))) {
                for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                    Files.copy(f, tmp.resolve(f.getFileName()));
                }
            }
            Files.writeString(tmp.resolve("probe.yaml"), PROBE.formatted("v1"));
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    void deleteCopy() throws IOException {
        context.stop(); // first: deleting the files would otherwise be reloaded as edits
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Writes the route file as a whole: a temporary file (not matching *.yaml) moved over it. */
    private void write(String file, String content) throws IOException {
        Path tmp = DIR.resolve("." + file + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, DIR.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String schedule(String routeId, String cron, String connectionId) {
        return "- templatedRoute: {routeTemplateRef: scheduled-sync, routeId: " + routeId + ", parameters: [{name: cron,"
                + " value: \"" + cron + "\"}, {name: timeZone, value: Europe/Berlin}, {name: request, value: '"
                + "{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + connectionId
                + "\",\"pollInterval\":\"100ms\"}'}]}\n";
    }

    private ServiceStatus status(String routeId) {
        return context.getRouteController().getRouteStatus(routeId);
    }

    private List<String> reloadErrorsSince(int from) {
        return LogCapture.linesSince(from).stream()
                .filter(l -> l.contains("ERROR") && l.contains("RouteFilesReloadStrategy")).toList();
    }

    private String probe() {
        return template.requestBody("direct:reload-probe", null, String.class);
    }

    @Test
    void aNewSchedulesFileStartsItsSchedulesAndTheirSyncs() throws Exception {
        String connectionId = connection("pending:100ms,running:200ms,succeeded");
        assertThat(context.getRoute("reload-every-second")).isNull();

        write("more-schedules.yaml", "# added while the runner runs\n"
                + schedule("reload-every-second", "* * * * * ?", connectionId));

        await().atMost(RELOAD).untilAsserted(() -> assertThat(status("reload-every-second"))
                .isEqualTo(ServiceStatus.Started));
        await().atMost(RELOAD).untilAsserted(() -> assertThat(EMULATOR.triggerCount(connectionId))
                .isGreaterThanOrEqualTo(1));
        assertThat(LogCapture.lines()).anyMatch(l -> l.contains("Templated routes of " + DIR.resolve(
                "more-schedules.yaml") + " reloaded: reload-every-second"));

        // deleting the file removes its schedules
        Files.delete(DIR.resolve("more-schedules.yaml"));
        await().atMost(RELOAD).untilAsserted(() -> assertThat(context.getRoute("reload-every-second")).isNull());
    }

    @Test
    void invalidEditsKeepThePreviousRoutesRunning() throws Exception {
        assertThat(Json.parse(probe().substring(3)).path("status").asText()).isEqualTo("succeeded");
        assertThat(probe()).startsWith("v1 ");

        // 1. not YAML: the flow mapping on line 3 is never closed
        int from = LogCapture.size();
        write("probe.yaml", "- route:\n    id: reload-probe\n    from: {uri: direct:reload-probe, steps: [\n");
        await().atMost(RELOAD).until(() -> !reloadErrorsSince(from).isEmpty());
        assertThat(reloadErrorsSince(from)).singleElement().satisfies(l -> assertThat(l).contains(
                "Route file " + DIR.resolve("probe.yaml") + " was not reloaded, the routes loaded before keep running: "
                        + DIR.resolve("probe.yaml") + ":4:1: "));
        assertThat(status("reload-probe")).isEqualTo(ServiceStatus.Started);
        String afterBadYaml = probe();
        assertThat(afterBadYaml).startsWith("v1 ");
        JsonNode result = Json.parse(afterBadYaml.substring(3));
        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("connectionId").asText()).isEqualTo(PROBE_CONNECTION);

        // 2. YAML, but an unknown step
        int from2 = LogCapture.size();
        write("probe.yaml", PROBE.formatted("v2").replace("- setBody: {simple:", "- setBodyy: {simple:"));
        await().atMost(RELOAD).until(() -> !reloadErrorsSince(from2).isEmpty());
        assertThat(reloadErrorsSince(from2)).singleElement().satisfies(l -> assertThat(l).contains(
                DIR.resolve("probe.yaml") + ":9:11: Unknown node id: setBodyy"));
        assertThat(status("reload-probe")).isEqualTo(ServiceStatus.Started);
        assertThat(probe()).startsWith("v1 ");

        // 3. valid YAML and steps, but the route cannot be built (no such component): Camel has already removed
        //    the old route by then; it is put back. Camel's message has no line: the route's line is given
        int from3 = LogCapture.size();
        write("probe.yaml", PROBE.formatted("v3").replace("- to: \"kamelet:", "- to: \"nosuch:thing\"\n"
                + "        - to: \"kamelet:"));
        await().atMost(RELOAD).until(() -> !reloadErrorsSince(from3).isEmpty());
        assertThat(reloadErrorsSince(from3)).singleElement().satisfies(l -> assertThat(l).contains(
                DIR.resolve("probe.yaml") + ":2: Failed to create route: reload-probe").contains(
                "No endpoint could be found for: nosuch://thing"));
        await().atMost(RELOAD).untilAsserted(() -> assertThat(status("reload-probe")).isEqualTo(ServiceStatus.Started));
        assertThat(probe()).startsWith("v1 ");

        // 4. a valid edit of the same file is taken again: earlier failures do not stick
        write("probe.yaml", PROBE.formatted("v4"));
        await().atMost(RELOAD).untilAsserted(() -> assertThat(probe()).startsWith("v4 "));
    }

    @Test
    void anInvalidScheduleEditKeepsTheSchedulesOfBefore() throws Exception {
        String connectionId = connection("running:200ms,succeeded");
        write("edited-schedules.yaml", schedule("edited-every-second", "* * * * * ?", connectionId));
        await().atMost(RELOAD).untilAsserted(() -> assertThat(EMULATOR.triggerCount(connectionId))
                .isGreaterThanOrEqualTo(1));

        // a bad cron on line 2 (line 1 is a comment): refused, the schedule of before keeps firing
        int from = LogCapture.size();
        write("edited-schedules.yaml", "# every minute, written the Unix way\n"
                + schedule("edited-every-second", "* * * * *", connectionId));
        await().atMost(RELOAD).until(() -> !reloadErrorsSince(from).isEmpty());
        assertThat(reloadErrorsSince(from)).singleElement().satisfies(l -> assertThat(l).contains(
                DIR.resolve("edited-schedules.yaml") + ":2: Schedule 'edited-every-second': cron '* * * * *' is not a"
                        + " Quartz cron expression"));
        assertThat(status("edited-every-second")).isEqualTo(ServiceStatus.Started);
        long triggers = EMULATOR.triggerCount(connectionId);
        await().atMost(RELOAD).untilAsserted(() -> assertThat(EMULATOR.triggerCount(connectionId))
                .isGreaterThan(triggers));

        // a request that is not one: refused the same way
        int from2 = LogCapture.size();
        write("edited-schedules.yaml", schedule("edited-every-second", "* * * * * ?", connectionId)
                .replace("\"provider\":\"airbyte\"", "\"provider\":\"airbite\""));
        await().atMost(RELOAD).until(() -> !reloadErrorsSince(from2).isEmpty());
        assertThat(reloadErrorsSince(from2)).singleElement().satisfies(l -> assertThat(l).contains(
                DIR.resolve("edited-schedules.yaml") + ":1: Schedule 'edited-every-second': invalid sync request:"
                        + " Unknown provider 'airbite'"));
        assertThat(status("edited-every-second")).isEqualTo(ServiceStatus.Started);

        // a valid edit replaces the schedule: renamed, so the old one is gone and the new one fires
        write("edited-schedules.yaml", schedule("edited-renamed", "* * * * * ?", connectionId));
        await().atMost(RELOAD).untilAsserted(() -> {
            assertThat(context.getRoute("edited-every-second")).isNull();
            assertThat(status("edited-renamed")).isEqualTo(ServiceStatus.Started);
        });
        Files.delete(DIR.resolve("edited-schedules.yaml"));
        await().atMost(RELOAD).untilAsserted(() -> assertThat(context.getRoute("edited-renamed")).isNull());
    }
}
