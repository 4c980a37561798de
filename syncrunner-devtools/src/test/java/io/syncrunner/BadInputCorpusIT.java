package io.syncrunner;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.fivetran.WebhookSignature;
import io.syncrunner.ops.ValidateCommand;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncWaiter;
import io.syncrunner.testsupport.FivetranTestSupport;
import io.syncrunner.testsupport.LogCapture;
import org.apache.camel.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Replays the bad input corpus of {@code src/test/resources/bad-input/} (see its README.md) against one running
 * runner: every case file is one parameterized case (adding a file adds a case), checked against the
 * expectation next to it ({@code <case>.expected}), and each case proves that no run was lost or duplicated.
 * <ul>
 * <li>{@code requests/}: bodies POSTed to {@code /api/syncs}: the expected status and error; no run recorded,
 * nothing sent to the providers; a valid request right after it still runs exactly once.</li>
 * <li>{@code route-files/}: each file checked by {@code validate} (with a copy of routes/) and written as a live
 * edit into the routes this runner watches: one ERROR naming file and line; every route of before still runs
 * unchanged and a sync request still runs through them.</li>
 * <li>{@code webhooks/}: bodies POSTed to {@code /webhooks/fivetran} with the signature the case names, while a
 * sync of that connector waits: the expected status and message; the sync is not ended by it, and finishes by
 * polling with its true state, triggered once.</li>
 * </ul>
 */
class BadInputCorpusIT extends FivetranTestSupport {
    private static final Path CORPUS = Paths.get("syncrunner-devtools/src/test/resources/bad-input");
    private static final String TOKEN = "test-api-token-Bc83Np";
    private static final String WEBHOOK_SECRET = "test-webhook-secret-Lp52Qz";
    private static final Duration RELOAD = Duration.ofSeconds(15);

    /** The routes this runner loads and watches: a copy of routes/ (read by the superclass constructor). */
    private static final Path ROUTES = copyOfRoutes("syncrunner-bad-input-routes-");

    @Override
    protected String apiToken() {
        return TOKEN;
    }

    @Override
    protected Properties fivetranProperties() {
        Properties p = new Properties();
        p.put("fivetran.webhooks.enabled", "true");
        p.put("fivetran.webhooks.secret", secret(WEBHOOK_SECRET));
        // the polls that end a sync when no (valid) webhook came
        p.put("fivetran.webhooks.fallback-poll-interval", "300ms");
        p.put("camel.main.routes-include-pattern", "file:" + ROUTES + "/*.yaml");
        p.put("camel.main.routes-reload-enabled", "true");
        p.put("camel.main.routes-reload-directory", ROUTES.toString());
        return p;
    }

    @AfterAll
    void deleteRoutesCopy() throws IOException {
        context.stop(); // first: deleting the files would otherwise be reloaded as edits
        deleteTree(ROUTES);
    }

    // ---------------------------------------------------------------------------------------------------------
    // the corpus

    static Stream<Named<Path>> requests() {
        return cases("requests");
    }

    static Stream<Named<Path>> routeFiles() {
        return cases("route-files");
    }

    static Stream<Named<Path>> webhooks() {
        return cases("webhooks");
    }

