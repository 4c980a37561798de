package io.syncrunner.runs;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
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

    /** The request kinds by provider id (each provider package declares its own, see {@link SyncRequestKind}). */
    private static final Map<String, SyncRequestKind> KINDS = kinds();

    /** Requests are read strictly: a field given twice or a second value after the object is an error. */
    private static final ObjectReader READER = Json.MAPPER.reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String EXAMPLE = example();

    /** Parses and checks a request; an {@link InvalidSyncRequestException} says exactly what is wrong. */
    public static SyncRequest parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidSyncRequestException("The request is empty: send a JSON object such as " + EXAMPLE);
        }
        if (text.charAt(0) == '\uFEFF') {
            throw new InvalidSyncRequestException("The request is not valid JSON: it starts with a byte order mark"
                    + " (U+FEFF); send UTF-8 without one");
        }
        JsonNode json;
        try {
            json = READER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidSyncRequestException("The request is not valid JSON" + where(e) + ": " + reason(e));
        } catch (Exception e) {
            throw new InvalidSyncRequestException("The request is not valid JSON");
        }
        if (json == null || !json.isObject()) {
            throw new InvalidSyncRequestException("The request must be a JSON object such as " + EXAMPLE);
        }
        String provider = requiredText(json, "provider").toLowerCase(Locale.ROOT);
        SyncRequestKind kind = KINDS.get(provider);
        if (kind == null) {
            throw new InvalidSyncRequestException("Unknown provider '" + Json.abbreviate(provider, 60)
                    + "': use " + String.join(" or ", KINDS.keySet()) + (provider.chars().allMatch(c -> c < 128) ? ""
                    : " (it has characters that are not ASCII, e.g. " + firstNonAscii(provider) + ")"));
        }
        String account = requiredText(json, "account");
        String targetField = kind.targetField();
        String target = requiredText(json, targetField);
        String key = idempotencyKey(json.get("idempotencyKey"));
        Map<String, String> options = new java.util.LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equals("provider") || f.equals("account") || f.equals(targetField) || f.equals("idempotencyKey")) {
                continue;
            }
            if (!kind.options().containsKey(f)) {
                unknown.add(Json.abbreviate(f, 60));
                continue;
            }
            JsonNode v = json.get(f);
            if (v.isNull()) {
                continue; // as if not given: the default applies
            }
            if (!v.isValueNode()) {
                throw new InvalidSyncRequestException("Field '" + f + "' must be a string, number or boolean");
            }
            options.put(f, v.asText().trim());
        }
        if (!unknown.isEmpty()) {
            throw new InvalidSyncRequestException("Unknown field(s) " + unknown + " for provider " + provider
                    + ": allowed are " + new java.util.TreeSet<>(kind.options().keySet()));
        }
        // the values, checked as the provider's flow checks them: a request that could only fail is never a run
        Map<String, String> byProperty = new java.util.HashMap<>();
        options.forEach((f, v) -> byProperty.put(kind.options().get(f), v));
        byProperty.put(targetField, target);
        try {
            kind.check(byProperty::get);
        } catch (IllegalArgumentException e) {
            throw new InvalidSyncRequestException(e.getMessage());
        }
        ObjectNode canonical = (ObjectNode) json.deepCopy();
        return new SyncRequest(provider, account, target, key, Map.copyOf(options), Json.write(canonical));
    }

    /**
     * The request a sync step of a route stands for, read from the step's exchange properties (after its
     * {@code begin}), so that a sync started outside the runs API can be journaled and carried on like one.
     */
    public static SyncRequest fromProperties(String provider, org.apache.camel.Exchange ex) {
        SyncRequestKind kind = kind(provider);
        ObjectNode o = Json.object();
        o.put("provider", provider);
        o.put("account", String.valueOf(ex.getProperty("account")));
        o.put(kind.targetField(), String.valueOf(ex.getProperty(kind.targetField())));
        for (String option : new java.util.TreeSet<>(kind.options().keySet())) {
            Object v = ex.getProperty(kind.options().get(option));
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
        if (v == null || v.isNull()) {
            throw new InvalidSyncRequestException("Missing field '" + field + "'");
        }
        if (!v.isTextual()) {
            throw new InvalidSyncRequestException("Field '" + field + "' must be a string");
        }
        if (v.asText().isBlank()) {
            throw new InvalidSyncRequestException("Field '" + field + "' is empty");
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

    /** The key as given (a string or a number), null when not given; never "" (it would join unrelated requests). */
    private static String idempotencyKey(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw new InvalidSyncRequestException("Field 'idempotencyKey' must be a string");
        }
        if (v.asText().isBlank()) {
            throw new InvalidSyncRequestException("Field 'idempotencyKey' is empty");
        }
        return v.asText();
    }

    /** " at line 1, column 7" where the parser stopped, when it knows. */
    private static String where(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    /** The parser's reason, without its internals (source descriptions, feature and class names). */
    private static String reason(JsonProcessingException e) {
        String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (m.startsWith("Trailing token")) {
            return "more than one JSON value: send one request object per request";
        }
        m = m.replaceAll("\\s*\\(start marker at \\[Source:.*?\\]\\)", "").replaceAll("\\s*\\[Source:.*", "");
        return Json.abbreviate(m.split("\n")[0], 160);
    }

    private static String firstNonAscii(String s) {
        int c = s.codePoints().filter(x -> x >= 128).findFirst().orElse('?');
        return String.format("U+%04X", c);
    }

    /** The exchange property that names the target for the provider's flow. */
    public String targetProperty() {
        return kind(provider).targetField();
    }

    /** Sets the inputs of the provider's flow: account, target and options, as the exchange properties it reads. */
    public void applyTo(org.apache.camel.Exchange ex) {
        SyncRequestKind kind = kind(provider);
        ex.setProperty("provider", provider);
        ex.setProperty("account", account);
        ex.setProperty(kind.targetField(), target);
        options.forEach((k, v) -> ex.setProperty(kind.options().get(k), v));
    }

    private static SyncRequestKind kind(String provider) {
        SyncRequestKind kind = KINDS.get(provider);
        if (kind == null) {
            throw new IllegalArgumentException("No sync provider '" + provider + "' on the class path");
        }
        return kind;
    }

    private static Map<String, SyncRequestKind> kinds() {
        Map<String, SyncRequestKind> kinds = new java.util.LinkedHashMap<>();
        SyncRequestKind.all().forEach(k -> kinds.put(k.provider(), k));
        return kinds;
    }

    private static String example() {
        SyncRequestKind first = SyncRequestKind.all().isEmpty() ? null : SyncRequestKind.all().get(0);
        return first == null ? "{\"provider\":\"...\",\"account\":\"...\"}"
                : "{\"provider\":\"" + first.provider() + "\",\"account\":\"cloud\",\"" + first.targetField()
                        + "\":\"...\"}";
    }
}
