package io.syncrunner.runs;

import io.syncrunner.support.Json;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The status page in a real browser: headless Chromium (Debian's chromium, installed by .ci/run). */
class StatusPageIT extends RunnerTestSupport {
    private static final String TOKEN = "test-status-token-Np20Gh";

    private static final String WORKSPACE = "5b0e8c1d-2f3a-4b5c-9d6e-7f8091a2b3c4";
    /** Where the screenshots go, for a reviewer to look at (the module's target folder). */
    static final Path SCREENSHOTS = Path.of("syncrunner-devtools", "target", "status-page-screenshots");

    @Override
    protected String apiToken() {
        return TOKEN;
    }

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("syncrunner.inventory.enabled", "true"); // (off by default in the tests)
        p.put("airbyte.test.workspace-id", WORKSPACE);
        return p;
    }


    @Test
    void shouldShowARunWithItsStateAndRowsInABrowser() throws Exception {
        String id = connection("running:300ms,succeeded", 321, 4096);
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPort() + "/api/syncs")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"provider\":\"airbyte\",\"account\":\"test\","
                        + "\"connectionId\":\"" + id + "\",\"pollInterval\":\"100ms\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        String runId = Json.parse(accepted.body()).path("runId").asText();
        SyncRuns runs = context.getRegistry().lookupByNameAndType("syncRuns", SyncRuns.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> runs.get(runId).finished());

        // a token is set, so the page asks for it (syncrunner.status-page.require-token): signed in with HTTP Basic,
        // the token as password, as a browser user would (here in the URL)
        String dom = await().atMost(Duration.ofSeconds(60)).until(
                () -> renderInChromium("http://operator:" + TOKEN + "@127.0.0.1:" + httpPort() + "/status"),
                html -> html.contains("<tr data-run-id=\"" + runId + "\""));

        // its row in the table of recent runs (its bar in the timeline carries the run id too)
        String row = dom.substring(dom.indexOf("<tr data-run-id=\"" + runId + "\""));
        row = row.substring(0, row.indexOf("</tr>"));
        assertThat(row).contains(id).contains(">succeeded<").contains(">321<").contains(">airbyte<");
        assertThat(dom).contains("run(s), updated");
    }

    @Test
    void shouldDrawTheTimelineSparklinesSchedulesAndFreshnessOfEveryConnectionInABrowser() throws Exception {
        // runs of every outcome against the Airbyte emulator: one connection synced three times, then one each
        String thrice = connection("running:100ms,succeeded", 10, 100);
        List<String> thriceRuns = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            thriceRuns.add(finished(startRun(thrice, "")));
        }
        Map<String, String> outcomeOf = new LinkedHashMap<>(); // run id -> the outcome its bar must show
        thriceRuns.forEach(r -> outcomeOf.put(r, "succeeded"));
        String failing = connection("running:100ms,failed");
        outcomeOf.put(finished(startRun(failing, "")), "failed");
        String cancelled = connection("running:100ms,cancelled");
        outcomeOf.put(finished(startRun(cancelled, "")), "cancelled");
        String slow = connection("running:10m,succeeded");
        outcomeOf.put(finished(startRun(slow, ",\"waitTimeout\":\"1s\"")), "timed-out");
        String running = connection("running:10m,succeeded");
        String runningRun = startRun(running, ",\"waitTimeout\":\"10m\"");
        SyncRuns runs = context.getRegistry().lookupByNameAndType("syncRuns", SyncRuns.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> "running".equals(runs.get(runningRun).state()));
        outcomeOf.put(runningRun, "running");

        // a started schedule, beside the two stopped examples of routes/schedules.yaml
        String scheduleId = "status-page-nightly";
        context.addRouteFromTemplate(scheduleId, io.syncrunner.schedules.Schedules.TEMPLATE_ID, Map.of(
                "cron", "0 15 3 * * ?", "timeZone", "Europe/Berlin", "request",
                "{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + thrice + "\"}"));
        await().atMost(Duration.ofSeconds(20)).until(() -> context.getRouteController().getRouteStatus(scheduleId)
                .isStarted());
        org.quartz.CronExpression cron = new org.quartz.CronExpression("0 15 3 * * ?");
        cron.setTimeZone(java.util.TimeZone.getTimeZone("Europe/Berlin"));
        String expectedNextFire = cron.getNextValidTimeAfter(new java.util.Date()).toInstant().toString();

        Files.createDirectories(SCREENSHOTS);
        String page = "http://operator:" + TOKEN + "@127.0.0.1:" + httpPort() + "/status";
        String dom = await().atMost(Duration.ofSeconds(60)).until(() -> renderInChromium(page),
                html -> outcomeOf.keySet().stream().allMatch(id -> html.contains("data-run-id=\"" + id + "\""))
                        && html.contains("data-route-id=\"" + scheduleId + "\""));
        screenshot(page, SCREENSHOTS.resolve("status-page.png"));

        // the timeline: one row per connection, a bar per run coloured by its outcome, linked to Airbyte's job
        for (String id : List.of(thrice, failing, cancelled, slow, running)) {
            assertThat(count(dom, "data-connection=\"airbyte/test/" + id + "\"")).as("timeline rows of " + id)
                    .isEqualTo(1);
        }
        for (Map.Entry<String, String> e : outcomeOf.entrySet()) {
            Matcher bar = Pattern.compile("<a class=\"bar outcome-([a-z-]+)\" data-run-id=\"" + e.getKey()
                    + "\" data-outcome=\"[a-z-]+\" href=\"([^\"]+)\"").matcher(dom);
            assertThat(bar.find()).as("the bar of run " + e.getKey()).isTrue();
            assertThat(bar.group(1)).as("outcome of run " + e.getKey()).isEqualTo(e.getValue());
            long jobId = runs.get(e.getKey()).result() == null ? -1
                    : Json.parse(runs.get(e.getKey()).result()).path("jobId").asLong(-1);
            String connectionOf = runs.get(e.getKey()).request().target();
            assertThat(bar.group(2)).as("link of run " + e.getKey()).startsWith(emulatorWebapp()
                    + "/workspaces/" + WORKSPACE + "/connections/" + connectionOf + "/timeline");
            if (jobId > 0) {
                assertThat(bar.group(2)).endsWith("#" + jobId + "::0");
            }
        }
        // a sparkline per connection with a point per finished run (the running one has none yet)
        assertThat(sparklinePoints(dom, thrice)).isEqualTo(3);
        assertThat(sparklinePoints(dom, failing)).isEqualTo(1);
        assertThat(row(dom, "data-connection=\"airbyte/test/" + running + "\"", "timeline-row"))
                .contains("no finished run");
        // the schedules: the started one with its next fire time, the examples stopped
        String schedule = row(dom, "data-route-id=\"" + scheduleId + "\"", "</tr>");
        assertThat(schedule).contains("0 15 3 * * ?").contains("Europe/Berlin").contains(thrice)
                .contains("data-next-fire-time=\"" + expectedNextFire + "\"").contains(">enabled<");
        assertThat(row(dom, "data-route-id=\"nightly-example-airbyte\"", "</tr>")).contains(">stopped<");

        // a full refresh lists the connections created above (a sync's end updates only a listed connection)
        io.syncrunner.inventory.ConnectionInventory connections = inventory();
        java.time.Instant asked = java.time.Instant.now();
        connections.refreshSoon();
        await().atMost(Duration.ofSeconds(60)).until(() -> connections.refreshedAt() != null
                && connections.refreshedAt().isAfter(asked) && !connections.refreshPending());
        HttpResponse<String> inventory = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/connections")))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(inventory.statusCode()).isEqualTo(200);
        List<String> expected = staleFirst(Json.parse(inventory.body()).path("connections"));
        assertThat(expected).isNotEmpty();
        String withInventory = await().atMost(Duration.ofSeconds(60)).until(() -> renderInChromium(page),
                html -> html.contains("data-state=\"available\""));
        screenshot(page, SCREENSHOTS.resolve("status-page-with-inventory.png"));
        List<String> shown = new ArrayList<>();
        Matcher rowMatcher = Pattern.compile("<tr data-connection-id=\"([^\"]+)\" class=\"(stale|fresh)\"")
                .matcher(withInventory);
        while (rowMatcher.find()) {
            shown.add(rowMatcher.group(1));
        }
        assertThat(shown).as("freshness rows, stale first").isEqualTo(expected);
        // the runner's own inventory of the emulator's workspace: connections synced here are fresh, the ones
        // never synced are stale; the page has them from /status/connections with the page's credentials
        assertThat(withInventory).contains("class=\"stale\"").contains("class=\"fresh\"");
        assertThat(row(withInventory, "data-connection-id=\"" + thrice + "\"", "</tr>")).contains("fresh");
        assertThat(Files.size(SCREENSHOTS.resolve("status-page-with-inventory.png"))).isGreaterThan(10_000);
    }

    /** The order the page shows connections in: stale first, the longest since a success (never: longest) first. */
    private static List<String> staleFirst(com.fasterxml.jackson.databind.JsonNode connections) {
        List<com.fasterxml.jackson.databind.JsonNode> list = new ArrayList<>();
        connections.forEach(list::add);
        list.sort(Comparator.<com.fasterxml.jackson.databind.JsonNode, Boolean>comparing(
                        c -> !c.path("stale").asBoolean())
                .thenComparing(c -> c.path("secondsSinceSuccess").isNumber()
                        ? -c.path("secondsSinceSuccess").asDouble() : Double.NEGATIVE_INFINITY)
                .thenComparing(c -> c.hasNonNull("name") ? c.path("name").asText() : c.path("connectionId").asText()));
        return list.stream().map(c -> c.path("connectionId").asText()).toList();
    }

    private String emulatorWebapp() {
        return io.syncrunner.airbyte.AirbyteUiLinks.webapp(EMULATOR.selfManagedApiUrl());
    }

    private String startRun(String connectionId, String more) throws Exception {
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/syncs")))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"provider\":\"airbyte\",\"account\":\"test\","
                        + "\"connectionId\":\"" + connectionId + "\",\"pollInterval\":\"100ms\"" + more + "}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Json.parse(accepted.body()).path("runId").asText();
    }

    private String finished(String runId) {
        SyncRuns runs = context.getRegistry().lookupByNameAndType("syncRuns", SyncRuns.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.get(runId).finished());
        return runId;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** The text from {@code start} to the next {@code end} (the element's row). */
    private static String row(String dom, String start, String end) {
        int from = dom.indexOf(start);
        assertThat(from).as(start + " in the page").isNotNegative();
        int to = dom.indexOf(end, from + start.length());
        return dom.substring(from, to < 0 ? dom.length() : to);
    }

    private static int sparklinePoints(String dom, String connectionId) {
        String r = row(dom, "data-connection=\"airbyte/test/" + connectionId + "\"", "timeline-row");
        Matcher m = Pattern.compile("class=\"sparkline\"[^>]*data-points=\"(\\d+)\"").matcher(r);
        assertThat(m.find()).as("a sparkline in the row of " + connectionId).isTrue();
        int declared = Integer.parseInt(m.group(1));
        Matcher line = Pattern.compile("<polyline points=\"([^\"]*)\"").matcher(r);
        int drawn = line.find() ? line.group(1).trim().split(" ").length : 1; // one run: a dot
        assertThat(drawn).as("points drawn for " + connectionId).isEqualTo(declared);
        return declared;
    }

    /** A PNG of the page after its scripts ran, as headless Chromium draws it. */
    private static void screenshot(String url, Path png) throws IOException, InterruptedException {
        Files.deleteIfExists(png);
        chromium("--window-size=1400,1100", "--screenshot=" + png.toAbsolutePath(), url);
        assertThat(png).exists();
    }

    /** The DOM after the page's scripts ran, as headless Chromium prints it. */
    private static String renderInChromium(String url) throws IOException, InterruptedException {
        return chromium("--dump-dom", url);
    }

    /** Runs headless Chromium with the arguments (after its own) and returns what it printed. */
    private static String chromium(String... arguments) throws IOException, InterruptedException {
        String chromium = Files.isExecutable(Path.of("/usr/bin/chromium")) ? "/usr/bin/chromium" : "chromium";
        Path profile = Files.createTempDirectory("chromium-profile");
        List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile, "--virtual-time-budget=3000"));
        command.addAll(List.of(arguments));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("headless Chromium did not finish");
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
