package io.syncrunner.support;

import java.time.Duration;
import java.util.TreeSet;

/**
 * A shared request budget, e.g. one Fivetran account's requests per hour: requests are paced at
 * {@code window / limit} apart, so no window of that length ever holds more than {@code limit} of them.
 * Nothing blocks: {@link #reserve} answers when the reserved request may be sent, and a waiting sync simply
 * polls later, so many concurrent waits slow their polls down instead of running into 429s.
 * <p>
 * Each reservation holds a slot of its own (slots are at least {@code window / limit} apart). A request wanted
 * earlier than a slot reserved for later takes the earliest free time, before that slot if it fits there: a poll
 * planned for in a few seconds never delays a request that is due now. A sync that plans its next poll anew (or
 * sends it early) gives back the slot it no longer needs with {@link #replace}.
 */
public final class RequestBudget {
    private final long intervalMillis;
    private final long windowMillis;
    private final TreeSet<Long> slots = new TreeSet<>();

    public RequestBudget(int limit, Duration window) {
        if (limit <= 0) {
            throw new IllegalArgumentException("a request budget needs a positive limit, not " + limit);
        }
        this.intervalMillis = Math.max(1, (window.toMillis() + limit - 1) / limit);
        this.windowMillis = Math.max(window.toMillis(), intervalMillis);
    }

    /** Reserves one request wanted at {@code wantedAtMillis}; returns when it may be sent (never earlier). */
    public synchronized long reserve(long wantedAtMillis) {
        // long past (two windows before the wish): they pace nothing any more. Exact as long as no wish is more than a
        // window ahead of another one's (polls are planned at most a poll interval ahead)
        slots.headSet(wantedAtMillis - 2 * windowMillis).clear();
        long at = wantedAtMillis;
        for (Long slot : slots.tailSet(at - intervalMillis, false)) {
            if (slot >= at + intervalMillis) {
                break; // the gap before this slot holds the request
            }
            at = slot + intervalMillis;
        }
        slots.add(at);
        return at;
    }

    /**
     * Gives back the slot {@code previous} (an earlier answer of {@link #reserve}, null for none) and reserves one
     * wanted at {@code wantedAtMillis} instead, in one step.
     */
    public synchronized long replace(Long previous, long wantedAtMillis) {
        if (previous != null) {
            slots.remove(previous);
        }
        return reserve(wantedAtMillis);
    }
}
