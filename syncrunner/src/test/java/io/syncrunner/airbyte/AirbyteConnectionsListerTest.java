package io.syncrunner.airbyte;

import io.syncrunner.auth.ClientCredentialsTokenClient;
import io.syncrunner.auth.TokenCache;
import io.syncrunner.inventory.ConnectionLister;
import io.syncrunner.inventory.ListedConnection;
import io.syncrunner.support.ApiCall;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class AirbyteConnectionsListerTest {
    private static final String W = "11111111-1111-1111-1111-111111111111";

    private final DefaultCamelContext context = new DefaultCamelContext();
    private final AirbyteConnectionsLister lister;
    private final Exchange ex = new DefaultExchange(context);

    AirbyteConnectionsListerTest() {
        Properties p = new Properties();
        p.put("airbyte.prod.base-url", "https://api.airbyte.com/v1");
        p.put("airbyte.prod.auth", "none");
        context.getPropertiesComponent().setInitialProperties(p);
        lister = new AirbyteConnectionsLister(context, new AirbyteAccounts(context,
                new TokenCache(Clock.systemUTC(), Duration.ofSeconds(60)),
                new ClientCredentialsTokenClient(Clock.systemUTC(), Duration.ofSeconds(1), Duration.ofSeconds(1))), 2);
        ex.setProperty("inventoryAccount", "prod");
        ex.setProperty(ConnectionLister.LISTED, new ArrayList<ListedConnection>());
    }

    private boolean answer(String json) {
        ex.getMessage().setBody(json);
        return lister.onAnswer(ex);
    }

    private String request() {
        return ex.getProperty(ApiCall.PATH) + "?" + ex.getProperty(ApiCall.QUERY);
    }

    private static String connection(String id, String status, String schedule) {
        return "{\"connectionId\":\"" + id + "\",\"name\":\"n-" + id + "\",\"workspaceId\":\"" + W + "\",\"status\":\""
                + status + "\",\"schedule\":" + schedule + "}";
    }

    @Test
    void shouldFollowThePagesOfWorkspacesAndConnectionsThenReadEachConnectionsLatestJobs() {
        lister.begin(ex, "prod", null);
        assertThat(request()).isEqualTo("/workspaces?limit=2&offset=0");
        assertThat(answer("{\"next\":\"x\",\"data\":[{\"workspaceId\":\"" + W + "\"},{\"workspaceId\":\"w2\"}]}"))
                .isTrue();
        assertThat(request()).isEqualTo("/workspaces?limit=2&offset=2");
        assertThat(answer("{\"data\":[]}")).isTrue();
        assertThat(request()).isEqualTo("/connections?workspaceIds=" + W + "&workspaceIds=w2&limit=2&offset=0");
        assertThat(answer("{\"next\":\"x\",\"data\":[" + connection("c1", "active",
                "{\"scheduleType\":\"cron\",\"cronExpression\":\"0 0 * * * ?\"}") + "," + connection("c2", "inactive",
                "{\"scheduleType\":\"manual\"}") + "]}")).isTrue();
        assertThat(request()).endsWith("offset=2");
        assertThat(answer("{\"data\":[]}")).isTrue();
        // c1: its latest job failed, so its latest success is read too
        assertThat(request()).isEqualTo("/jobs?connectionId=c1&jobType=sync&limit=1&orderBy=createdAt%7CDESC");
        assertThat(answer("{\"data\":[{\"jobId\":7,\"status\":\"failed\",\"startTime\":\"2026-12-04T10:00:00Z\","
                + "\"lastUpdatedAt\":\"2026-12-04T10:05Z\"}]}")).isTrue();
        assertThat(request()).contains("connectionId=c1", "status=succeeded");
        assertThat(answer("{\"data\":[{\"jobId\":5,\"status\":\"succeeded\",\"startTime\":\"2026-12-03T10:00:00Z\","
                + "\"lastUpdatedAt\":\"2026-12-03T10:01:00Z\"}]}")).isTrue();
        // c2 never ran
        assertThat(request()).contains("connectionId=c2");
        assertThat(answer("{\"data\":[]}")).isFalse();

        @SuppressWarnings("unchecked")
        List<ListedConnection> listed = ex.getProperty(ConnectionLister.LISTED, List.class);
        assertThat(listed).extracting(ListedConnection::connectionId).containsExactly("c1", "c2");
        ListedConnection c1 = listed.get(0);
        assertThat(c1.schedule()).isEqualTo("cron 0 0 * * * ?");
        assertThat(c1.providerSchedules()).isTrue();
        assertThat(c1.lastSync()).isEqualTo(new ListedConnection.LastSync("failed",
                Instant.parse("2026-12-04T10:00:00Z"), Instant.parse("2026-12-04T10:05:00Z"), 7L, null));
        assertThat(c1.lastSuccessAt()).isEqualTo(Instant.parse("2026-12-03T10:01:00Z"));
        assertThat(c1.uiUrl()).isEqualTo("https://cloud.airbyte.com/workspaces/" + W + "/connections/c1/status");
        ListedConnection c2 = listed.get(1);
        assertThat(c2.paused()).isTrue();
        assertThat(c2.providerSchedules()).isFalse();
        assertThat(c2.lastSync()).isNull();
    }

    @Test
    void shouldMapJobStatusesAndLeaveARunningJobWithoutEnd() {
        var running = AirbyteConnectionsLister.lastSync(io.syncrunner.support.Json.parse(
                "{\"jobId\":9,\"status\":\"incomplete\",\"startTime\":\"2026-12-04T10:00:00Z\"}"));
        assertThat(running.status()).isEqualTo("running");
        assertThat(running.endedAt()).isNull();
        assertThat(AirbyteConnectionsLister.uiUrl("http://airbyte.internal:8000/api/public/v1", W, "c"))
                .isEqualTo("http://airbyte.internal:8000/workspaces/" + W + "/connections/c/status");
    }
}
