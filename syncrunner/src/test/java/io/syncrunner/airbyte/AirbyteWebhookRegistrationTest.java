package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.support.Json;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class AirbyteWebhookRegistrationTest {
    private static final String URL = AirbyteWebhookRegistration.webhookUrl("https://runner.example.com/webhooks/airbyte/",
            "s3cr3t");

    @Test
    void shouldAppendTheSecretAsTheLastSegmentAndShowItMasked() {
        assertThat(URL).isEqualTo("https://runner.example.com/webhooks/airbyte/s3cr3t");
        assertThat(AirbyteWebhookRegistration.shown("https://runner.example.com/webhooks/airbyte//"))
                .isEqualTo("https://runner.example.com/webhooks/airbyte/***");
    }

    @Test
    void shouldSetBothWebhooksAndKeepEveryOtherNotificationSetting() {
        JsonNode current = Json.parse("""
                {"success": {"email": {"enabled": true}},
                 "failure": {"email": {"enabled": false}, "webhook": {"enabled": false, "url": "https://old.example.com/x"}},
                 "syncDisabled": {"email": {"enabled": true}, "webhook": {"enabled": true, "url": "https://other.example.com"}}}
                """);

        ObjectNode body = AirbyteWebhookRegistration.patchBody(current, URL).orElseThrow();

        assertThat(body.size()).as("only notifications is sent").isEqualTo(1);
        JsonNode n = body.path("notifications");
        for (String kind : new String[] {"success", "failure"}) {
            assertThat(n.path(kind).path("webhook").path("enabled").asBoolean()).isTrue();
            assertThat(n.path(kind).path("webhook").path("url").asText()).isEqualTo(URL);
        }
        assertThat(n.path("success").path("email").path("enabled").asBoolean()).isTrue();
        assertThat(n.path("failure").path("email").path("enabled").asBoolean()).isFalse();
        assertThat(n.path("syncDisabled")).isEqualTo(current.path("syncDisabled"));
        assertThat(current.path("failure").path("webhook").path("url").asText()).as("the input is not changed")
                .isEqualTo("https://old.example.com/x");
    }

    @Test
    void shouldSendNothingWhenBothWebhooksAreAlreadyEnabledWithTheUrl() {
        JsonNode current = Json.parse("{\"success\": {\"webhook\": {\"enabled\": true, \"url\": \"" + URL + "\"}},"
                + " \"failure\": {\"email\": {\"enabled\": true}, \"webhook\": {\"enabled\": true, \"url\": \"" + URL
                + "\"}}}");

        assertThat(AirbyteWebhookRegistration.patchBody(current, URL)).isEqualTo(Optional.empty());
    }

    @Test
    void shouldPatchWhenTheWebhookIsThereButDisabledOrOnlyOneKindHasIt() {
        JsonNode disabled = Json.parse("{\"success\": {\"webhook\": {\"enabled\": false, \"url\": \"" + URL + "\"}},"
                + " \"failure\": {\"webhook\": {\"enabled\": true, \"url\": \"" + URL + "\"}}}");
        assertThat(AirbyteWebhookRegistration.patchBody(disabled, URL)).isPresent();
        JsonNode onlyFailure = Json.parse("{\"failure\": {\"webhook\": {\"enabled\": true, \"url\": \"" + URL
                + "\"}}}");
        JsonNode n = AirbyteWebhookRegistration.patchBody(onlyFailure, URL).orElseThrow().path("notifications");
        assertThat(n.path("success").path("webhook").path("url").asText()).isEqualTo(URL);
    }

    @Test
    void shouldBuildTheWholeConfigWhenTheWorkspaceHasNoNotifications() {
        for (JsonNode none : new JsonNode[] {null, Json.parse("null"), Json.parse("{}")}) {
            JsonNode n = AirbyteWebhookRegistration.patchBody(none, URL).orElseThrow().path("notifications");
            assertThat(n.path("success").path("webhook").path("enabled").asBoolean()).isTrue();
            assertThat(n.path("failure").path("webhook").path("url").asText()).isEqualTo(URL);
        }
    }

    @Test
    void shouldNameTheMissingSettingWhenRegistrationCannotBeTurnedOn() {
        assertThat(AirbyteWebhookRegistration.problem("", "s")).contains("airbyte.webhooks.public-url");
        assertThat(AirbyteWebhookRegistration.problem("runner.example.com", "s")).contains("not an http(s) URL");
        assertThat(AirbyteWebhookRegistration.problem("https://r.example.com/webhooks/airbyte", ""))
                .contains("airbyte.webhooks.secret");
        assertThat(AirbyteWebhookRegistration.problem("https://r.example.com/webhooks/airbyte", "s")).isNull();
    }
}
