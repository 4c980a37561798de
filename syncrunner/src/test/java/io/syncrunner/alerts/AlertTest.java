package io.syncrunner.alerts;

import io.syncrunner.runs.SyncEvents;
import io.syncrunner.support.Json;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlertTest {
    private static final String WEBHOOK = "https://hooks.slack.com/services/T000/B000/secretTokenXyz123";

    @Test
    void shouldWriteAFailedSyncAsSubjectAndFieldLinesLeavingOutWhatIsUnknown() {
        SyncEvents.Step step = new SyncEvents.Step("run-1", "fivetran/prod/conn_1/sync", "fivetran", "prod", "conn_1",
                null, Instant.EPOCH);
        SyncEvents.Ended ended = new SyncEvents.Ended(step, SyncEvents.Outcome.TIMED_OUT,
                "{\"status\": \"timed_out\"}", "the wait timed out after 2h", null, null,
                Instant.EPOCH.plus(Duration.ofMinutes(125)));
        Alert alert = Alert.failed(ended, "https://runner.example.com");
        assertThat(alert.subject()).isEqualTo("[syncrunner] fivetran sync timed out: prod/conn_1");
        assertThat(alert.text()).isEqualTo("provider: fivetran\naccount: prod\nconnection: conn_1\nstatus: timed_out\n"
                + "error: the wait timed out after 2h\nduration: 2h 5m\nrun: run-1\n"
                + "status page: https://runner.example.com/status?run=run-1\n");
        assertThat(Json.text(Json.parse(alert.webhookJson()), "text")).isEqualTo(alert.subject() + "\n" + alert.text());
        assertThat(Alert.failed(ended, "").fields().get("status page")).as("no public URL, no link").isNull();
    }

    @Test
    void shouldShowDurationsAsPeopleReadThem() {
        assertThat(Alert.human(Duration.ofMillis(400))).isEqualTo("0.4s");
        assertThat(Alert.human(Duration.ofSeconds(42))).isEqualTo("42s");
        assertThat(Alert.human(Duration.ofSeconds(3600 + 2))).isEqualTo("1h 2s");
        assertThat(Alert.human(Duration.ofHours(52))).isEqualTo("2d 4h");
    }

    @Test
    void shouldShowAThresholdThatIsNotADurationAsGiven() {
        Alert a = Alert.stale(Json.parse("{\"provider\": \"airbyte\", \"account\": \"a\", \"connectionId\": \"c\","
                + " \"stale\": true, \"lastSuccessAt\": null, \"freshnessThreshold\": \"daily\"}"), "");
        assertThat(a.fields().get("stale")).isEqualTo("no success since (never); threshold daily");
        assertThat(a.subject()).isEqualTo("[syncrunner] airbyte connection stale: a/c");
    }

    @Test
    void shouldRefuseAStaleNoticeWithoutItsConnection() {
        assertThatThrownBy(() -> Alert.stale(Json.parse("{\"stale\": true, \"provider\": \"airbyte\"}"), ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no provider or connectionId");
    }

    @Test
    void shouldShowOfAWebhookUrlOnlyItsSchemeAndHost() {
        assertThat(AlertSettings.masked(WEBHOOK)).isEqualTo("https://hooks.slack.com/***");
        assertThat(AlertSettings.masked("http://127.0.0.1:8123/services/x")).isEqualTo("http://127.0.0.1:8123/***");
        assertThat(AlertSettings.masked("not a url at all")).isEqualTo("***");
    }

    @Test
    void shouldMaskTheWebhookUrlInAnyMessageEvenWhenWrittenDifferently() {
        Alerts alerts = new Alerts(null, new AlertSettings("slack", "none", Duration.ofMinutes(15), "",
                new AlertSettings.Email("localhost", 25, "", "", "a@b", ""), WEBHOOK), java.time.Clock.systemUTC());
        assertThat(alerts.mask("HTTP operation failed invoking " + WEBHOOK + " with statusCode: 404"))
                .isEqualTo("HTTP operation failed invoking https://hooks.slack.com/*** with statusCode: 404");
        assertThat(alerts.mask("failed: https://hooks.slack.com/services/T000/B000/secretTokenXyz123?x=1\nmore"))
                .isEqualTo("failed: https://hooks.slack.com/*** more");
    }

    @Test
    void shouldNameTheChannelsProblemWithoutShowingTheWebhookUrl() {
        AlertSettings s = new AlertSettings("none", "none", Duration.ZERO, "",
                new AlertSettings.Email("", 25, "", "", "a@b", ""), "ftp://hooks.example.com/secretTokenXyz123");
        assertThat(s.problem("email")).contains("syncrunner.alerts.email.host");
        assertThat(s.problem("slack")).contains("not an http(s) URL").doesNotContain("secretTokenXyz123");
        assertThat(s.problem("pager")).isEqualTo("'pager' is not an alert channel: use email, slack or none");
        assertThat(s.problem("none")).isNull();
    }
}
