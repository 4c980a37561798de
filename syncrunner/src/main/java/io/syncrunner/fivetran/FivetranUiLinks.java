package io.syncrunner.fivetran;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.runs.ProviderUi;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Links to Fivetran's dashboard for a connection (connector). Fivetran is a hosted service only, so the dashboard
 * is the same for every account, whatever API base URL the account uses: a connection's page is
 * {@code https://fivetran.com/dashboard/connectors/<connection id>/status} (its Status tab, with the sync history;
 * the Connectors section of the dashboard: fivetran.com/docs/using-fivetran/fivetran-dashboard/connectors). The
 * same URL is what Dagster's Fivetran integration ({@code FivetranConnector.url}, dagster-fivetran) and DataHub's
 * Fivetran source link to. A sync has no page of its own.
 */
public final class FivetranUiLinks implements ProviderUi {
    public static final String DASHBOARD = "https://fivetran.com/dashboard/connectors/";

    @Override
    public String uiUrl(String account, String connectorId, JsonNode result) {
        return connectionUrl(connectorId);
    }

    /** The connection's status page in Fivetran's dashboard. */
    public static String connectionUrl(String connectorId) {
        return DASHBOARD + URLEncoder.encode(connectorId, StandardCharsets.UTF_8).replace("+", "%20") + "/status";
    }
}