    /** The case files of a folder (every file but the expectations), named after the file. */
    private static Stream<Named<Path>> cases(String folder) {
        try (Stream<Path> files = Files.list(CORPUS.resolve(folder))) {
            List<Path> list = files.filter(f -> !f.getFileName().toString().endsWith(".expected")).sorted().toList();
            assertThat(list).as("cases in " + folder).isNotEmpty();
            return list.stream().map(f -> Named.of(f.getFileName().toString(), f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The expectation of a case: {@code <case>.expected} next to it (the case file's name without its extension),
     * lines {@code key: value}; blank lines and lines starting with # are comments.
     */
    private static Map<String, String> expected(Path caseFile) throws IOException {
        String name = caseFile.getFileName().toString();
        Path file = caseFile.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".expected");
        assertThat(file).as("the expectation of " + name).exists();
        Map<String, String> e = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            assertThat(colon).as("'key: value' in %s: %s", file, line).isPositive();
            e.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
        return e;
    }

    // ---------------------------------------------------------------------------------------------------------
    // requests/

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void shouldRefuseABadSyncRequestWithAClearErrorAndStartNothing(Path caseFile) throws Exception {
        String name = caseFile.getFileName().toString();
        Map<String, String> expected = expected(caseFile);
        int runsBefore = runs().size();
        // triggers, not all requests: a sync of another case may still be polling the emulators meanwhile
        long airbyteBefore = triggers(EMULATOR.requests());
        long fivetranBefore = triggers(FIVETRAN.requests());

        HttpResponse<String> answer = postSyncRequest(Files.readAllBytes(caseFile),
                expected.getOrDefault("content-type", "application/json"));

        assertThat(answer.statusCode()).as("%s: status, answer: %s", name, answer.body())
                .isEqualTo(Integer.parseInt(expected.get("status")));
        assertThat(Json.parse(answer.body()).path("error").asText()).as("%s: the error", name).contains(expected.get("error"));
        assertThat(answer.body()).as("%s: no internals in the answer", name).doesNotContain("Exception", "\tat ", "Jackson",
                "REDACTED", WEBHOOK_SECRET, FIVETRAN_SECRET, CLIENT_SECRET);
        assertThat(runs()).as("%s: runs recorded", name).hasSize(runsBefore);
        assertThat(triggers(EMULATOR.requests())).as("%s: triggers sent to Airbyte", name).isEqualTo(airbyteBefore);
        assertThat(triggers(FIVETRAN.requests())).as("%s: triggers sent to Fivetran", name).isEqualTo(fivetranBefore);

        assertAValidRequestRunsOnce();
    }

    // ---------------------------------------------------------------------------------------------------------
    // route-files/

    @ParameterizedTest(name = "{0}")
    @MethodSource("routeFiles")
    void shouldRefuseABadRouteFileNamingFileAndLineAndKeepTheRoutesRunning(Path caseFile) throws Exception {
        Map<String, String> expected = expected(caseFile);
        String name = caseFile.getFileName().toString();

        // 1. validate, on a copy of routes/ with the case file in it: one ERROR line, "<dir>/<expected>..."
        Path copy = copyOfRoutes("syncrunner-bad-input-validate-");
        try {
            Files.copy(caseFile, copy.resolve(name));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit = ValidateCommand.run(List.of(copy.toString()), new PrintStream(out, true, StandardCharsets.UTF_8));
            List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
            if ("OK".equals(expected.get("validate"))) {
                assertThat(exit).as("%s: validate cannot see it, output: %s", name, lines).isZero();
                assertThat(lines).contains("OK " + copy.resolve(name));
            } else {
                assertThat(exit).as("%s: exit code, output: %s", name, lines).isEqualTo(1);
                assertThat(lines.stream().filter(l -> l.startsWith("ERROR ")).toList()).as("%s: validate's ERROR lines",
                        name).singleElement().asString().startsWith("ERROR " + copy + "/" + expected.get("validate"));
            }
        } finally {
            deleteTree(copy);
        }

        // 2. the same file as a live edit of the running runner's routes: one ERROR line, nothing changed
        Map<String, String> routesBefore = routes();
        int from = LogCapture.size();
        write(name, Files.readString(caseFile));
        await().atMost(RELOAD).until(() -> !reloadErrorsSince(from).isEmpty());
        assertThat(reloadErrorsSince(from)).as("%s: the reload's ERROR lines", name).singleElement().asString()
                .contains("Route file " + ROUTES.resolve(name) + " was not reloaded, the routes loaded before keep"
                        + " running: " + ROUTES + "/" + expected.get("reload"));
        assertThat(routes()).as("%s: every route of before, as it was, and no other", name).isEqualTo(routesBefore);
        assertAValidRequestRunsOnce();
    }

    /** Route id → status and input endpoint of every route of the runner. */
    private Map<String, String> routes() {
        Map<String, String> m = new TreeMap<>();
        for (Route r : context.getRoutes()) {
            m.put(r.getRouteId(), context.getRouteController().getRouteStatus(r.getRouteId()) + " "
                    + r.getEndpoint().getEndpointUri());
        }
        return m;
    }

    private List<String> reloadErrorsSince(int from) {
        return LogCapture.linesSince(from).stream()
                .filter(l -> l.contains("ERROR") && l.contains("RouteFilesReloadStrategy")).toList();
    }

    /** Writes a route file as a whole: a temporary file (not matching *.yaml) moved over it. */
    private static void write(String file, String content) throws IOException {
        Path tmp = ROUTES.resolve("." + file + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, ROUTES.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---------------------------------------------------------------------------------------------------------
    // webhooks/

    @ParameterizedTest(name = "{0}")
    @MethodSource("webhooks")
    void shouldRefuseABadWebhookWithAClearAnswerAndNotEndTheWaitingSync(Path caseFile) throws Exception {
        String name = caseFile.getFileName().toString();
        String id = add(connector("syncing:1s,succeeded").suppressWebhooks(true));
        Map<String, String> expected = new LinkedHashMap<>();
        expected(caseFile).forEach((k, v) -> expected.put(k, v.replace("${connectorId}", id)));
        Future<String> running = waitingFivetranSync(id);
        byte[] body = Files.readString(caseFile).replace("${connectorId}", id).getBytes(StandardCharsets.UTF_8);
        int from = LogCapture.size();

        HttpResponse<String> answer = postWebhook(body, signature(expected.get("signature"), body));

        assertThat(answer.statusCode()).as("%s: status, answer: %s", name, answer.body())
                .isEqualTo(Integer.parseInt(expected.get("status")));
        JsonNode json = Json.parse(answer.body());
        if (expected.containsKey("error")) {
            assertThat(json.path("error").asText()).as("%s: the error", name).contains(expected.get("error"));
        }
        if (expected.containsKey("ignored")) {
            assertThat(json.path("ignored").asText()).as("%s: why it was ignored", name).contains(expected.get("ignored"));
        }
        assertThat(json.path("woke").asInt(0)).as("%s: syncs woken", name).isZero();
        if (expected.containsKey("log")) {
            assertThat(LogCapture.linesSince(from)).as("%s: log", name).anyMatch(l -> l.contains(expected.get("log")));
        }
        assertThat(answer.body()).as("%s: no internals in the answer", name).doesNotContain("Exception", "\tat ", "Jackson",
                "REDACTED", WEBHOOK_SECRET, FIVETRAN_SECRET);

        JsonNode result = Json.parse(running.get(20, TimeUnit.SECONDS));
        assertThat(result.path("status").asText()).as("%s: the sync's true state", name).isEqualTo("succeeded");
        assertThat(result.path("completedBy").asText()).as("%s: ended by polling, not by the webhook", name).isEqualTo("poll");
        assertThat(FIVETRAN.count("POST", ".*/connections/" + id + "/sync")).as("%s: triggers", name).isEqualTo(1);
    }

    @Test
    void shouldStillEndAWaitingSyncOnAValidWebhook() throws Exception {
        String id = add(connector("syncing:5s,succeeded").suppressWebhooks(true));
        Future<String> running = waitingFivetranSync(id);
        byte[] body = ("{\"event\":\"sync_end\",\"connector_id\":\"" + id + "\",\"data\":{\"status\":\"SUCCESSFUL\"}}")
                .getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> answer = postWebhook(body, signature("valid", body));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(Json.parse(answer.body()).path("woke").asInt()).isEqualTo(1);
        JsonNode result = Json.parse(running.get(10, TimeUnit.SECONDS));
        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(result.path("completedBy").asText()).isEqualTo("webhook");
        assertThat(FIVETRAN.count("POST", ".*/connections/" + id + "/sync")).as("triggers").isEqualTo(1);
    }

    /** A fivetran-sync step of the connector, once it waits (parked, so a webhook could wake it). */
    private Future<String> waitingFivetranSync(String connectorId) {
        SyncWaiter waiter = context.getRegistry().lookupByNameAndType("syncWaiter", SyncWaiter.class);
        int parked = waiter.parkedCount();
        Future<String> running = template.asyncRequestBody("kamelet:fivetran-sync?account=test&connectorId="
                + connectorId + "&pollInterval=100ms", null, String.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> waiter.parkedCount() > parked || running.isDone());
        assertThat(running).as("the sync waits").isNotDone();
        return running;
    }

    /**
     * The signature header a case names: {@code valid} (HMAC of the body with the webhook secret), {@code missing}
     * (no header), {@code wrong-secret} (HMAC with another secret), {@code other-body} (the valid signature of
     * another body), or any other text, sent as it is with {@code ${valid}} replaced by the valid signature.
     */
    private static String signature(String kind, byte[] body) {
        String valid = WebhookSignature.sign(body, WEBHOOK_SECRET);
        return switch (kind) {
            case "missing" -> null;
            case "valid" -> valid;
            case "wrong-secret" -> WebhookSignature.sign(body, "not-the-webhook-secret");
            case "other-body" -> WebhookSignature.sign("{\"event\":\"sync_end\"}".getBytes(StandardCharsets.UTF_8),
                    WEBHOOK_SECRET);
            default -> kind.replace("${valid}", valid);
        };
    }

    private HttpResponse<String> postWebhook(byte[] body, String signature) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url("/webhooks/fivetran")))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            b.header(WebhookSignature.HEADER, signature);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---------------------------------------------------------------------------------------------------------
    // a valid request still runs, exactly once

    private void assertAValidRequestRunsOnce() throws Exception {
        String id = connection("running:100ms,succeeded");
        int runsBefore = runs().size();

        HttpResponse<String> answer = postSyncRequest(("{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\""
                + id + "\",\"pollInterval\":\"100ms\"}").getBytes(StandardCharsets.UTF_8), "application/json");

        assertThat(answer.statusCode()).as("a valid request after the bad input: %s", answer.body()).isEqualTo(202);
        String runId = Json.parse(answer.body()).path("runId").asText();
        JsonNode run = await().atMost(Duration.ofSeconds(20)).until(() -> run(runId),
                r -> r.path("state").asText().matches("succeeded|failed"));
        assertThat(run.path("state").asText()).as("run %s", run).isEqualTo("succeeded");
        assertThat(runs()).as("runs recorded").hasSize(runsBefore + 1);
        assertThat(EMULATOR.triggerCount(id)).as("syncs started").isEqualTo(1);
    }

    private static long triggers(java.util.List<io.syncrunner.devtools.emulator.RecordedRequest> requests) {
        return requests.stream().filter(io.syncrunner.devtools.emulator.RecordedRequest::trigger).count();
    }

    private HttpResponse<String> postSyncRequest(byte[] body, String contentType) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/syncs"))).timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return Json.parse(r.body());
    }

    private List<JsonNode> runs() throws Exception {
        JsonNode list = get("/api/syncs");
        assertThat(list.isArray()).isTrue();
        return java.util.stream.StreamSupport.stream(list.spliterator(), false).toList();
    }

    private JsonNode run(String runId) throws Exception {
        return get("/api/syncs/" + runId);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static Path copyOfRoutes(String prefix) {
        try {
            Path tmp = Files.createTempDirectory(prefix);
            try (Stream<Path> files = Files.list(Paths.get("routes"))) {
                for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                    Files.copy(f, tmp.resolve(f.getFileName()));
                }
            }
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
