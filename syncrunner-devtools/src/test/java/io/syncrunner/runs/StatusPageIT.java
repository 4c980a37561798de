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
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The status page in a real browser: headless Chromium (Debian's chromium, installed by .ci/run). */
class StatusPageIT extends RunnerTestSupport {
    private static final String TOKEN = "test-status-token-Np20Gh";

    @Override
    protected String apiToken() {
        return TOKEN;
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
                html -> html.contains("data-run-id=\"" + runId + "\""));

        String row = dom.substring(dom.indexOf("data-run-id=\"" + runId + "\""));
        row = row.substring(0, row.indexOf("</tr>"));
        assertThat(row).contains(id).contains(">succeeded<").contains(">321<").contains(">airbyte<");
        assertThat(dom).contains("run(s), updated");
    }

    /** The DOM after the page's scripts ran, as headless Chromium prints it. */
    private static String renderInChromium(String url) throws IOException, InterruptedException {
        String chromium = Files.isExecutable(Path.of("/usr/bin/chromium")) ? "/usr/bin/chromium" : "chromium";
        Path profile = Files.createTempDirectory("chromium-profile");
        Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=3000", "--dump-dom", url)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("headless Chromium did not finish");
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
