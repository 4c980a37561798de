package io.syncrunner.support;

import com.fasterxml.jackson.databind.JsonNode;

/** Where a received provider event that ends waits goes: this runner's waiter, and in a cluster every runner's. */
@FunctionalInterface
public interface WakeSignals {
    /**
     * @param eventId the event's own id (the same for every delivery of it)
     * @return how many waiting syncs of this runner it woke, or -1 for a duplicate delivery (nothing woken)
     */
    int publish(String key, String eventId, JsonNode event);

    /** This runner only: the event wakes the syncs waiting in this process. */
    static WakeSignals local(SyncWaiter waiter) {
        return (key, eventId, event) -> waiter.signal(key, event);
    }
}
