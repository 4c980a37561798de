package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.auth.AccountDiscovery;
import io.syncrunner.inventory.ConnectionLister;
import io.syncrunner.inventory.ListedConnection;
import io.syncrunner.support.ApiCall;
import io.syncrunner.support.Json;
import io.syncrunner.support.RequestBudget;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Lists an Airbyte account's connections for the inventory through the public API: {@code GET /workspaces} (every
 * workspace the credentials see), {@code GET /connections?workspaceIds=...} (both paged by {@code limit} and
 * {@code offset} while the answer has a {@code next}), then per connection its latest sync job
 * ({@code GET /jobs?connectionId=&jobType=sync&limit=1&orderBy=createdAt|DESC}) and, when that one did not succeed,
 * its latest successful one ({@code &status=succeeded}). One connection: {@code GET /connections/{id}}, then its jobs.
 * Airbyte accounts have no request budget: the listing's requests go out one after the other.
 */
public final class AirbyteConnectionsLister implements ConnectionLister {
    private static final String PHASE = "airbyteInventoryPhase";
    private static final String OFFSET = "airbyteInventoryOffset";
    private static final String WORKSPACES = "airbyteInventoryWorkspaces";
    private static final String PENDING = "airbyteInventoryPending";
    private static final String CURRENT = "airbyteInventoryCurrent";
    private static final String BASE = "airbyteInventoryBase";

    private final CamelContext context;
    private final AirbyteAccounts accounts;
    private final int pageSize;

    public AirbyteConnectionsLister(CamelContext context, AirbyteAccounts accounts, int pageSize) {
        this.context = context;
        this.accounts = accounts;
        this.pageSize = Math.max(1, Math.min(100, pageSize));
    }

    @Override
    public String provider() {
        return "airbyte";
    }

    @Override
    public Collection<String> accounts() {
        return AccountDiscovery.accounts(context, AirbyteAccountProbe.DEFINING_KEY);
    }

    @Override
    public RequestBudget budget(String account) {
        return null;
    }

    @Override
    public void begin(Exchange ex, String accountName, String connectionId) {
        AirbyteAccount account = accounts.require(accountName);
        ex.setProperty(ApiCall.BASE_URL, account.baseUrl());
        ex.setProperty(ApiCall.AUTH, account.authorizer());
        ex.setProperty(ApiCall.ERROR_HINT, account.errorHint());
        ex.removeProperty(ApiCall.ACCEPT);
        ex.setProperty(BASE, account.baseUrl());
        ex.setProperty(PENDING, new ArrayDeque<ListedConnection>());
        if (connectionId != null) {
            ex.setProperty(PHASE, "one");
            ApiCall.describe(ex, "GET", "/connections/" + connectionId, null, null,
                    "read connection " + connectionId + " for the connection inventory");
            return;
        }
        ex.setProperty(PHASE, "workspaces");
        ex.setProperty(WORKSPACES, new ArrayList<String>());
        workspaces(ex, 0);
    }

    private void workspaces(Exchange ex, int offset) {
        ex.setProperty(OFFSET, offset);
        ApiCall.describe(ex, "GET", "/workspaces", "limit=" + pageSize + "&offset=" + offset, null,
                "list the workspaces of an Airbyte account for the connection inventory");
    }

