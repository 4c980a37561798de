package io.syncrunner.runs;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where a person sees a run's sync in the provider's own web UI: each provider builds its link (in its package),
 * the runs API shows it as the run's {@code uiUrl} and the status page links to it.
 */
public interface ProviderUi {
    /**
     * The provider UI's page of the run's connection (and of its job, when the provider has one per job), or null
     * when it cannot be told (an unknown account).
     *
     * @param account the run's account
     * @param target  the run's connection (or connector) id
     * @param result  the run's result JSON (a job id, ...), or null when it has none yet
     */
    String uiUrl(String account, String target, JsonNode result);
}
