package io.syncrunner.airbyte;

import io.syncrunner.support.Json;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AirbyteUiLinksTest {
    private static final String WS = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b";
    private static final String CONNECTION = "9a6f2b1e-3c1d-4e5f-8a7b-1c2d3e4f5a6b";

    @Test
    void shouldLinkTheCloudApiToTheCloudWebapp() {
        assertThat(AirbyteUiLinks.webapp("https://api.airbyte.com/v1")).isEqualTo("https://cloud.airbyte.com");
    }

    @Test
    void shouldLinkASelfManagedServerToItsOwnHostAndPortWithoutThePath() {
        assertThat(AirbyteUiLinks.webapp("http://airbyte.internal:8000/api/public/v1"))
                .isEqualTo("http://airbyte.internal:8000");
        assertThat(AirbyteUiLinks.webapp("https://airbyte.example.com/api/public/v1"))
                .isEqualTo("https://airbyte.example.com");
    }

    @Test
    void shouldNeverPutUserInfoOfTheBaseUrlIntoALink() {
        assertThat(AirbyteUiLinks.webapp("http://airbyte:secret-pw@airbyte.internal:8000/api/public/v1"))
                .isEqualTo("http://airbyte.internal:8000").doesNotContain("secret-pw");
    }

    @Test
    void shouldLinkTheConnectionTimelineAndTheJobInIt() {
        assertThat(AirbyteUiLinks.connectionUrl("https://cloud.airbyte.com", WS, CONNECTION, null))
                .isEqualTo("https://cloud.airbyte.com/workspaces/" + WS + "/connections/" + CONNECTION + "/timeline");
        assertThat(AirbyteUiLinks.connectionUrl("https://cloud.airbyte.com", WS, CONNECTION, 3000000001L))
                .isEqualTo("https://cloud.airbyte.com/workspaces/" + WS + "/connections/" + CONNECTION
                        + "/timeline#3000000001::0");
    }

    @Test
    void shouldOpenTheWebappHomeWhenNoWorkspaceIsSet() {
        assertThat(AirbyteUiLinks.connectionUrl("http://airbyte.internal:8000", "", CONNECTION, 7L))
                .isEqualTo("http://airbyte.internal:8000/");
        assertThat(AirbyteUiLinks.connectionUrl("http://airbyte.internal:8000", null, CONNECTION, 7L))
                .isEqualTo("http://airbyte.internal:8000/");
    }

    @Test
    void shouldEscapeIdsThatAreNotPlainPathSegments() {
        assertThat(AirbyteUiLinks.connectionUrl("http://h:8000", "w s", "a/b?c", null))
                .isEqualTo("http://h:8000/workspaces/w%20s/connections/a%2Fb%3Fc/timeline");
    }

    @Test
    void shouldBuildARunsLinkFromItsAccountAndTheJobIdOfItsResult() {
        AirbyteUiLinks links = new AirbyteUiLinks(Map.of("cloud", "https://api.airbyte.com/v1")::get,
                Map.of("cloud", WS)::get);
        assertThat(links.uiUrl("cloud", CONNECTION, Json.parse("{\"jobId\":3000000042,\"status\":\"failed\"}")))
                .endsWith("/connections/" + CONNECTION + "/timeline#3000000042::0")
                .startsWith("https://cloud.airbyte.com/workspaces/" + WS);
        // accepted, no result yet: the connection's timeline
        assertThat(links.uiUrl("cloud", CONNECTION, null)).endsWith("/connections/" + CONNECTION + "/timeline");
        assertThat(links.uiUrl("cloud", CONNECTION, Json.parse("{\"jobId\":null}")))
                .endsWith("/timeline");
    }

    @Test
    void shouldFailForAnUnknownAccountAsTheAccountsDo() {
        AirbyteUiLinks links = new AirbyteUiLinks(name -> {
            throw new IllegalArgumentException("Unknown Airbyte account '" + name + "'");
        }, name -> null);
        assertThatThrownBy(() -> links.uiUrl("gone", CONNECTION, null)).hasMessageContaining("gone");
    }
}
