package io.syncrunner.inventory;

import java.time.Instant;

/**
 * One connection as its provider lists it (a lister's answer): no judgement of freshness, nor of who started its
 * last sync (the inventory adds both).
 *
 * @param schedule          the provider's schedule in words ("manual", "cron 0 0 * * * ?", "every 360 min")
 * @param providerSchedules whether the provider's own scheduler starts its syncs (not paused, not manual)
 * @param lastSync          its latest sync (null when it never ran)
 * @param lastSuccessAt     when its latest successful sync ended (null: never)
 */
public record ListedConnection(String provider, String account, String connectionId, String name, String schedule,
        boolean paused, boolean providerSchedules, LastSync lastSync, Instant lastSuccessAt, String uiUrl) {

    /**
     * @param status  succeeded, failed, running, cancelled or unknown
     * @param jobId   the provider's number of the sync (Airbyte's job id), null when it has none
     * @param syncId  the provider's id of the sync when it is not a number, else null
     */
    public record LastSync(String status, Instant startedAt, Instant endedAt, Long jobId, String syncId) {
    }

    public String key() {
        return provider + "/" + account + "/" + connectionId;
    }

    public ListedConnection withLastSync(LastSync sync, Instant success) {
        return new ListedConnection(provider, account, connectionId, name, schedule, paused, providerSchedules, sync,
                success, uiUrl);
    }
}