    @SuppressWarnings("unchecked")
    private void connections(Exchange ex, int offset) {
        ex.setProperty(OFFSET, offset);
        String ids = ((List<String>) ex.getProperty(WORKSPACES, List.class)).stream().map(w -> "workspaceIds=" + w)
                .collect(Collectors.joining("&"));
        ApiCall.describe(ex, "GET", "/connections", ids + "&limit=" + pageSize + "&offset=" + offset, null,
                "list the connections of Airbyte workspaces");
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean onAnswer(Exchange ex) {
        JsonNode answer = Json.parse(ex.getMessage().getBody(String.class));
        String phase = ex.getProperty(PHASE, String.class);
        int offset = ex.getProperty(OFFSET, 0, Integer.class);
        Deque<ListedConnection> pending = ex.getProperty(PENDING, Deque.class);
        switch (phase) {
            case "workspaces" -> {
                List<String> ids = ex.getProperty(WORKSPACES, List.class);
                answer.path("data").forEach(w -> ids.add(w.path("workspaceId").asText()));
                if (hasNext(answer)) {
                    workspaces(ex, offset + pageSize);
                    return true;
                }
                if (ids.isEmpty()) {
                    return false;
                }
                ex.setProperty(PHASE, "connections");
                connections(ex, 0);
                return true;
            }
            case "connections", "one" -> {
                if ("one".equals(phase)) {
                    pending.add(connection(ex, answer));
                } else {
                    answer.path("data").forEach(c -> pending.add(connection(ex, c)));
                    if (hasNext(answer)) {
                        connections(ex, offset + pageSize);
                        return true;
                    }
                }
                return nextJob(ex, pending);
            }
            case "job" -> {
                ListedConnection c = ex.getProperty(CURRENT, ListedConnection.class);
                JsonNode job = answer.path("data").path(0);
                if (job.isMissingNode()) {
                    done(ex, c);
                    return nextJob(ex, pending);
                }
                ListedConnection.LastSync last = lastSync(job);
                c = c.withLastSync(last, "succeeded".equals(last.status()) ? last.endedAt() : null);
                if ("succeeded".equals(last.status())) {
                    done(ex, c);
                    return nextJob(ex, pending);
                }
                ex.setProperty(CURRENT, c);
                ex.setProperty(PHASE, "success");
                ApiCall.describe(ex, "GET", "/jobs", "connectionId=" + c.connectionId()
                        + "&jobType=sync&status=succeeded&limit=1&orderBy=createdAt%7CDESC", null,
                        "read the latest successful sync of connection " + c.connectionId());
                return true;
            }
            case "success" -> {
                ListedConnection c = ex.getProperty(CURRENT, ListedConnection.class);
                JsonNode job = answer.path("data").path(0);
                done(ex, job.isMissingNode() ? c : c.withLastSync(c.lastSync(), lastSync(job).endedAt()));
                return nextJob(ex, pending);
            }
            default -> throw new IllegalStateException("unknown phase " + phase);
        }
    }

    private static boolean hasNext(JsonNode answer) {
        return answer.hasNonNull("next") && !answer.get("next").asText().isBlank() && answer.path("data").size() > 0;
    }

    private boolean nextJob(Exchange ex, Deque<ListedConnection> pending) {
        ListedConnection c = pending.poll();
        if (c == null) {
            return false;
        }
        ex.setProperty(CURRENT, c);
        ex.setProperty(PHASE, "job");
        ApiCall.describe(ex, "GET", "/jobs", "connectionId=" + c.connectionId()
                + "&jobType=sync&limit=1&orderBy=createdAt%7CDESC", null,
                "read the latest sync of connection " + c.connectionId());
        return true;
    }

    @SuppressWarnings("unchecked")
    private static void done(Exchange ex, ListedConnection c) {
        ex.getProperty(LISTED, List.class).add(c);
    }

    private ListedConnection connection(Exchange ex, JsonNode c) {
        String id = c.path("connectionId").asText();
        JsonNode schedule = c.path("schedule");
        String type = schedule.path("scheduleType").asText("manual");
        String words = switch (type) {
            case "cron" -> "cron " + schedule.path("cronExpression").asText("");
            case "basic" -> "basic " + schedule.path("basicTiming").asText("");
            default -> type;
        };
        boolean paused = !"active".equals(c.path("status").asText("active"));
        return new ListedConnection("airbyte", ex.getProperty("inventoryAccount", String.class), id,
                c.path("name").asText(id), words.trim(), paused, !paused && !"manual".equals(type), null, null,
                uiUrl(ex.getProperty(BASE, String.class), c.path("workspaceId").asText(""), id));
    }

    /** A JobResponse: status as the inventory says it, start and (when over) end, the job id. */
    static ListedConnection.LastSync lastSync(JsonNode job) {
        String status = job.path("status").asText("").toLowerCase(Locale.ROOT);
        String generic = switch (status) {
            case "succeeded", "failed", "cancelled" -> status;
            case "pending", "running", "incomplete" -> "running";
            default -> "unknown";
        };
        boolean over = !"running".equals(generic);
        return new ListedConnection.LastSync(generic, time(Json.text(job, "startTime")),
                over ? time(Json.text(job, "lastUpdatedAt")) : null,
                job.path("jobId").canConvertToLong() ? job.path("jobId").asLong() : null, null);
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

    /** Where the connection is in Airbyte's web app: Airbyte Cloud for its API, else the API's host. */
    static String uiUrl(String apiBase, String workspaceId, String connectionId) {
        try {
            URI u = URI.create(apiBase);
            String app = "api.airbyte.com".equals(u.getHost()) ? "https://cloud.airbyte.com"
                    : u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
            return app + "/workspaces/" + workspaceId + "/connections/" + connectionId + "/status";
        } catch (RuntimeException e) {
            return null;
        }
    }
}
