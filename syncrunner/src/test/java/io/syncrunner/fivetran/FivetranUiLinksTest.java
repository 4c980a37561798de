package io.syncrunner.fivetran;

import io.syncrunner.support.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FivetranUiLinksTest {
    @Test
    void shouldLinkTheConnectionsStatusPageInTheDashboard() {
        assertThat(FivetranUiLinks.connectionUrl("decent_dropsy"))
                .isEqualTo("https://fivetran.com/dashboard/connectors/decent_dropsy/status");
    }

    @Test
    void shouldLinkTheSameDashboardForEveryAccountAndResult() {
        FivetranUiLinks links = new FivetranUiLinks();
        assertThat(links.uiUrl("prod", "decent_dropsy", Json.parse("{\"syncId\":\"abc\"}")))
                .isEqualTo(links.uiUrl("emulated", "decent_dropsy", null))
                .isEqualTo("https://fivetran.com/dashboard/connectors/decent_dropsy/status");
    }

    @Test
    void shouldEscapeAnIdThatIsNotAPlainPathSegment() {
        assertThat(FivetranUiLinks.connectionUrl("a/b c"))
                .isEqualTo("https://fivetran.com/dashboard/connectors/a%2Fb%20c/status");
    }
}
