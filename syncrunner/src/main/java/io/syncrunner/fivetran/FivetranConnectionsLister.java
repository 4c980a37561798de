package io.syncrunner.fivetran;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.auth.AccountDiscovery;
import io.syncrunner.auth.Secrets;
import io.syncrunner.inventory.ConnectionLister;
import io.syncrunner.inventory.ListedConnection;
import io.syncrunner.support.ApiCall;
import io.syncrunner.support.Json;
import io.syncrunner.support.RequestBudget;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Lists a Fivetran account's connections for the inventory: the account's group ({@code fivetran.<account>.group-id})
 * or, without one, every group ({@code GET /v1/groups}), then {@code GET /v1/connections?group_id=} per group, both
 * paged by {@code limit} and {@code cursor} ({@code data.items}, {@code data.next_cursor} while more follow). A
 * connection's answer has all the inventory needs: {@code paused}, {@code schedule_type}, {@code sync_frequency},
 * {@code status.sync_state}, {@code succeeded_at}, {@code failed_at}. One connection:
 * {@code GET /v1/connections/{id}}. Every request counts against the account's request budget.
 */
public final class FivetranConnectionsLister implements ConnectionLister {
    private static final String PHASE = "fivetranInventoryPhase";
    private static final String GROUPS = "fivetranInventoryGroups";
    private static final String GROUP_AT = "fivetranInventoryGroupAt";

    private final CamelContext context;
    private final FivetranAccounts accounts;
    private final int pageSize;

    public FivetranConnectionsLister(CamelContext context, FivetranAccounts accounts, int pageSize) {
        this.context = context;
        this.accounts = accounts;
        this.pageSize = Math.max(1, Math.min(1000, pageSize));
    }

    @Override
    public String provider() {
        return "fivetran";
    }

    @Override
    public Collection<String> accounts() {
        return AccountDiscovery.accounts(context, FivetranAccountProbe.DEFINING_KEY);
    }

    @Override
    public RequestBudget budget(String account) {
        return accounts.require(account).budget();
    }

    @Override
    public void begin(Exchange ex, String accountName, String connectionId) {
        FivetranAccounts.Account account = accounts.require(accountName);
        ex.setProperty(ApiCall.BASE_URL, account.baseUrl());
        ex.setProperty(ApiCall.AUTH, account.authorizer());
        ex.setProperty(ApiCall.ACCEPT, "application/json;version=2");
        ex.removeProperty(ApiCall.ERROR_HINT);
        if (connectionId != null) {
            ex.setProperty(PHASE, "one");
            ApiCall.describe(ex, "GET", "/v1/connections/" + connectionId, null, null,
                    "read connection " + connectionId + " for the connection inventory");
            return;
        }
        List<String> groups = new ArrayList<>();
        ex.setProperty(GROUPS, groups);
        String group = Secrets.property(context, "fivetran." + accountName + ".group-id").orElse("");
        if (!group.isBlank()) {
            groups.add(group);
            connections(ex, 0, null);
            return;
        }
        ex.setProperty(PHASE, "groups");
        ApiCall.describe(ex, "GET", "/v1/groups", "limit=" + pageSize, null,
                "list the groups of a Fivetran account for the connection inventory");
    }

    @SuppressWarnings("unchecked")
    private void connections(Exchange ex, int groupAt, String cursor) {
        String group = ((List<String>) ex.getProperty(GROUPS, List.class)).get(groupAt);
        ex.setProperty(PHASE, "connections");
        ex.setProperty(GROUP_AT, groupAt);
        ApiCall.describe(ex, "GET", "/v1/connections", "group_id=" + encode(group) + "&limit=" + pageSize
                + (cursor == null ? "" : "&cursor=" + encode(cursor)), null,
                "list the connections of Fivetran group " + group);
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean onAnswer(Exchange ex) {
        JsonNode data = Json.parse(ex.getMessage().getBody(String.class)).path("data");
        String cursor = Json.text(data, "next_cursor");
        boolean more = cursor != null && !cursor.isBlank() && data.path("items").size() > 0;
        List<String> groups = ex.getProperty(GROUPS, List.class);
        switch (ex.getProperty(PHASE, String.class)) {
            case "one" -> {
                ex.getProperty(LISTED, List.class).add(connection(ex, data));
                return false;
            }
            case "groups" -> {
                data.path("items").forEach(g -> groups.add(g.path("id").asText()));
                if (more) {
                    ApiCall.describe(ex, "GET", "/v1/groups", "limit=" + pageSize + "&cursor=" + encode(cursor), null,
                            "list the groups of a Fivetran account for the connection inventory");
                    return true;
                }
                if (groups.isEmpty()) {
                    return false;
                }
                connections(ex, 0, null);
                return true;
            }
            case "connections" -> {
                data.path("items").forEach(c -> ex.getProperty(LISTED, List.class).add(connection(ex, c)));
                int at = ex.getProperty(GROUP_AT, 0, Integer.class);
                if (more) {
                    connections(ex, at, cursor);
                    return true;
                }
                if (at + 1 < groups.size()) {
                    connections(ex, at + 1, null);
                    return true;
                }
                return false;
            }
            default -> throw new IllegalStateException("unknown phase");
        }
    }

    /** A ConnectorResponse as the inventory lists it. */
    static ListedConnection connection(Exchange ex, JsonNode c) {
        String id = c.path("id").asText();
        boolean paused = c.path("paused").asBoolean(false);
        String scheduleType = c.path("schedule_type").asText("auto");
        String schedule = "manual".equals(scheduleType) ? "manual"
                : "every " + c.path("sync_frequency").asText("?") + " min";
        return new ListedConnection("fivetran", ex.getProperty("inventoryAccount", String.class), id,
                c.path("schema").asText(id), schedule, paused, !paused && "auto".equals(scheduleType),
                lastSync(c), time(Json.text(c, "succeeded_at")),
                "https://fivetran.com/dashboard/connections/" + id + "/status");
    }

    /**
     * The last sync as a connection's answer shows it: running while {@code status.sync_state} is syncing, else the
     * later of {@code succeeded_at} and {@code failed_at} (Fivetran gives no start time nor id of a sync).
     */
    static ListedConnection.LastSync lastSync(JsonNode c) {
        Instant succeeded = time(Json.text(c, "succeeded_at"));
        Instant failed = time(Json.text(c, "failed_at"));
        if ("syncing".equals(c.path("status").path("sync_state").asText())) {
            return new ListedConnection.LastSync("running", null, null, null, null);
        }
        if (succeeded == null && failed == null) {
            return null;
        }
        boolean success = failed == null || (succeeded != null && succeeded.isAfter(failed));
        return new ListedConnection.LastSync(success ? "succeeded" : "failed", null, success ? succeeded : failed,
                null, null);
    }

    private static Instant time(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
