package io.syncrunner.ops;

import io.syncrunner.testsupport.LogCapture;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code syncrunner validate}: the shipped routes pass; each kind of bad file fails naming file and line. */
class ValidateCommandIT {
    private static final String BAD = "syncrunner-devtools/src/test/resources/bad-routes/";
    /** The demo's example workflow: a route file outside routes/, checked beside the shipped ones. */
    private static final String EXAMPLE_WORKFLOW = "syncrunner-devtools/src/main/resources/demo/routes/example-workflow.yaml";

    private record Result(int exitCode, List<String> lines) {
        List<String> errors() {
            return lines.stream().filter(l -> l.startsWith("ERROR ")).toList();
        }
    }

    private static Result validate(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = ValidateCommand.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Result(code, bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    /** The bad file with the shipped routes (which define the templates it uses). */
    private static Result validateWithShippedRoutes(String badFile) {
        Result r = validate("routes", BAD + badFile);
        assertThat(r.exitCode()).as("exit code, output: %s", r.lines()).isEqualTo(1);
        assertThat(r.errors()).as("every problem is in the bad file").allMatch(l -> l.startsWith("ERROR " + BAD
                + badFile + ":"));
        assertThat(r.lines()).as("the shipped routes are still OK").contains("OK routes/schedules.yaml",
                "OK routes/scheduled-sync.yaml", "OK routes/airbyte-sync.yaml");
        return r;
    }

    @Test
    void shippedRoutesAreValidAndNothingIsStarted() throws IOException {
        int logBefore = LogCapture.size();

        Result r = validate();

        assertThat(r.exitCode()).as("output: %s", r.lines()).isZero();
        List<String> expected = new ArrayList<>();
        try (Stream<Path> files = Files.list(Paths.get("routes"))) {
            files.map(Path::toString).filter(f -> f.endsWith(".yaml")).sorted().forEach(f -> expected.add("OK " + f));
        }
        assertThat(expected).contains("OK routes/schedules.yaml", "OK routes/scheduled-sync.yaml");
        assertThat(r.lines()).containsAll(expected);
        assertThat(r.errors()).isEmpty();
        assertThat(r.lines().get(r.lines().size() - 1)).isEqualTo(expected.size()
                + " route file(s) checked, no problems");
        // the validating context (named syncrunner-validate) started nothing: no route, scheduler or thread
        assertThat(LogCapture.linesSince(logBefore)).noneMatch(l -> l.contains("syncrunner-validate"));
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().contains("syncrunner-validate"));
    }

    @Test
    void filesCanBeNamedOneByOne() {
        Result r = validate("routes/airbyte-sync.yaml", EXAMPLE_WORKFLOW, "routes/api-call.yaml",
                "routes/fivetran-sync.yaml");
        assertThat(r.exitCode()).as("output: %s", r.lines()).isZero();
        assertThat(r.lines()).contains("OK routes/airbyte-sync.yaml", "OK " + EXAMPLE_WORKFLOW);
    }

    @Test
    void invalidYamlNamesFileLineAndColumn() {
        Result r = validateWithShippedRoutes("bad-yaml.yaml");
        assertThat(r.errors()).containsExactly("ERROR " + BAD
                + "bad-yaml.yaml:8:14: expected ',' or ']', but got : (while parsing a flow sequence at line 7)");
    }

    @Test
    void unknownStepNamesFileLineAndColumn() {
        Result r = validateWithShippedRoutes("unknown-step.yaml");
        assertThat(r.errors()).containsExactly("ERROR " + BAD + "unknown-step.yaml:8:11: Unknown node id: logg");
    }

    @Test
    void badCronInAScheduleNamesFileLineAndSchedule() {
        Result r = validateWithShippedRoutes("bad-cron.yaml");
        assertThat(r.errors()).hasSize(1);
        assertThat(r.errors().get(0)).startsWith("ERROR " + BAD + "bad-cron.yaml:2: Schedule 'bad-cron': cron"
                + " '0 2 * * *' is not a Quartz cron expression");
    }

    @Test
    void badSyncRequestInAScheduleNamesFileLineAndSchedule() {
        Result r = validateWithShippedRoutes("bad-request.yaml");
        assertThat(r.errors()).containsExactly("ERROR " + BAD + "bad-request.yaml:3: Schedule 'bad-request':"
                + " invalid sync request: Unknown provider 'airbite': use airbyte or fivetran");
    }

    @Test
    void unknownTimeZoneAndMisspeltParameterAreRefused() {
        Result r = validateWithShippedRoutes("bad-time-zone.yaml");
        assertThat(r.errors()).containsExactly(
                "ERROR " + BAD + "bad-time-zone.yaml:2: Schedule 'bad-zone': time zone 'Europe/Berlinn' is unknown;"
                        + " use a name such as Europe/Berlin, America/New_York or UTC",
                "ERROR " + BAD + "bad-time-zone.yaml:3: Schedule 'misspelt': unknown parameter(s) timezone;"
                        + " scheduled-sync has cron, enabled, missedFires, request, timeZone");
    }

    @Test
    void kameletStepsAndRouteIdsAreCheckedAcrossFiles() {
        Result r = validateWithShippedRoutes("bad-kamelet.yaml");
        assertThat(r.errors()).containsExactly(
                "ERROR " + BAD + "bad-kamelet.yaml:3: duplicate route id 'status-page' (first at"
                        + " routes/status-page.yaml:5)",
                "ERROR " + BAD + "bad-kamelet.yaml:8: route 'status-page' uses kamelet:airbyte-sync without"
                        + " its required parameter(s) connectionId",
                "ERROR " + BAD + "bad-kamelet.yaml:9: route 'status-page' uses kamelet:airbyte-synk, but no"
                        + " route template 'airbyte-synk' exists (templates: airbyte-sync, fivetran-resync,"
                        + " fivetran-sync, notify-on-failure, scheduled-sync)");
    }

    @Test
    void templatedRouteOfAnUnknownTemplateIsRefused() {
        Result r = validateWithShippedRoutes("unknown-template.yaml");
        assertThat(r.errors()).containsExactly("ERROR " + BAD + "unknown-template.yaml:2: templatedRoute"
                + " 'unknown-template': Cannot find RouteTemplate with id scheduled-synk");
    }

    @Test
    void allBadFilesAtOnceReportEachProblem() {
        Result r = validate("routes", BAD);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.errors()).hasSize(10);
        assertThat(r.lines().get(r.lines().size() - 1)).endsWith("route file(s) checked, 10 problem(s)");
    }

    @Test
    void aMissingPathIsAProblem() {
        Result r = validate("no/such/routes");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.errors()).containsExactly("ERROR no/such/routes: no such file or directory");
    }
}
