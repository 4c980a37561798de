package io.syncrunner.devtools.emulator;

import java.time.Instant;

/**
 * One webhook POST made by the Fivetran emulator.
 *
 * @param at          when it was sent
 * @param webhookId   the webhook's id
 * @param url         target URL
 * @param event       event name, e.g. {@code sync_end}
 * @param connectorId connector the event is about
 * @param syncId      the run's sync_id
 * @param body        the exact body bytes sent, as UTF-8 text
 * @param signature   the {@code X-Fivetran-Signature-256} header sent (upper-case hex), or null without a secret
 * @param status      HTTP status the receiver answered, or -1 if the request failed
 * @param error       the failure (exception text) when status is -1, else null
 */
public record WebhookDelivery(Instant at, String webhookId, String url, String event, String connectorId,
                              String syncId, String body, String signature, int status, String error) {

    /** Whether the receiver answered 2xx. */
    public boolean successful() {
        return status >= 200 && status < 300;
    }
}
