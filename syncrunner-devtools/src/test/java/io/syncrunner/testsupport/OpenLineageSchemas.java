package io.syncrunner.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Validates OpenLineage run events against the published schemas copied under src/test/resources/openlineage (see
 * its README.md: source and versions): the event against OpenLineage.json 2-0-2, and each facet whose schema is
 * there ({@code parent}, {@code errorMessage}, {@code jobType}) against its facet schema. Every
 * {@code https://openlineage.io/spec/} URL resolves to that folder; nothing is fetched.
 */
public final class OpenLineageSchemas {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.schemaMappers(m -> m.mapPrefix("https://openlineage.io/spec/", "classpath:openlineage/")));
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true)
            .build();
    private static final JsonSchema EVENT = schema("https://openlineage.io/spec/2-0-2/OpenLineage.json");
    private static final Map<String, JsonSchema> RUN_FACETS = Map.of(
            "parent", schema("https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json"),
            "errorMessage", schema("https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json"));
    private static final Map<String, JsonSchema> JOB_FACETS = Map.of(
            "jobType", schema("https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json"));

    private OpenLineageSchemas() {
    }

    private static JsonSchema schema(String url) {
        return FACTORY.getSchema(SchemaLocation.of(url), CONFIG);
    }

    /** What is wrong with the event (empty when it is valid). */
    public static List<String> problems(JsonNode event) {
        List<String> problems = new ArrayList<>();
        add(problems, "event", EVENT.validate(event));
        facets(problems, event.path("run").path("facets"), RUN_FACETS, "run facet ");
        facets(problems, event.path("job").path("facets"), JOB_FACETS, "job facet ");
        return problems;
    }

    private static void facets(List<String> problems, JsonNode facets, Map<String, JsonSchema> schemas, String what) {
        for (Iterator<String> names = facets.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            JsonSchema s = schemas.get(name);
            if (s != null) {
                ObjectNode only = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                only.set(name, facets.get(name));
                add(problems, what + name, s.validate(only));
            }
        }
    }

    private static void add(List<String> problems, String where, java.util.Set<ValidationMessage> messages) {
        messages.forEach(m -> problems.add(where + ": " + m.getMessage()));
    }
}
