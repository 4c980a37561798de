package io.syncrunner.fivetran;

import io.syncrunner.inventory.ConnectionLister;
import io.syncrunner.inventory.ListedConnection;
import io.syncrunner.support.ApiCall;
import io.syncrunner.support.Json;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class FivetranConnectionsListerTest {
    private final DefaultCamelContext context = new DefaultCamelContext();
    private final FivetranConnectionsLister lister;
    private final Exchange ex = new DefaultExchange(context);

    FivetranConnectionsListerTest() {
        Properties p = new Properties();
        p.put("fivetran.ops.api-key", "k");
        p.put("fivetran.ops.api-secret", "s");
        context.getPropertiesComponent().setInitialProperties(p);
        lister = new FivetranConnectionsLister(context, new FivetranAccounts(context), 2);
        ex.setProperty("inventoryAccount", "ops");
        ex.setProperty(ConnectionLister.LISTED, new ArrayList<ListedConnection>());
    }

    private boolean answer(String data) {
        ex.getMessage().setBody("{\"code\":\"Success\",\"data\":" + data + "}");
        return lister.onAnswer(ex);
    }

    private String request() {
        return ex.getProperty(ApiCall.PATH) + "?" + ex.getProperty(ApiCall.QUERY);
    }

    @Test
    void shouldFollowTheCursorsOfGroupsAndOfEachGroupsConnections() {
        lister.begin(ex, "ops", null);
        assertThat(request()).isEqualTo("/v1/groups?limit=2");
        assertThat(answer("{\"items\":[{\"id\":\"g1\"},{\"id\":\"g2\"}],\"next_cursor\":\"eyJza2lwIjoyfQ\"}")).isTrue();
        assertThat(request()).isEqualTo("/v1/groups?limit=2&cursor=eyJza2lwIjoyfQ");
        assertThat(answer("{\"items\":[]}")).isTrue();
        assertThat(request()).isEqualTo("/v1/connections?group_id=g1&limit=2");
        assertThat(answer("{\"items\":[{\"id\":\"a\",\"schema\":\"sa\",\"paused\":false,\"schedule_type\":\"auto\","
                + "\"sync_frequency\":60,\"succeeded_at\":\"2026-12-01T00:00:00.123456Z\","
                + "\"failed_at\":\"2026-12-02T00:00:00Z\",\"status\":{\"sync_state\":\"scheduled\"}}],"
                + "\"next_cursor\":\"c2\"}")).isTrue();
        assertThat(request()).isEqualTo("/v1/connections?group_id=g1&limit=2&cursor=c2");
        assertThat(answer("{\"items\":[{\"id\":\"b\",\"paused\":true,\"schedule_type\":\"manual\","
                + "\"status\":{\"sync_state\":\"paused\"}}]}")).isTrue();
        assertThat(request()).isEqualTo("/v1/connections?group_id=g2&limit=2");
        assertThat(answer("{\"items\":[{\"id\":\"c\",\"schedule_type\":\"auto\",\"sync_frequency\":360,"
                + "\"status\":{\"sync_state\":\"syncing\"}}]}")).isFalse();

        @SuppressWarnings("unchecked")
        List<ListedConnection> listed = ex.getProperty(ConnectionLister.LISTED, List.class);
        assertThat(listed).extracting(ListedConnection::connectionId).containsExactly("a", "b", "c");
        ListedConnection a = listed.get(0);
        assertThat(a.name()).isEqualTo("sa");
        assertThat(a.schedule()).isEqualTo("every 60 min");
        assertThat(a.providerSchedules()).isTrue();
        assertThat(a.lastSync().status()).isEqualTo("failed");
        assertThat(a.lastSync().endedAt()).isEqualTo(Instant.parse("2026-12-02T00:00:00Z"));
        assertThat(a.lastSuccessAt()).isEqualTo(Instant.parse("2026-12-01T00:00:00.123456Z"));
        assertThat(listed.get(1).paused()).isTrue();
        assertThat(listed.get(1).lastSync()).as("never synced").isNull();
        assertThat(listed.get(2).lastSync().status()).isEqualTo("running");
    }

    @Test
    void shouldListOnlyTheAccountsGroupWhenItHasOne() {
        context.getPropertiesComponent().setInitialProperties(props("fivetran.ops.group-id", "only_group"));
        lister.begin(ex, "ops", null);

        assertThat(request()).isEqualTo("/v1/connections?group_id=only_group&limit=2");
        assertThat(answer("{\"items\":[]}")).isFalse();
        assertThat(lister.budget("ops")).isNotNull();
    }

    @Test
    void shouldReadOneConnectionForARefreshOfIt() {
        lister.begin(ex, "ops", "conn_1");
        assertThat(ex.getProperty(ApiCall.PATH)).isEqualTo("/v1/connections/conn_1");
        assertThat(answer("{\"id\":\"conn_1\",\"succeeded_at\":\"2026-12-01T00:00:00Z\"}")).isFalse();
        assertThat(FivetranConnectionsLister.lastSync(Json.parse("{\"succeeded_at\":\"2026-12-01T00:00:00Z\"}"))
                .status()).isEqualTo("succeeded");
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        p.put("fivetran.ops.api-key", "k");
        p.put("fivetran.ops.api-secret", "s");
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }
}
