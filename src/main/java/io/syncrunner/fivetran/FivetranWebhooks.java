package io.syncrunner.fivetran;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.support.ApiCall;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncWaiter;
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
    private final SyncWaiter waiter;
    private final FivetranAccounts accounts;

    /** @param secret read per request, so a rotated secret applies at once */
    public FivetranWebhooks(Supplier<String> secret, SyncWaiter waiter, FivetranAccounts accounts) {
        this.secret = secret;
        this.waiter = waiter;
        this.accounts = accounts;
    }

    public void receive(Exchange ex) {
        byte[] body = ex.getMessage().getBody(byte[].class);
        String signature = ex.getMessage().getHeader(WebhookSignature.HEADER, String.class);
        ex.getMessage().getHeaders().clear();
        ex.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (!WebhookSignature.verify(body, signature, secret.get())) {
            LOG.warn("Rejected a Fivetran webhook: {} signature", signature == null ? "missing" : "wrong");
            ex.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 401);
            ex.getMessage().setBody("{\"error\":\"invalid or missing X-Fivetran-Signature-256\"}");
            return;
        }
        JsonNode event;
        try {
            event = Json.parse(new String(body, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            ex.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
            ex.getMessage().setBody("{\"error\":\"the body is not JSON\"}");
            return;
        }
        String type = Json.text(event, "event");
        String connector = Json.text(event, "connector_id");
        int woken = 0;
        if ("sync_end".equals(type) && connector != null) {
            woken = waiter.signal(FivetranSyncs.wakeKey(connector), event);
        }
        LOG.info("Fivetran webhook {} for connector {} ({}): woke {} waiting sync(s)", type, connector,
                Json.text(event.path("data"), "status"), woken);
        ex.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        ex.getMessage().setBody("{\"received\":true,\"woke\":" + woken + "}");
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
