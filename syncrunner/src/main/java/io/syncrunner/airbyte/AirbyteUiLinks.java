package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.runs.ProviderUi;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Function;

/**
 * Links to Airbyte's own web UI for a connection and its jobs. The webapp's pages are
 * {@code <webapp>/workspaces/<workspaceId>/connections/<connectionId>/timeline} (the connection's job history,
 * "Timeline" in Airbyte 1.x; "Job History", {@code .../job-history}, before), a job's entry being the fragment
 * {@code #<jobId>::0}. Sources: PyAirbyte's {@code CloudConnection.connection_url}/{@code job_history_url} and
 * {@code AirbyteConnectionError.job_url} (airbytehq/PyAirbyte, airbyte/cloud/connections.py and
 * airbyte/exceptions.py), and its {@code CloudWorkspace.workspace_url}, {@code https://cloud.airbyte.com/workspaces/
 * <workspaceId>}. The webapp is Airbyte Cloud's ({@code https://cloud.airbyte.com}) for the Cloud API
 * ({@code api.airbyte.com}); a self-managed server serves its webapp and its public API ({@code /api/public/v1}) on
 * the same scheme, host and port, so the webapp is the account's base URL without its path.
 * <p>
 * The public API's job answers name no workspace: the links need the account's {@code airbyte.<account>.workspace-id}
 * (the id in the webapp's URL, or {@code GET /workspaces}); without it a link opens the webapp's home, which opens
 * the user's default workspace.
 */
public final class AirbyteUiLinks implements ProviderUi {
    public static final String CLOUD_WEBAPP = "https://cloud.airbyte.com";

    private final Function<String, String> apiBaseOf;
    private final Function<String, String> workspaceOf;

    /**
     * @param apiBaseOf   the API base URL of an account (throws for an unknown account)
     * @param workspaceOf the workspace id set for an account, or null/empty when none is set
     */
    public AirbyteUiLinks(Function<String, String> apiBaseOf, Function<String, String> workspaceOf) {
        this.apiBaseOf = apiBaseOf;
        this.workspaceOf = workspaceOf;
    }

    @Override
    public String uiUrl(String account, String connectionId, JsonNode result) {
        String webapp = webapp(apiBaseOf.apply(account));
        String workspace = workspaceOf.apply(account);
        Long jobId = result == null || !result.path("jobId").canConvertToLong() || result.path("jobId").isNull()
                ? null : result.path("jobId").asLong();
        return connectionUrl(webapp, workspace, connectionId, jobId);
    }

    /** The webapp of an account whose API base URL is {@code apiBaseUrl}. */
    public static String webapp(String apiBaseUrl) {
        URI uri = URI.create(apiBaseUrl.trim());
        if (AirbyteUrls.CLOUD_HOST.equalsIgnoreCase(uri.getHost())) {
            return CLOUD_WEBAPP;
        }
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority().replaceFirst("^[^@]*@", "");
    }

    /**
     * The connection's timeline (its job's entry when {@code jobId} is not null) in the webapp; the webapp's home
     * when no workspace is known.
     */
    public static String connectionUrl(String webapp, String workspaceId, String connectionId, Long jobId) {
        if (workspaceId == null || workspaceId.isBlank()) {
            return webapp + "/";
        }
        String url = webapp + "/workspaces/" + segment(workspaceId.trim()) + "/connections/" + segment(connectionId)
                + "/timeline";
        return jobId == null ? url : url + "#" + jobId + "::0";
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
