package io.syncrunner.devtools.emulator;

import java.time.Instant;
import java.util.Optional;

/**
 * A point-in-time view of one emulated Fivetran sync run.
 *
 * @param syncId      the run's id (also {@code sync_id} in its webhook event)
 * @param connectorId the connector it belongs to
 * @param historical  whether it is a historical re-sync ({@code POST .../resync} or {@code is_historical_sync})
 * @param startedAt   when it started
 * @param endedAt     when it ended, or null while it is running
 * @param outcome     {@code running}, {@code succeeded}, {@code failed} or {@code restarted} (stopped by a forced
 *                    sync; sets neither succeeded_at nor failed_at and sends no webhook)
 * @param syncState   the connector's sync_state during this run at the time of the snapshot ({@code syncing},
 *                    {@code scheduled} or {@code rescheduled}), or null once it ended
 */
public record FivetranSyncRun(String syncId, String connectorId, boolean historical, Instant startedAt,
                              Instant endedAt, String outcome, String syncState) {

    /** Whether the run has ended. */
    public boolean ended() {
        return endedAt != null;
    }

    /** The end instant, or empty while running. */
    public Optional<Instant> end() {
        return Optional.ofNullable(endedAt);
    }
}
