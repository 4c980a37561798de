package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.support.ApiCall;
import io.syncrunner.support.ApiCallException;
import io.syncrunner.support.Json;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Registers this runner's notification endpoint ({@code <airbyte.webhooks.public-url>/<airbyte.webhooks.secret>})
 * as the webhook of a workspace's failed and successful syncs (routes/airbyte-webhook.yaml, when
 * {@code airbyte.webhooks.register=true}): reads the workspace ({@code GET /workspaces/{workspaceId}}, a
 * {@code WorkspaceResponse}) and, only when its {@code notifications.success.webhook} or
 * {@code notifications.failure.webhook} is not already {@code {"enabled": true, "url": <it>}}, sends
 * {@code PATCH /workspaces/{workspaceId}} with its whole {@code NotificationsConfig}: every other setting (the
 * e-mails, the other notification kinds) as read, the two webhooks set. The URL holds the secret: it is logged as
 * {@code <public-url>/***} and never put in a URI or an error message.
 */
public final class AirbyteWebhookRegistration {
    private static final Logger LOG = LoggerFactory.getLogger(AirbyteWebhookRegistration.class);
    /** Exchange property: the workspaces to register in (a list of ids). */
    public static final String WORKSPACE_IDS = "workspaceIds";
    /** Exchange property: the workspace being registered in. */
    public static final String WORKSPACE_ID = "workspaceId";
    /** Exchange property: whether the workspace needs the PATCH (false: already registered). */
    public static final String NEEDED = "registrationNeeded";
    /** The notification kinds whose webhook this runner receives (Airbyte posts a sync's end to them). */
    static final List<String> KINDS = List.of("success", "failure");

    private final AirbyteAccounts accounts;
    private final Supplier<String> account;
    private final Supplier<String> publicUrl;
    private final Supplier<String> secret;
    private final Function<String, String> configuredWorkspace;

    /**
     * @param account             the account whose workspaces get the webhook ({@code airbyte.webhooks.account})
     * @param publicUrl           where Airbyte reaches {@code /webhooks/airbyte} ({@code airbyte.webhooks.public-url})
     * @param secret              the secret appended to it ({@code airbyte.webhooks.secret})
     * @param configuredWorkspace an account's {@code airbyte.<account>.workspace-id}, empty when not set
     */
    public AirbyteWebhookRegistration(AirbyteAccounts accounts, Supplier<String> account, Supplier<String> publicUrl,
            Supplier<String> secret, Function<String, String> configuredWorkspace) {
        this.accounts = accounts;
        this.account = account;
        this.publicUrl = publicUrl;
        this.secret = secret;
        this.configuredWorkspace = configuredWorkspace;
    }

    /**
     * Why registration cannot be turned on with these settings (one sentence), or null when it can: a public URL
     * (http or https) and a secret are needed.
     */
    public static String problem(String publicUrl, String secret) {
        if (publicUrl == null || publicUrl.isBlank()) {
            return "airbyte.webhooks.register=true needs airbyte.webhooks.public-url: the address Airbyte reaches"
                    + " this runner's /webhooks/airbyte at (e.g. https://runner.example.com/webhooks/airbyte)";
        }
        String u = publicUrl.trim();
        if (!u.startsWith("https://") && !u.startsWith("http://")) {
            return "airbyte.webhooks.public-url is not an http(s) URL: '" + Json.abbreviate(u, 100) + "'";
        }
        if (secret == null || secret.isBlank()) {
            return "airbyte.webhooks.register=true needs airbyte.webhooks.secret (the secret of the webhook's URL;"
                    + " without it the endpoint is off)";
        }
        return null;
    }

    /** The URL registered: the public URL (without trailing slashes) and the secret as its last segment. */
    static String webhookUrl(String publicUrl, String secret) {
        return stripSlashes(publicUrl) + "/" + secret;
    }

    /** The URL as it may be logged: {@code <public-url>/***}. */
    static String shown(String publicUrl) {
        return stripSlashes(publicUrl) + "/***";
    }

    private static String stripSlashes(String url) {
        return url.trim().replaceAll("/+$", "");
    }

    /**
     * The body of the {@code PATCH /workspaces/{workspaceId}} ({@code WorkspaceUpdateRequest}) that registers the
     * URL as the success and failure webhook, keeping every other setting of the current {@code NotificationsConfig};
     * empty when both webhooks are already enabled with this URL.
     *
     * @param current the workspace's {@code notifications} (missing or null: none set)
     */
    public static Optional<ObjectNode> patchBody(JsonNode current, String url) {
        ObjectNode notifications = current != null && current.isObject() ? ((ObjectNode) current).deepCopy()
                : Json.object();
        boolean changed = false;
        for (String kind : KINDS) {
            JsonNode config = notifications.get(kind);
            ObjectNode kindConfig = config != null && config.isObject() ? (ObjectNode) config : Json.object();
            JsonNode webhook = kindConfig.path("webhook");
            if (webhook.path("enabled").asBoolean(false) && url.equals(webhook.path("url").asText(null))) {
                continue;
            }
            ObjectNode set = kindConfig.putObject("webhook");
            set.put("enabled", true);
            set.put("url", url);
            notifications.set(kind, kindConfig);
            changed = true;
        }
        if (!changed) {
            return Optional.empty();
        }
        ObjectNode body = Json.object();
        body.set("notifications", notifications);
        return Optional.of(body);
    }

    /**
     * Sets the account's API properties and the workspaces to register in: the account's
     * {@code airbyte.<account>.workspace-id} when set, else none yet ({@link #workspacesRequest} lists them).
     */
    public void start(Exchange ex) {
        String name = account.get();
        AirbyteAccount a = accounts.require(name);
        ex.setProperty("account", name);
        ex.setProperty(ApiCall.BASE_URL, a.baseUrl());
        ex.setProperty(ApiCall.AUTH, a.authorizer());
        ex.setProperty(ApiCall.ERROR_HINT, a.errorHint());
        String configured = configuredWorkspace.apply(name);
        if (configured != null && !configured.isBlank()) {
            ex.setProperty(WORKSPACE_IDS, List.of(configured.trim()));
        } else {
            ex.removeProperty(WORKSPACE_IDS);
        }
    }

    /** Describes {@code GET /workspaces} (the workspaces the account's credentials see, up to 100). */
    public void workspacesRequest(Exchange ex) {
        ApiCall.describe(ex, "GET", "/workspaces", "limit=100", null,
                "list the workspaces of Airbyte account '" + ex.getProperty("account", String.class) + "'");
    }

    /** Reads the {@code WorkspacesResponse} into the property {@link #WORKSPACE_IDS}. */
    public void onWorkspaces(Exchange ex) {
        List<String> ids = new ArrayList<>();
        for (JsonNode w : Json.parse(ex.getMessage().getBody(String.class)).path("data")) {
            String id = Json.text(w, "workspaceId");
            if (id != null && !id.isBlank()) {
                ids.add(id);
            }
        }
        if (ids.isEmpty()) {
            LOG.warn("Airbyte account '{}' lists no workspace: no notification webhook was registered",
                    ex.getProperty("account", String.class));
        }
        ex.setProperty(WORKSPACE_IDS, ids);
    }

    /** The workspaces to register in, as the body (one split part each). */
    public List<String> workspaces(Exchange ex) {
        @SuppressWarnings("unchecked")
        List<String> ids = ex.getProperty(WORKSPACE_IDS, List.class);
        return ids == null ? List.of() : ids;
    }

    /** Describes {@code GET /workspaces/{workspaceId}} for the workspace in the body. */
    public void readRequest(Exchange ex) {
        String id = ex.getMessage().getBody(String.class);
        ex.setProperty(WORKSPACE_ID, id);
        try {
            java.util.UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + Json.abbreviate(id, 60) + "' is not a workspace id (a UUID)");
        }
        ApiCall.describe(ex, "GET", "/workspaces/" + id, null, null, "read Airbyte workspace " + id);
    }

    /**
     * From the {@code WorkspaceResponse} read: describes the PATCH when a webhook differs (property {@link #NEEDED}
     * true), else logs that the workspace already has it.
     */
    public void updateRequest(Exchange ex) {
        String id = ex.getProperty(WORKSPACE_ID, String.class);
        JsonNode workspace = Json.parse(ex.getMessage().getBody(String.class));
        Optional<ObjectNode> body = patchBody(workspace.get("notifications"), webhookUrl(publicUrl.get(), secret.get()));
        ex.setProperty(NEEDED, body.isPresent());
        if (body.isEmpty()) {
            LOG.info("Airbyte workspace {} already sends its sync notifications to {}: nothing changed", id,
                    shown(publicUrl.get()));
            return;
        }
        ApiCall.describe(ex, "PATCH", "/workspaces/" + id, null, Json.write(body.get()),
                "register the notification webhook in Airbyte workspace " + id);
    }

    public void onRegistered(Exchange ex) {
        LOG.info("Registered {} as the webhook of Airbyte workspace {} for failed and successful syncs",
                shown(publicUrl.get()), ex.getProperty(WORKSPACE_ID, String.class));
    }

    /**
     * One WARN for a registration that failed (the workspace, the HTTP status, the reason with the secret masked);
     * the runner goes on, its waits poll.
     */
    public void onFailed(Exchange ex) {
        Exception e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String workspace = ex.getProperty(WORKSPACE_ID, String.class);
        String status = e instanceof ApiCallException api ? "HTTP " + api.status() : "no answer";
        String reason = e == null ? "unknown" : String.valueOf(e.getMessage());
        String s = secret.get();
        if (s != null && !s.isEmpty()) {
            reason = reason.replace(s, "***");
        }
        LOG.warn("Could not register the notification webhook in Airbyte {} ({}): {}. Syncs still end by polling",
                workspace == null ? "account '" + ex.getProperty("account", String.class) + "'"
                        : "workspace " + workspace, status, reason);
        ex.setException(null);
        ex.getMessage().setBody(List.of());
    }
}
