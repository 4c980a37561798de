package io.syncrunner.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs Prism as a validating proxy (with {@code --errors}) in front of a tiny JDK HttpServer that pretends to be
 * the Airbyte API under {@code /v1}, and checks that conformant answers pass silently while broken ones are reported.
 */
class PrismProxyIT {

    private static final Path AIRBYTE_SPEC = Specs.airbyte();
    private static final String VALID_JOB = "{\"jobId\":1,\"status\":\"running\",\"jobType\":\"sync\","
            + "\"startTime\":\"2026-11-23T10:00:00Z\",\"connectionId\":\"9a6f2b1e-3c1d-4e5f-8a7b-1c2d3e4f5a6b\"}";

    /** Canned upstream answers by "METHOD path" (path as the upstream sees it, i.e. with /v1). */
    private static final Map<String, Canned> ANSWERS = new ConcurrentHashMap<>();
    /** "METHOD path" of every request that reached the upstream. */
    private static final List<String> RECEIVED = new CopyOnWriteArrayList<>();

    private static HttpServer upstream;
    private static PrismProxy prism;
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private record Canned(int status, String json) {
    }

    @BeforeAll
    static void startUpstreamAndPrism() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/", PrismProxyIT::answer);
        upstream.start();
        // the spec's server is https://api.airbyte.com/v1: the emulator serves /v1/..., so the upstream URL has /v1
        prism = PrismProxy.start(AIRBYTE_SPEC, "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1");
    }

    @AfterAll
    static void stop() {
        if (prism != null) {
            prism.close();
        }
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    @BeforeEach
    void reset() {
        prism.clearOutput();
        ANSWERS.clear();
        RECEIVED.clear();
    }

    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String key = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
            RECEIVED.add(key);
            exchange.getRequestBody().readAllBytes();
            Canned canned = ANSWERS.getOrDefault(key, new Canned(404, "{\"message\":\"not found\"}"));
            byte[] body = canned.json().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(canned.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(prism.url() + path)).GET());
    }

    private static HttpResponse<String> postJson(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(prism.url() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder builder) throws Exception {
        return CLIENT.send(builder.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void conformantAnswerPassesWithoutViolations() throws Exception {
        ANSWERS.put("GET /v1/jobs/1", new Canned(200, VALID_JOB));

        HttpResponse<String> response = get("/jobs/1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(VALID_JOB);
        assertThat(response.headers().firstValue("sl-violations")).isEmpty();
        assertThat(prism.violations()).isEmpty();
        prism.assertNoViolations();
        assertThat(prism.output()).anyMatch(line -> line.contains("The upstream call to /jobs/1 has returned 200"))
                .noneMatch(line -> line.contains(PrismProxy.FLUSH_PATH));
        // the client called /jobs/1, the emulator saw /v1/jobs/1; Prism's log-flush requests never reach it
        assertThat(RECEIVED).containsExactly("GET /v1/jobs/1");
    }

    @Test
    void invalidEnumInResponseIsAViolation() throws Exception {
        ANSWERS.put("GET /v1/jobs/2", new Canned(200, VALID_JOB.replace("\"running\"", "\"bogus\"")));

        HttpResponse<String> response = get("/jobs/2");

        // --errors: an Error-severity response violation replaces the answer with a 500 problem document
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("#VIOLATIONS", "Response body property status must be equal to one of");
        assertThat(response.headers().firstValue("sl-violations")).hasValueSatisfying(
                header -> assertThat(header).contains("\"severity\":\"Error\"", "\"code\":\"enum\""));
        assertThat(prism.violations()).singleElement().asString()
                .contains("✖", "Request terminated with error: https://stoplight.io/prism/errors#VIOLATIONS");
        assertThatThrownBy(prism::assertNoViolations).isInstanceOf(AssertionError.class)
                .hasMessageContaining("#VIOLATIONS").hasMessageContaining("get /jobs/2");
    }

    @Test
    void missingRequiredPropertyInResponseIsAViolation() throws Exception {
        ANSWERS.put("GET /v1/jobs/3", new Canned(200, VALID_JOB.replace("\"jobId\":1,", "")));

        HttpResponse<String> response = get("/jobs/3");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("Response body must have required property 'jobId'");
        assertThat(prism.violations()).hasSize(1);
    }

    @Test
    void undocumentedStatusCodeIsAWarningAndPassedThrough() throws Exception {
        ANSWERS.put("POST /v1/jobs", new Canned(409, "{\"message\":\"a sync is already running\"}"));

        HttpResponse<String> response = postJson("/jobs",
                "{\"connectionId\":\"9a6f2b1e-3c1d-4e5f-8a7b-1c2d3e4f5a6b\",\"jobType\":\"sync\"}");

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(response.body()).contains("already running");
        assertThat(response.headers().firstValue("sl-violations")).hasValueSatisfying(
                header -> assertThat(header).contains("\"severity\":\"Warning\"", "Unable to match the returned status code"));
        assertThat(prism.violations()).singleElement().asString()
                .contains("[VALIDATOR]", "⚠", "warning", "Violation: response Unable to match the returned status code"
                        + " with those defined in the document: 200,400,403");
    }

    @Test
    void invalidRequestIsRejectedWith422AndNotForwarded() throws Exception {
        HttpResponse<String> response = postJson("/jobs", "{\"jobType\":\"bogus\"}");

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("#UNPROCESSABLE_ENTITY", "Request body must have required property 'connectionId'");
        assertThat(RECEIVED).isEmpty();
        assertThat(prism.violations()).singleElement().asString().contains("#UNPROCESSABLE_ENTITY");
    }

    @Test
    void pathsAreRelativeToTheSpecServerUrl() throws Exception {
        HttpResponse<String> response = get("/v1/jobs/1");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("NO_PATH_MATCHED_ERROR");
        assertThat(RECEIVED).isEmpty();
        assertThat(prism.violations()).singleElement().asString().contains("NO_PATH_MATCHED_ERROR");
    }

    @Test
    void closeKillsPrism() throws Exception {
        PrismProxy other = PrismProxy.start(AIRBYTE_SPEC, "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1");
        ProcessHandle node = other.processHandle();
        assertThat(node.info().commandLine()).hasValueSatisfying(
                commandLine -> assertThat(commandLine).contains("prism-cli/dist/index.js proxy"));
        other.close();
        assertThat(node.isAlive()).isFalse();
        assertThatThrownBy(() -> send(HttpRequest.newBuilder(URI.create(other.url() + "/jobs/1")).GET()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void missingInstallationFailsWithInstallCommand(@TempDir Path dir) throws IOException {
        Path prismDir = Files.createDirectories(dir.resolve("src/test/prism"));
        Files.writeString(prismDir.resolve("package.json"), "{}");

        assertThatThrownBy(() -> PrismProxy.start(prismDir, AIRBYTE_SPEC, "http://127.0.0.1:1/v1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Prism is not installed")
                .hasMessageContaining("npm ci --prefix src/test/prism");
    }
}
