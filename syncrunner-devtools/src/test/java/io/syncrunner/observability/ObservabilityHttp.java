package io.syncrunner.observability;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The runner's observability endpoints, as a monitoring system calls them (tests only). */
final class ObservabilityHttp {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)$");

    private final int port;

    ObservabilityHttp(int port) {
        this.port = port;
    }

    HttpResponse<String> get(String path) {
        try {
            return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonNode health(String path) {
        return Json.parse(get(path).body());
    }

    /** The check of that name in a health answer, or a missing node. */
    static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.path("checks")) {
            if (name.equals(c.path("name").asText())) {
                return c;
            }
        }
        return Json.object().path("absent");
    }

    String metrics() {
        HttpResponse<String> r = get("/observe/metrics");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("/observe/metrics answered " + r.statusCode());
        }
        return r.body();
    }

    /**
     * The sum of the samples of {@code name} whose labels include every {@code key=value} pair given (the series
     * must exist: a missing one is NaN).
     */
    static double value(String scrape, String name, String... labels) {
        double sum = 0;
        boolean found = false;
        for (String line : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(line.trim());
            if (!m.matches() || !m.group(1).equals(name)) {
                continue;
            }
            String labelText = m.group(2) == null ? "" : m.group(2);
            boolean all = true;
            for (String pair : labels) {
                int eq = pair.indexOf('=');
                if (!labelText.contains(pair.substring(0, eq) + "=\"" + pair.substring(eq + 1) + "\"")) {
                    all = false;
                    break;
                }
            }
            if (all) {
                found = true;
                sum += Double.parseDouble(m.group(3));
            }
        }
        return found ? sum : Double.NaN;
    }
}
