package io.syncrunner.testsupport;

import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.support.SyncFailedException;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Boots the real runner (config/application.properties, routes/*.yaml, SyncRunnerConfiguration) once per test
 * class against a shared Airbyte emulator on a random port, with short retry delays. Each test uses its own
 * connection ids, so tests never see each other's jobs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class RunnerTestSupport extends CamelMainTestSupport {
    public static final String CLIENT_ID = "test-client";
    public static final String CLIENT_SECRET = "test-client-secret-7Hq2Lx9";
    public static final String BASIC_PASSWORD = "test-basic-password-Zr41";
    public static final String API_KEY = "test-api-key-Mw83Kd2";

    protected static final AirbyteEmulator EMULATOR = AirbyteEmulator.builder()
            .port(0)
            .clientCredentials(CLIENT_ID, CLIENT_SECRET)
            .basicAuth("airbyte", BASIC_PASSWORD)
            .apiKey(API_KEY)
            .tokenTtl(Duration.ofMinutes(3))
            .build()
            .start();

    /** The HTTP client tests call the runner (and the emulators) with: HTTP/1.1, bounded connect time. */
    protected static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(java.time.Duration.ofSeconds(5)).build();

    @Override
    protected String getPropertyPlaceholderLocations() {
        // the demo's settings too (emulator.*, example.*): a test class that turns the example workflow on finds them
        return "file:config/application.properties,classpath:demo/demo.properties";
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        Properties p = new Properties();
        p.put("example.workflow.enabled", "false");
        p.put("camel.main.routes-reload-enabled", "false");
        p.put("camel.server.port", String.valueOf(httpPort()));
        // the connection inventory lists every connection of the emulators (shared by the test classes) at start and
        // on each sync's end: its requests would mix with the ones a test counts. On in the classes that test it.
        p.put("syncrunner.inventory.enabled", "false");
        p.put("syncrunner.retry.initial-delay", "100");
        p.put("syncrunner.retry.max-delay", "1000");
        p.put("syncrunner.retry.max-redeliveries", "5");
        // a journal of its own per test class (the embedded H2 file), so classes never see each other's runs
        p.put("syncrunner.data-dir", "target/test-data/" + getClass().getSimpleName() + "-" + UUID.randomUUID());
        // the account most tests use: self-hosted server style, client credentials
        p.put("airbyte.test.base-url", EMULATOR.selfManagedApiUrl());
        p.put("airbyte.test.client-id", CLIENT_ID);
        p.put("airbyte.test.client-secret", CLIENT_SECRET);
        String token = apiToken();
        if (token != null) {
            p.put("syncrunner.api.token", secret(token));
        }
        p.putAll(moreProperties());
        LogCapture.registerSecrets(secrets());
        return p;
    }

    private int httpPort;

    /** The runner's HTTP server port in this test class (a free one). */
    protected int httpPort() {
        if (httpPort == 0) {
            httpPort = closedPort();
        }
        return httpPort;
    }

    /** The bearer token of the runner's sync API in this test class (null: the API stays closed). */
    protected String apiToken() {
        return null;
    }

    /**
     * The demo as {@code bin/syncrunner demo} starts it: the bundled emulators with their "demo" accounts and the
     * example workflow (routes in demo/routes/ beside routes/).
     */
    protected static void demo(Properties p) {
        p.put("syncrunner.extensions", "io.syncrunner.devtools.emulator.EmulatorConfiguration");
        p.put("emulator.enabled", "true");
        p.put("example.workflow.enabled", "true");
        p.put("camel.main.routes-include-pattern", "file:routes/*.yaml,classpath:demo/routes/*.yaml");
    }

    /** The runner's connection inventory (bean connectionInventory). */
    protected io.syncrunner.inventory.ConnectionInventory inventory() {
        return context.getRegistry().lookupByNameAndType("connectionInventory",
                io.syncrunner.inventory.ConnectionInventory.class);
    }

    /** Properties a test class adds. */
    protected Properties moreProperties() {
        return new Properties();
    }

    @AfterEach
    void clearFaults() {
        EMULATOR.faults().clear();
    }

    /**
     * Stops this class's runner when the class ends: Camel's legacy per-class context manager leaves it running
     * (its consumers, SyncWaiter threads and vert.x server went on into the next classes). Runs after a subclass's
     * own @AfterAll; a subclass that must stop the runner before something it polls (an SQS server) stops it there.
     */
    @AfterAll
    void stopRunner() {
        if (context != null) {
            context.stop();
        }
    }

    @AfterAll
    void noSecretWasLogged() {
        List<String> leaks = LogCapture.linesContainingAny(secrets());
        assertThat(leaks).as("log lines that show a secret").isEmpty();
    }

    // no initializer: CamelTestSupport's constructor asks for the properties (and so marks secrets) before
    // this class's field initializers would run
    private List<String> classSecrets;

    /** Marks a value as one of this test class's secrets (no log line may show it) and returns it. */
    protected String secret(String value) {
        secretsList().add(value);
        return value;
    }

    /** The secrets of this test class; none may appear in any log line. */
    protected List<String> secrets() {
        return List.copyOf(secretsList());
    }

    private List<String> secretsList() {
        if (classSecrets == null) {
            classSecrets = new ArrayList<>(List.of(CLIENT_SECRET, BASIC_PASSWORD, API_KEY,
                    java.util.Base64.getEncoder().encodeToString(("airbyte:" + BASIC_PASSWORD).getBytes())));
        }
        return classSecrets;
    }

    /** A new connection on the emulator that follows the script. */
    protected static String connection(String script) {
        return connection(script, 0, 0);
    }

    protected static String connection(String script, long rows, long bytes) {
        String id = UUID.randomUUID().toString();
        EMULATOR.addConnection(id, script, true, rows, bytes);
        return id;
    }

    /** Runs the airbyte-sync step as a route would and returns its result JSON. */
    protected String sync(String kameletParameters) {
        return template.requestBody("kamelet:airbyte-sync?" + kameletParameters, null, String.class);
    }

    /** Runs the airbyte-sync step and returns the failure it ends with (fails the test if it succeeds). */
    protected Throwable syncFailure(String kameletParameters) {
        return failureOf("kamelet:airbyte-sync?" + kameletParameters);
    }

    /** Sends to the endpoint and returns the failure it ends with (fails the test if it succeeds). */
    protected Throwable failureOf(String uri) {
        try {
            Object result = template.requestBody(uri, null, String.class);
            return fail("expected " + uri + " to fail, but it returned " + result);
        } catch (CamelExecutionException e) {
            return e.getCause();
        }
    }

    protected static SyncFailedException asSyncFailure(Throwable t) {
        assertThat(t).isInstanceOf(SyncFailedException.class);
        return (SyncFailedException) t;
    }

    /** A URL of this runner's HTTP server. */
    protected String url(String path) {
        return "http://127.0.0.1:" + httpPort() + path;
    }

    /** {@code POST /api/syncs} with the body, the bearer token and the content type (either may be null). */
    protected HttpResponse<String> postSync(String body, String token, String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url("/api/syncs"))).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET /api/syncs/{runId}}: the run as the API shows it (the answer must be 200). */
    protected JsonNode getRun(String runId, String token) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/syncs/" + runId)))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parse(r.body());
    }

    /** A local port nothing listens on. */
    protected static int closedPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
