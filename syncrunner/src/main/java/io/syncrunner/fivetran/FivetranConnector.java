package io.syncrunner.fivetran;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** What a Fivetran connection ({@code GET /v1/connections/{id}}) says about its syncs. */
public record FivetranConnector(String id, String groupId, String service, boolean paused, String scheduleType,
        String setupState, String syncState, Instant succeededAt, Instant failedAt, Instant rescheduledFor) {

    /** Reads the {@code data} of a connection answer. */
    public static FivetranConnector of(JsonNode answer) {
        JsonNode d = answer.has("data") ? answer.get("data") : answer;
        JsonNode status = d.path("status");
        return new FivetranConnector(Json.text(d, "id"), Json.text(d, "group_id"), Json.text(d, "service"),
                d.path("paused").asBoolean(false), Json.text(d, "schedule_type"), Json.text(status, "setup_state"),
                Json.text(status, "sync_state"), time(Json.text(d, "succeeded_at")), time(Json.text(d, "failed_at")),
                time(Json.text(status, "rescheduled_for")));
    }

    /** The later of succeeded_at and failed_at: when the last sync ended, or null if none ever did. */
    public Instant lastCompletion() {
        if (succeededAt == null) {
            return failedAt;
        }
        if (failedAt == null) {
            return succeededAt;
        }
        return failedAt.isAfter(succeededAt) ? failedAt : succeededAt;
    }

    /** The last sync failed: failed_at is set and newer than succeeded_at (Fivetran never clears failed_at). */
    public boolean lastSyncFailed() {
        return failedAt != null && (succeededAt == null || failedAt.isAfter(succeededAt));
    }

    public boolean isManualSchedule() {
        return "manual".equalsIgnoreCase(scheduleType);
    }

    public boolean isConnected() {
        return "connected".equalsIgnoreCase(setupState);
    }

    /**
     * A Fivetran timestamp at its full precision: Fivetran writes microseconds ({@code 2024-03-21T14:44:29.613498Z}),
     * sometimes milliseconds or none, with {@code Z} or an offset such as {@code +00:00}. Null or blank is null
     * (never happened). Kept as an {@link Instant} (nanoseconds): cutting it to milliseconds makes an unchanged
     * timestamp look later than itself.
     */
    static Instant time(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Fivetran answered the timestamp '" + Json.abbreviate(text, 60)
                    + "', which is not an ISO-8601 date-time with an offset such as 2024-03-21T14:44:29.613498Z", e);
        }
    }
}
