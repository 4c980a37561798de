package io.syncrunner.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.support.Json;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one JSON request that starts a sync, whatever brings it (HTTP, a queue, a schedule):
 * {@code {"provider":"airbyte","account":"cloud","connectionId":"...","jobType":"sync","wait":true,
 * "idempotencyKey":"..."}} or {@code {"provider":"fivetran","account":"prod","connectorId":"...","force":false}}.
 * Optional fields are the step parameters of the provider's template (pollInterval, waitTimeout, ...).
 */
public record SyncRequest(String provider, String account, String target, String idempotencyKey,
        Map<String, String> options, String json) {

    private static final Map<String, Set<String>> OPTIONS = Map.of(
            "airbyte", Set.of("jobType", "pollInterval", "waitTimeout", "cancelOnTimeout", "wait", "onActiveSync"),
            "fivetran", Set.of("force", "pollInterval", "waitTimeout", "wait", "rescheduled", "paused",
                    "setManualSchedule", "operation", "tables"));
    private static final Map<String, String> TARGET = Map.of("airbyte", "connectionId", "fivetran", "connectorId");

    /** Parses and checks a request; an {@link InvalidSyncRequestException} says exactly what is wrong. */
    public static SyncRequest parse(String text) {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(text == null ? "" : text);
        } catch (Exception e) {
            throw new InvalidSyncRequestException("The request is not valid JSON: " + Json.abbreviate(
                    e.getMessage() == null ? "" : e.getMessage().split("\n")[0], 160));
        }
        if (json == null || !json.isObject()) {
            throw new InvalidSyncRequestException("The request must be a JSON object such as"
                    + " {\"provider\":\"airbyte\",\"account\":\"cloud\",\"connectionId\":\"...\"}");
        }
        String provider = requiredText(json, "provider").toLowerCase(Locale.ROOT);
        if (!TARGET.containsKey(provider)) {
            throw new InvalidSyncRequestException("Unknown provider '" + provider + "': use airbyte or fivetran");
        }
        String account = requiredText(json, "account");
        String targetField = TARGET.get(provider);
        String target = requiredText(json, targetField);
        String key = json.hasNonNull("idempotencyKey") ? json.get("idempotencyKey").asText() : null;
        Map<String, String> options = new java.util.LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equals("provider") || f.equals("account") || f.equals(targetField) || f.equals("idempotencyKey")) {
                continue;
            }
            if (!OPTIONS.get(provider).contains(f)) {
                unknown.add(f);
                continue;
            }
            JsonNode v = json.get(f);
            if (!v.isValueNode()) {
                throw new InvalidSyncRequestException("Field '" + f + "' must be a string, number or boolean");
            }
            options.put(f, v.asText());
        }
        if (!unknown.isEmpty()) {
            throw new InvalidSyncRequestException("Unknown field(s) " + unknown + " for provider " + provider
                    + ": allowed are " + new java.util.TreeSet<>(OPTIONS.get(provider)));
        }
        ObjectNode canonical = (ObjectNode) json.deepCopy();
        return new SyncRequest(provider, account, target, key, Map.copyOf(options), Json.write(canonical));
    }

    /**
     * The request a sync step of a route stands for, read from the step's exchange properties (after its
     * {@code begin}), so that a sync started outside the runs API can be journaled and carried on like one.
     */
    public static SyncRequest fromProperties(String provider, org.apache.camel.Exchange ex) {
        ObjectNode o = Json.object();
        o.put("provider", provider);
        o.put("account", String.valueOf(ex.getProperty("account")));
        o.put(TARGET.get(provider), String.valueOf(ex.getProperty(TARGET.get(provider))));
        for (String option : new java.util.TreeSet<>(OPTIONS.get(provider))) {
            Object v = ex.getProperty("operation".equals(option) ? "fivetranOperation" : option);
            if (v instanceof JsonNode scope && "tables".equals(option)) {
                List<String> tables = new ArrayList<>();
                scope.fields().forEachRemaining(e -> e.getValue().forEach(t -> tables.add(e.getKey() + "." + t.asText())));
                o.put(option, String.join(",", tables));
            } else if (v instanceof String || v instanceof Boolean || v instanceof Number) {
                o.put(option, v.toString());
            }
        }
        return parse(Json.write(o));
    }

    private static String requiredText(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            throw new InvalidSyncRequestException("Missing field '" + field + "'");
        }
        if (!v.isTextual()) {
            throw new InvalidSyncRequestException("Field '" + field + "' must be a string");
        }
        return v.asText().trim();
    }

    /** This request, with {@code key} as its idempotency key unless it carries one of its own. */
    public SyncRequest withDefaultKey(String key) {
        if (idempotencyKey != null || key == null) {
            return this;
        }
        ObjectNode o = (ObjectNode) Json.parse(json);
        o.put("idempotencyKey", key);
        return new SyncRequest(provider, account, target, key, options, Json.write(o));
    }

    /** The exchange property that names the target for the provider's flow. */
    public String targetProperty() {
        return TARGET.get(provider);
    }
}
