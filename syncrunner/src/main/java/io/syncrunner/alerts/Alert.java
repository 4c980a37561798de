package io.syncrunner.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.runs.SyncEvents;
import io.syncrunner.support.Json;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One alert: a sync that failed, or a connection the inventory marks stale. Written as a subject and lines of
 * {@code field: value} (an email's subject and body; a Slack-compatible webhook's {@code {"text": ...}}), with a link to
 * the run on the runner's status page and the provider's page when known. Holds no secret: only names, ids, statuses
 * and the failure's message (which the runner never lets carry a secret).
 */
public record Alert(String kind, String provider, String account, String connection, String name, String status,
        String error, Duration duration, String syncId, String runId, String runUrl, String uiUrl, String detail) {
    public static final String FAILED = "failed";
    public static final String STALE = "stale";

    /** A sync's end. */
    public static Alert failed(SyncEvents.Ended e, String publicUrl) {
        SyncEvents.Step s = e.step();
        return new Alert(FAILED, s.provider(), s.account(), s.target(), null, e.status(),
                e.error() == null ? e.status() : e.error(), e.duration(), e.syncId(), s.runId(),
                runUrl(publicUrl, s.runId()), e.uiUrl(), null);
    }

    /**
     * A stale notice: one connection of GET /api/connections ({@code provider, account, connectionId, name, lastSync,
     * lastSuccessAt, secondsSinceSuccess, stale, freshnessThreshold, uiUrl}).
     */
    public static Alert stale(JsonNode c, String publicUrl) {
        String connectionId = Json.text(c, "connectionId");
        if (connectionId == null || Json.text(c, "provider") == null) {
            throw new IllegalArgumentException("A stale notice is one connection of GET /api/connections: it has no"
                    + " provider or connectionId");
        }
        JsonNode last = c.path("lastSync");
        String lastSuccess = Json.text(c, "lastSuccessAt");
        Long seconds = Json.longValue(c, "secondsSinceSuccess");
        String detail = "no success since " + (lastSuccess == null ? "(never)" : lastSuccess)
                + (seconds == null ? "" : " (" + human(Duration.ofSeconds(seconds)) + " ago)")
                + (Json.text(c, "freshnessThreshold") == null ? ""
                : "; threshold " + threshold(Json.text(c, "freshnessThreshold")));
        String jobOrSync = Json.text(last, "jobId") != null ? Json.text(last, "jobId") : Json.text(last, "syncId");
        return new Alert(STALE, Json.text(c, "provider"), Json.text(c, "account"), connectionId, Json.text(c, "name"),
                Json.text(last, "status"), null, null, jobOrSync, null, publicUrl.isEmpty() ? null
                : publicUrl + "/status", Json.text(c, "uiUrl"), detail);
    }

    /** The same alert with the provider's page of its connection (and job). */
    public Alert withUiUrl(String url) {
        return new Alert(kind, provider, account, connection, name, status, error, duration, syncId, runId, runUrl, url,
                detail);
    }

    static String runUrl(String publicUrl, String runId) {
        return publicUrl.isEmpty() || runId == null ? null : publicUrl + "/status?run=" + runId;
    }

    /** The rate limit's key: one alert per connection (and channel) per interval. */
    public String connectionKey() {
        return provider + "/" + account + "/" + connection;
    }

    public String subject() {
        String what = FAILED.equals(kind) ? "sync " + (status == null ? "failed" : status.replace('_', ' '))
                : "connection stale";
        return "[syncrunner] " + provider + " " + what + ": " + account + "/" + (name == null ? connection : name);
    }

    /** The fields, in the order shown. */
    public Map<String, String> fields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("provider", provider);
        f.put("account", account);
        f.put("connection", name == null ? connection : connection + " (" + name + ")");
        f.put(STALE.equals(kind) ? "last sync" : "status", status);
        f.put("stale", detail);
        f.put("error", error == null ? null : Json.abbreviate(error, 1000));
        f.put("duration", duration == null ? null : human(duration));
        f.put("job/sync id", syncId);
        f.put("run", runId);
        f.put("status page", runUrl);
        f.put("provider page", uiUrl);
        return f;
    }

    /** The body: one {@code field: value} line each (fields without a value are left out). */
    public String text() {
        StringBuilder b = new StringBuilder();
        fields().forEach((k, v) -> {
            if (v != null && !v.isEmpty()) {
                b.append(k).append(": ").append(v).append('\n');
            }
        });
        return b.toString();
    }

    /** A Slack-compatible webhook's JSON: {@code {"text": subject + lines}}. */
    public String webhookJson() {
        ObjectNode o = Json.object();
        o.put("text", subject() + "\n" + text());
        return Json.write(o);
    }

    /** 1h 2m 3s, 4.5s. */
    static String human(Duration d) {
        long s = d.getSeconds();
        if (s < 60) {
            return s < 10 && d.toMillis() % 1000 != 0 ? String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0)
                    : s + "s";
        }
        StringBuilder b = new StringBuilder();
        if (s >= 86400) {
            b.append(s / 86400).append("d ");
        }
        if (s % 86400 >= 3600) {
            b.append(s % 86400 / 3600).append("h ");
        }
        if (s % 3600 >= 60) {
            b.append(s % 3600 / 60).append("m ");
        }
        if (s % 60 > 0) {
            b.append(s % 60).append("s ");
        }
        return b.toString().trim();
    }

    /** An ISO-8601 duration (PT24H) as 1d; shown as given when it is not one. */
    private static String threshold(String iso) {
        try {
            return human(Duration.parse(iso));
        } catch (RuntimeException e) {
            return Json.abbreviate(iso, 40);
        }
    }
}
