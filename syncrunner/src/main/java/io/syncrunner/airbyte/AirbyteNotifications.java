package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Airbyte's sync notifications (workspace settings, Notifications, "Webhook" for failed and successful syncs): what a
 * webhook body says. The body is the one Airbyte posts to a webhook (airbytehq/airbyte-platform
 * {@code airbyte-notification}, {@code SyncSummary}), a Slack-style message whose {@code data} object holds the
 * summary:
 * <pre>
 * {"text": "...", "blocks": [...],
 *  "data": {"workspace": {"id","name","url"}, "connection": {...}, "source": {...}, "destination": {...},
 *           "jobId": 20441143, "startedAt": "2024-10-22T20:27:59Z", "finishedAt": "...",
 *           "bytesEmitted": 288179, "bytesCommitted": 288179, "recordsEmitted": 1400, "recordsCommitted": 1400,
 *           "errorMessage": null, "success": true, ...}}
 * </pre>
 * ({@code SyncSummary.isSuccess} is serialized as {@code success}; {@code isSuccess} is read too.) A body without
 * {@code data} whose top level holds {@code jobId} is read the same way. Unknown fields are ignored. What a
 * notification says of the outcome is never trusted alone: the runner reads the job's status once to confirm it.
 */
public final class AirbyteNotifications {
    private AirbyteNotifications() {
    }

    /** A notification that cannot be read: the reason, for a 400 answer. */
    public static final class InvalidNotificationException extends IllegalArgumentException {
        public InvalidNotificationException(String reason) {
            super(reason);
        }
    }

    /**
     * One sync notification.
     *
     * @param success what the notification says of the outcome, null when it does not say
     * @param payload the summary object as received
     */
    public record Notification(long jobId, Boolean success, String workspaceId, String workspaceName,
            String connectionId, String connectionName, String sourceId, String sourceName, String destinationId,
            String destinationName, Instant startedAt, Instant finishedAt, Long bytesEmitted, Long bytesCommitted,
            Long recordsEmitted, Long recordsCommitted, String errorMessage, JsonNode payload) {

        /** The notification's own id, the same in every delivery of it (its job, outcome and end time). */
        public String eventId() {
            return "job:" + jobId + ":" + outcome() + ":" + (finishedAt == null ? "-" : finishedAt.toString());
        }

        /** {@code succeeded}, {@code failed}, or {@code unknown} (what the notification says, unconfirmed). */
        public String outcome() {
            return success == null ? "unknown" : success ? "succeeded" : "failed";
        }
    }

    /** Reads a webhook body; throws {@link InvalidNotificationException} with the reason when it is not usable. */
    public static Notification parse(byte[] body) {
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            throw new InvalidNotificationException("the body is empty");
        }
        JsonNode root;
        try {
            root = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidNotificationException("the body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new InvalidNotificationException("the body is not a JSON object (an Airbyte notification)");
        }
        JsonNode data = root.get("data");
        if (data == null || data.isNull()) {
            data = root; // no Slack-style wrapper: the summary itself
        }
        if (!data.isObject()) {
            throw new InvalidNotificationException("'data' is not a JSON object (the sync summary)");
        }
        JsonNode jobNode = data.get("jobId");
        if (jobNode == null || jobNode.isNull()) {
            throw new InvalidNotificationException("the notification has no jobId (a sync notification carries one"
                    + " in data.jobId): no sync can be ended by it");
        }
        if (!jobNode.isIntegralNumber() || !jobNode.canConvertToLong()) {
            throw new InvalidNotificationException("jobId " + Json.abbreviate(jobNode.toString(), 40)
                    + " is not an int64 (a JSON integer)");
        }
        long jobId = jobNode.longValue();
        JsonNode ok = data.has("success") ? data.get("success") : data.get("isSuccess");
        Boolean success = ok != null && ok.isBoolean() ? ok.booleanValue() : null;
        return new Notification(jobId, success,
                text(data.path("workspace"), "id"), text(data.path("workspace"), "name"),
                text(data.path("connection"), "id"), text(data.path("connection"), "name"),
                text(data.path("source"), "id"), text(data.path("source"), "name"),
                text(data.path("destination"), "id"), text(data.path("destination"), "name"),
                time(data, "startedAt"), time(data, "finishedAt"),
                number(data, "bytesEmitted"), number(data, "bytesCommitted"), number(data, "recordsEmitted"),
                number(data, "recordsCommitted"), text(data, "errorMessage"), data);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
    }

    private static Long number(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isIntegralNumber() && v.canConvertToLong() ? v.longValue() : null;
    }

    /** A time the notification gives; null when absent or not a time (it is informational only). */
    private static Instant time(JsonNode node, String field) {
        return AirbyteSyncs.parseTime(text(node, field));
    }
}
