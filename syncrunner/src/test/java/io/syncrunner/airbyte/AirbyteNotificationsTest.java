package io.syncrunner.airbyte;

import io.syncrunner.airbyte.AirbyteNotifications.InvalidNotificationException;
import io.syncrunner.airbyte.AirbyteNotifications.Notification;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How an Airbyte sync notification body (a webhook's Slack-style message with the SyncSummary in data) is read. */
class AirbyteNotificationsTest {

    /** The shape Airbyte posts to a webhook for a successful sync (text, blocks, data). */
    static final String SUCCESS = """
            {"text": "Your connection Sheets -> Postgres succeeded\\nJob ID: 20441143",
             "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Sync completed"}}],
             "data": {
               "workspace": {"id": "84d2dd6e-82aa-406e-91f3-bf8dbf176e69", "name": "Analytics", "url": "https://x/w"},
               "connection": {"id": "aa941643-07ea-48a2-9035-024575491720", "name": "Sheets -> Postgres", "url": "u"},
               "source": {"id": "363c0ea3-e989-4051-9f54-d41b794d6621", "name": "Google Sheets", "url": "u"},
               "destination": {"id": "b3a05072-e3c8-435a-8e6e-4a5c601039c6", "name": "Postgres", "url": "u"},
               "jobId": 20441143,
               "startedAt": "2024-10-22T20:27:59Z", "finishedAt": "2024-10-22T20:29:22Z",
               "bytesEmitted": 288179, "bytesCommitted": 288170, "recordsEmitted": 1400, "recordsCommitted": 1399,
               "errorMessage": null, "durationFormatted": "1 min 23 sec", "success": true, "durationInSeconds": 83}}
            """;

    @Test
    void shouldReadEveryFieldOfASuccessNotification() {
        Notification n = parse(SUCCESS);
        assertThat(n.jobId()).isEqualTo(20441143L);
        assertThat(n.success()).isTrue();
        assertThat(n.outcome()).isEqualTo("succeeded");
        assertThat(n.workspaceId()).isEqualTo("84d2dd6e-82aa-406e-91f3-bf8dbf176e69");
        assertThat(n.workspaceName()).isEqualTo("Analytics");
        assertThat(n.connectionId()).isEqualTo("aa941643-07ea-48a2-9035-024575491720");
        assertThat(n.connectionName()).isEqualTo("Sheets -> Postgres");
        assertThat(n.sourceName()).isEqualTo("Google Sheets");
        assertThat(n.destinationId()).isEqualTo("b3a05072-e3c8-435a-8e6e-4a5c601039c6");
        assertThat(n.startedAt()).isEqualTo(Instant.parse("2024-10-22T20:27:59Z"));
        assertThat(n.finishedAt()).isEqualTo(Instant.parse("2024-10-22T20:29:22Z"));
        assertThat(n.bytesEmitted()).isEqualTo(288179L);
        assertThat(n.bytesCommitted()).isEqualTo(288170L);
        assertThat(n.recordsEmitted()).isEqualTo(1400L);
        assertThat(n.recordsCommitted()).isEqualTo(1399L);
        assertThat(n.errorMessage()).isNull();
        assertThat(n.eventId()).isEqualTo("job:20441143:succeeded:2024-10-22T20:29:22Z");
    }

    @Test
    void shouldReadAFailureNotificationWithItsErrorMessage() {
        Notification n = parse("""
                {"data": {"jobId": 9988, "success": false, "finishedAt": "2024-01-01T01:00:00Z",
                          "errorMessage": "Connection timeout while trying to sync data"}}""");
        assertThat(n.success()).isFalse();
        assertThat(n.outcome()).isEqualTo("failed");
        assertThat(n.errorMessage()).isEqualTo("Connection timeout while trying to sync data");
        assertThat(n.connectionId()).isNull();
    }

    @Test
    void shouldReadTheJavaFieldNameIsSuccessAndABodyWithoutTheDataWrapper() {
        Notification n = parse("{\"jobId\": 7, \"isSuccess\": false}");
        assertThat(n.jobId()).isEqualTo(7L);
        assertThat(n.success()).isFalse();
    }

    @Test
    void shouldIgnoreUnknownFieldsAndSayUnknownWhenTheOutcomeIsMissing() {
        Notification n = parse("{\"newTopLevel\": [1], \"data\": {\"jobId\": 12, \"attempts\": {\"x\": 1},"
                + " \"bytesEmitted\": \"many\", \"startedAt\": \"not a time\"}}");
        assertThat(n.jobId()).isEqualTo(12L);
        assertThat(n.success()).isNull();
        assertThat(n.outcome()).isEqualTo("unknown");
        assertThat(n.bytesEmitted()).isNull();
        assertThat(n.startedAt()).isNull();
    }

    @Test
    void shouldRefuseABodyThatIsNotJsonWithTheReason() {
        assertRefused("{not json", "the body is not JSON");
        assertRefused("", "the body is empty");
        assertRefused("[1,2]", "not a JSON object");
        assertRefused("{\"data\": \"text\"}", "'data' is not a JSON object");
    }

    @Test
    void shouldRefuseANotificationWithoutAJobId() {
        // Airbyte's "test" notification carries only text
        assertRefused("{\"text\": \"Hello World! This is a test from Airbyte\"}", "has no jobId");
        assertRefused("{\"data\": {\"jobId\": null, \"success\": true}}", "has no jobId");
    }

    @Test
    void shouldRefuseAJobIdThatIsNotAnInt64() {
        assertRefused("{\"data\": {\"jobId\": \"123\"}}", "jobId \"123\" is not an int64");
        assertRefused("{\"data\": {\"jobId\": 1.5}}", "jobId 1.5 is not an int64");
        assertRefused("{\"data\": {\"jobId\": 92233720368547758070}}", "is not an int64");
    }

    private static Notification parse(String body) {
        return AirbyteNotifications.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRefused(String body, String reason) {
        assertThatThrownBy(() -> parse(body)).isInstanceOf(InvalidNotificationException.class)
                .hasMessageContaining(reason);
    }
}
