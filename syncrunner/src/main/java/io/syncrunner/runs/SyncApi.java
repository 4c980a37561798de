package io.syncrunner.runs;

import io.syncrunner.support.Json;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The HTTP face of {@link SyncRuns} (routes/sync-api.yaml): {@code POST /api/syncs} accepts a sync request
 * (202 with its run id, or 200 with the existing run for a repeated idempotency key), {@code GET
 * /api/syncs/{runId}} shows a run, {@code GET /api/syncs} lists them. Every call needs
 * {@code Authorization: Bearer <syncrunner.api.token>}; errors are JSON {@code {"error": "..."}}. The status page
 * ({@code GET /status}, {@code GET /status/runs}) needs the same token when one is set and
 * {@code syncrunner.status-page.require-token} is true, as a bearer token or, so that a browser can open it, as the
 * password of HTTP Basic (any user name).
 */
public final class SyncApi {
    private static final Logger LOG = LoggerFactory.getLogger(SyncApi.class);

    private final SyncRuns runs;
    private final Supplier<String> token;
    private final Clock clock;
    private final boolean statusPageNeedsToken;

    private final java.util.Map<String, ProviderUi> providerUis;

    public SyncApi(SyncRuns runs, Supplier<String> token, Clock clock, boolean statusPageNeedsToken) {
        this(runs, token, clock, statusPageNeedsToken, java.util.Map.of());
    }

    /** @param providerUis per provider, the links to its own UI shown as a run's {@code uiUrl} */
    public SyncApi(SyncRuns runs, Supplier<String> token, Clock clock, boolean statusPageNeedsToken,
            java.util.Map<String, ProviderUi> providerUis) {
        this.runs = runs;
        this.token = token;
        this.clock = clock;
        this.statusPageNeedsToken = statusPageNeedsToken;
        this.providerUis = providerUis;
    }

    public static final String AUTHORIZED = "syncApiAuthorized";

    /**
     * Sets {@value #AUTHORIZED}: true if the bearer token matches (compared in constant time); otherwise the
     * answer is already a 401, and the route goes no further.
     */
    public void authorize(Exchange ex) {
        ex.setProperty(AUTHORIZED, authorized(ex));
    }

    /**
     * For the status page: sets {@value #AUTHORIZED} like {@link #authorize}, but the page is open while no token is
     * set or with {@code syncrunner.status-page.require-token=false}, and HTTP Basic with the token as password is
     * accepted too (a 401 asks a browser for it).
     */
    public void authorizeStatusPage(Exchange ex) {
        String expected = token.get();
        if (!statusPageNeedsToken || expected == null || expected.isEmpty()) {
            ex.setProperty(AUTHORIZED, true);
            return;
        }
        String header = ex.getMessage().getHeader("Authorization", String.class);
        boolean ok = matches(expected, bearer(header)) || matches(expected, basicPassword(header));
        if (!ok) {
            reply(ex, 401, error("missing or wrong token: send \"Authorization: Bearer <syncrunner.api.token>\","
                    + " or sign in with the token as password"));
            ex.getMessage().setHeader("WWW-Authenticate", "Basic realm=\"syncrunner\", charset=\"UTF-8\"");
        }
        ex.setProperty(AUTHORIZED, ok);
    }

    private static String bearer(String header) {
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
    }

    /** The password of an HTTP Basic header ("" if there is none or it is malformed). */
    private static String basicPassword(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return "";
        }
        try {
            String pair = new String(java.util.Base64.getDecoder().decode(header.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            return colon < 0 ? "" : pair.substring(colon + 1);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** Constant-time comparison; never true for an empty expected token. */
    private static boolean matches(String expected, String given) {
        return expected != null && !expected.isEmpty() && !given.isEmpty() && MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private boolean authorized(Exchange ex) {
        String expected = token.get();
        String header = ex.getMessage().getHeader("Authorization", String.class);
        boolean ok = matches(expected, bearer(header));
        if (!ok) {
            reply(ex, 401, error(expected == null || expected.isEmpty()
                    ? "the sync API is closed: set syncrunner.api.token to open it"
                    : "missing or wrong bearer token"));
            ex.getMessage().setHeader("WWW-Authenticate", "Bearer");
        }
        return ok;
    }

    /** Accepts the body as a sync request: 202 (new run), 200 (same idempotency key), 400 (invalid), 415. */
    public void accept(Exchange ex) {
        String type = ex.getMessage().getHeader(Exchange.CONTENT_TYPE, "", String.class);
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            ex.setProperty(SyncRuns.DUPLICATE, true); // nothing to run
            reply(ex, 415, error("Send the sync request as JSON with Content-Type: application/json (got '"
                    + type + "')"));
            return;
        }
        try {
            SyncRuns.Acceptance a = runs.accept(ex);
            var body = SyncRuns.describe(a.run(), clock);
            body.put("duplicate", a.duplicate());
            body.put("href", "/api/syncs/" + a.run().runId());
            reply(ex, a.duplicate() ? 200 : 202, Json.write(body));
            if (a.duplicate()) {
                LOG.info("Sync request with idempotency key already accepted as run {}: nothing started",
                        a.run().runId());
            }
        } catch (InvalidSyncRequestException e) {
            ex.setProperty(SyncRuns.DUPLICATE, true); // nothing to run
            reply(ex, 400, error(e.getMessage()));
        } catch (io.syncrunner.journal.JournalException e) {
            ex.setProperty(SyncRuns.DUPLICATE, true); // nothing recorded, nothing to run
            LOG.warn("Sync request refused, the run journal is unavailable: {}", e.getMessage());
            reply(ex, 503, error("The request was not accepted (nothing will run): the run journal is unavailable;"
                    + " send it again later"));
        }
    }

    public void get(Exchange ex) {
        String id = ex.getMessage().getHeader("runId", String.class);
        SyncRun run = id == null ? null : runs.get(id);
        if (run == null) {
            reply(ex, 404, error("No run " + id));
        } else {
            reply(ex, 200, Json.write(withUiUrl(run, SyncRuns.describe(run, clock))));
        }
    }

    public void list(Exchange ex) {
        com.fasterxml.jackson.databind.node.ArrayNode a = Json.MAPPER.createArrayNode();
        for (SyncRun run : runs.list(r -> true)) {
            a.add(withUiUrl(run, SyncRuns.describe(run, clock)));
        }
        reply(ex, 200, Json.write(a));
    }

    /** Adds the run's {@code uiUrl}: its sync in the provider's own UI (null when there is none). */
    private com.fasterxml.jackson.databind.node.ObjectNode withUiUrl(SyncRun run,
            com.fasterxml.jackson.databind.node.ObjectNode described) {
        ProviderUi ui = run.request() == null ? null : providerUis.get(run.request().provider());
        String url = null;
        if (ui != null) {
            try {
                url = ui.uiUrl(run.request().account(), run.request().target(), described.get("result"));
            } catch (RuntimeException e) {
                // an account no longer configured: the run is still shown, without a link
                LOG.debug("No provider UI link for run {}: {}", run.runId(), e.getMessage());
            }
        }
        described.put("uiUrl", url);
        return described;
    }

    private static void reply(Exchange ex, int status, String json) {
        var m = ex.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(json);
    }

    private static String error(String message) {
        return Json.write(java.util.Map.of("error", message));
    }
}
