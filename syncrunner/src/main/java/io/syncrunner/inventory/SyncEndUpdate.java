package io.syncrunner.inventory;

import io.syncrunner.runs.SyncEvents;

/**
 * Keeps the inventory up to date with this runner's own syncs, as they end: a success, failure or cancellation becomes
 * the listed connection's last sync with no request to the provider (the sync has just read it). An end that says
 * nothing sure of the provider's side (triggered and not waited for, timed out, stopped) refreshes the connection
 * from the provider instead; a skipped step changes nothing. Connections not listed yet wait for the next full
 * refresh.
 */
public final class SyncEndUpdate implements SyncEvents {
    private final ConnectionInventory inventory;

    public SyncEndUpdate(ConnectionInventory inventory) {
        this.inventory = inventory;
    }

    @Override
    public void started(Step step) {
    }

    @Override
    public void ended(Ended end) {
        Step s = end.step();
        if (s.target() == null) {
            return;
        }
        String status = switch (end.outcome()) {
            case SUCCEEDED -> "succeeded";
            case FAILED -> "failed";
            case CANCELLED -> "cancelled";
            case SKIPPED -> null;
            case TRIGGERED, TIMED_OUT, STOPPED -> "";
        };
        if (status == null) {
            return;
        }
        if (status.isEmpty()) {
            inventory.refreshIfListed(s.provider(), s.account(), s.target());
        } else {
            inventory.recordSyncEnd(s.provider(), s.account(), s.target(), status, s.startedAt(), end.at(),
                    end.syncId());
        }
    }
}
