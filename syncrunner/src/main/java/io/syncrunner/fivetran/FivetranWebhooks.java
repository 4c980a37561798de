package io.syncrunner.fivetran;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.support.ApiCall;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncWaiter;
import io.syncrunner.support.WakeSignals;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Receives Fivetran webhooks ({@code POST /webhooks/fivetran}, routes/fivetran-webhook.yaml): verifies the
 * signature before anything else (401 and nothing processed on a bad or missing one), then wakes the syncs
 * waiting for the connector of a {@code sync_end} event. Also describes the registration of the webhook.
 */
public final class FivetranWebhooks {
    private static final Logger LOG = LoggerFactory.getLogger(FivetranWebhooks.class);

    private final Supplier<String> secret;
    private final WakeSignals signals;
    private final FivetranAccounts accounts;

    /** @param secret read per request, so a rotated secret applies at once */
    public FivetranWebhooks(Supplier<String> secret, SyncWaiter waiter, FivetranAccounts accounts) {
        this(secret, WakeSignals.local(waiter), accounts);
    }

    /**
     * @param signals where a sync_end goes: this runner's waiting syncs, and with a shared journal every runner's
     *                (recorded once per event, so a duplicate delivery wakes nothing again)
     */
    public FivetranWebhooks(Supplier<String> secret, WakeSignals signals, FivetranAccounts accounts) {
        this.secret = secret;
        this.signals = signals;
        this.accounts = accounts;
    }

    /** Told the id of each connector a signed sync_end event names (e.g. the connection inventory refreshes it). */
    private volatile java.util.function.Consumer<String> changed = id -> { };

    public void onConnectorChanged(java.util.function.Consumer<String> listener) {
        this.changed = listener;
    }

