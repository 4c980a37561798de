package io.syncrunner.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.support.Json;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The official API specs, copied into the repository under {@code src/test/resources/specs/} (sources, commits and
 * sha256 in its README.md) and read from the test classpath; {@code -Dspecs.dir=...} points at another copy.
 */
public final class Specs {
    /** Where the copies live in the source tree (the classpath copies come from here). */
    public static final Path SOURCE_DIR = Path.of(System.getProperty("basedir", "syncrunner-devtools"), "src", "test",
            "resources", "specs");

    private Specs() {
    }

    public static Path airbyte() {
        return find("airbyte/api.prism.yaml");
    }

    public static Path fivetran() {
        return find("fivetran/fivetran-open-api-definition.json");
    }

    /**
     * The overlay with what Fivetran documents but the official file does not define yet
     * ({@code GET /v1/connections/{connectionId}/sync-history}), written from the vendor's documentation (sources in
     * the specs README, "Fivetran sync-history overlay").
     */
    public static Path fivetranOverlay() {
        return find("fivetran/sync-history.overlay.json");
    }

    /**
     * The Fivetran spec as Prism can validate it, in a copy under target/ (the official file stays as published):
     * the official file declares a few integer properties (e.g. {@code sync_frequency}) with an enum of strings,
     * which no value can satisfy, so those enum values become integers; and the paths and component schemas of
     * {@link #fivetranOverlay()} are added. Nothing else changes. An overlay path or schema that the official file
     * defines itself fails here: the overlay is then out of date.
     */
    public static Path fivetranForPrism() {
        try {
            JsonNode spec = Json.MAPPER.readTree(fivetran().toFile());
            int fixed = fixIntegerEnums(spec);
            if (fixed == 0) {
                throw new IllegalStateException("expected integer properties with string enums in the Fivetran spec");
            }
            JsonNode overlay = Json.MAPPER.readTree(fivetranOverlay().toFile());
            addAll((ObjectNode) spec.path("paths"), overlay.path("paths"), "path");
            addAll((ObjectNode) spec.path("components").path("schemas"), overlay.path("components").path("schemas"),
                    "schema");
            Path out = Path.of("target", "fivetran-open-api-definition.prism.json");
            Files.createDirectories(out.getParent());
            Json.MAPPER.writeValue(out.toFile(), spec);
            return out;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Cannot prepare the Fivetran spec for Prism", e);
        }
    }

    private static void addAll(ObjectNode into, JsonNode from, String what) {
        if (!from.isObject() || from.isEmpty()) {
            throw new IllegalStateException("the Fivetran overlay has no " + what + " to add");
        }
        from.fields().forEachRemaining(e -> {
            if (into.has(e.getKey())) {
                throw new IllegalStateException("The official Fivetran spec now defines the " + what + " '" + e.getKey()
                        + "' itself: remove it from " + fivetranOverlay().getFileName() + " (and compare the two)");
            }
            into.set(e.getKey(), e.getValue());
        });
    }

    private static int fixIntegerEnums(JsonNode node) {
        int fixed = 0;
        if (node instanceof ObjectNode obj) {
            JsonNode values = obj.get("enum");
            if ("integer".equals(obj.path("type").asText()) && values instanceof ArrayNode list
                    && list.size() > 0 && list.get(0).isTextual()) {
                ArrayNode ints = Json.MAPPER.createArrayNode();
                list.forEach(v -> ints.add(Long.parseLong(v.asText())));
                obj.set("enum", ints);
                fixed++;
            }
            for (JsonNode child : obj) {
                fixed += fixIntegerEnums(child);
            }
        } else if (node instanceof ArrayNode arr) {
            for (JsonNode child : arr) {
                fixed += fixIntegerEnums(child);
            }
        }
        return fixed;
    }

    private static Path find(String file) {
        String dir = System.getProperty("specs.dir");
        if (dir != null) {
            Path path = Path.of(dir, file);
            if (!Files.isRegularFile(path)) {
                throw new IllegalStateException("API spec " + path.toAbsolutePath() + " not found in -Dspecs.dir");
            }
            return path;
        }
        URL url = Specs.class.getResource("/specs/" + file);
        if (url == null || !"file".equals(url.getProtocol())) {
            throw new IllegalStateException("API spec specs/" + file + " not found on the test classpath (it lives in "
                    + SOURCE_DIR.resolve(file) + ")");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("API spec specs/" + file + " has no file path: " + url, e);
        }
    }
}
