package io.syncrunner.inventory;

import io.syncrunner.support.Json;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionInventoryOffTest {
    private final ConnectionInventory inventory = new ConnectionInventory(List.of(), prefix -> List.of(), Map::of,
            new Freshness(key -> null, Duration.ofHours(24)), Clock.systemUTC(), Duration.ofMinutes(5));

    @Test
    void shouldBeDueAtOnceWhenOnAndNeverWhenOff() {
        assertThat(inventory.due()).as("never refreshed").isTrue();
        inventory.setEnabled(false);
        assertThat(inventory.due()).isFalse();
        assertThat(inventory.refreshPending()).isFalse();
        inventory.refreshSoon();
        assertThat(inventory.due()).as("asked for a refresh while off").isFalse();
    }

    @Test
    void shouldAnswer503NamingTheSettingWhenOff() throws Exception {
        inventory.setEnabled(false);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            Exchange ex = new DefaultExchange(camel);
            inventory.list(ex);
            assertThat(ex.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(503);
            assertThat(Json.text(Json.parse(ex.getMessage().getBody(String.class)), "error"))
                    .contains("syncrunner.inventory.enabled=false");
        }
    }
}