    public void receive(Exchange ex) {
        byte[] body = ex.getMessage().getBody(byte[].class);
        String signature = ex.getMessage().getHeader(WebhookSignature.HEADER, String.class);
        ex.getMessage().getHeaders().clear();
        ex.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (!WebhookSignature.verify(body, signature, secret.get())) {
            LOG.warn("Rejected a Fivetran webhook: {} signature", signature == null ? "missing" : "wrong");
            ex.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 401);
            ex.getMessage().setBody(Json.write(java.util.Map.of("error", signature == null
                    ? "missing " + WebhookSignature.HEADER + " header"
                    : WebhookSignature.HEADER + " does not match the body: nothing was processed")));
            return;
        }
        String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        JsonNode event;
        try {
            event = text.isBlank() ? null : Json.parse(text);
        } catch (IllegalArgumentException e) {
            refuse(ex, "the body is not JSON");
            return;
        }
        if (event == null || !event.isObject()) {
            refuse(ex, text.isBlank() ? "the body is empty" : "the body is not a JSON object (a Fivetran event)");
            return;
        }
        JsonNode typeNode = event.get("event");
        if (typeNode == null || !typeNode.isTextual() || typeNode.asText().isBlank()) {
            refuse(ex, "the event has no 'event' name (such as sync_end)");
            return;
        }
        String type = typeNode.asText();
        if (!"sync_end".equals(type)) {
            ignore(ex, "event '" + Json.abbreviate(type, 60) + "' is not handled: only sync_end ends a wait");
            return;
        }
        JsonNode connectorNode = event.get("connector_id");
        if (connectorNode == null || !connectorNode.isTextual() || connectorNode.asText().isBlank()) {
            refuse(ex, "the sync_end event has no connector_id (a string): no sync can be ended by it");
            return;
        }
        String connector = connectorNode.asText();
        String status = Json.text(event.path("data"), "status");
        if (status == null || status.isBlank()) {
            refuse(ex, "the sync_end event of connector " + Json.abbreviate(connector, 60) + " has no data.status:"
                    + " no sync is ended by it, waiting syncs keep polling");
            return;
        }
        if (!ENDINGS.contains(status.toUpperCase(java.util.Locale.ROOT))) {
            // e.g. RESCHEDULED (the sync is not over) or a status this runner does not know: the poll decides
            ignore(ex, "sync_end status '" + Json.abbreviate(status, 60) + "' of connector "
                    + Json.abbreviate(connector, 60) + " is not one of " + ENDINGS
                    + ": no sync is ended by it, waiting syncs keep polling");
            return;
        }
        String eventId = eventId(event, body);
        changed.accept(connector);
        int woken = signals.publish(FivetranSyncs.wakeKey(connector), eventId, event);
        if (woken < 0) {
            ignore(ex, "sync_end " + Json.abbreviate(eventId, 80) + " of connector " + Json.abbreviate(connector, 60)
                    + " was received before (a repeated delivery): nothing is woken again");
            return;
        }
        LOG.info("Fivetran webhook {} for connector {} ({}): woke {} waiting sync(s)", type, connector, status, woken);
        ex.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        ex.getMessage().setBody("{\"received\":true,\"woke\":" + woken + "}");
    }

    /**
     * The event's own id, the same in every delivery of it: its {@code sync_id}, else its {@code created} time, else
     * a digest of the body.
     */
    static String eventId(JsonNode event, byte[] body) {
        String syncId = Json.text(event, "sync_id");
        if (syncId != null && !syncId.isBlank()) {
            return "sync:" + Json.abbreviate(syncId, 150);
        }
        String created = Json.text(event, "created");
        if (created != null && !created.isBlank()) {
            return "created:" + Json.abbreviate(created, 100);
        }
        try {
            return "sha256:" + java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(body));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The sync_end statuses that say how a sync ended (those {@link FivetranSyncs#onWebhook} completes a wait with). */
    private static final java.util.List<String> ENDINGS = java.util.List.of("SUCCESSFUL", "FAILURE",
            "FAILURE_WITH_TASK");

    /** 400: a signed request that is not a usable event; nothing changes. */
    private static void refuse(Exchange ex, String why) {
        LOG.warn("Refused a Fivetran webhook: {}", why);
        ex.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
        ex.getMessage().setBody(Json.write(java.util.Map.of("error", why)));
    }

    /** 200 (Fivetran need not send it again): a valid event that changes nothing. */
    private static void ignore(Exchange ex, String why) {
        LOG.info("Ignored a Fivetran webhook: {}", why);
        ex.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        ex.getMessage().setBody(Json.write(java.util.Map.of("received", true, "woke", 0, "ignored", why)));
    }

    /** Describes {@code POST /v1/webhooks/group/{groupId}} for the account in property {@code account}. */
    public void registrationRequest(Exchange ex) {
        String account = ex.getProperty("account", String.class);
        FivetranAccounts.Account a = accounts.require(account);
        String url = ex.getProperty("webhookUrl", String.class);
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("No webhook URL: set fivetran.webhooks.public-url to the address"
                    + " Fivetran can reach this runner at (ending in /webhooks/fivetran)");
        }
        ObjectNode body = Json.object();
        body.put("url", url);
        body.putArray("events").add("sync_end");
        body.put("active", true);
        body.put("secret", secret.get());
        ex.setProperty(ApiCall.BASE_URL, a.baseUrl());
        ex.setProperty(ApiCall.AUTH, a.authorizer());
        ex.setProperty(ApiCall.ACCEPT, "application/json;version=2");
        ex.removeProperty(ApiCall.ERROR_HINT); // another provider's step earlier in the same exchange may have set one
        ApiCall.describe(ex, "POST", "/v1/webhooks/group/" + accounts.groupId(account), null, Json.write(body),
                "register the sync_end webhook of Fivetran account '" + account + "'");
    }

    public void onRegistered(Exchange ex) {
        JsonNode answer = Json.parse(ex.getMessage().getBody(String.class));
        LOG.info("Registered Fivetran webhook {} for group {} -> {}", Json.text(answer.path("data"), "id"),
                Json.text(answer.path("data"), "group_id"), Json.text(answer.path("data"), "url"));
        ex.getMessage().setBody(Json.write(answer.path("data")));
    }
}
