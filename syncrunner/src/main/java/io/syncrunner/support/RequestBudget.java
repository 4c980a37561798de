package io.syncrunner.support;

import java.time.Duration;

/**
 * A shared request budget, e.g. one Fivetran account's requests per hour: requests are paced at
 * {@code window / limit} apart, so no window of that length ever holds more than {@code limit} of them.
 * Nothing blocks: {@link #reserve} answers when the reserved request may be sent, and a waiting sync simply
 * polls later, so many concurrent waits slow their polls down instead of running into 429s.
 */
public final class RequestBudget {
    private final long intervalMillis;
    private long nextFree = Long.MIN_VALUE;

    public RequestBudget(int limit, Duration window) {
        if (limit <= 0) {
            throw new IllegalArgumentException("a request budget needs a positive limit, not " + limit);
        }
        this.intervalMillis = Math.max(1, (window.toMillis() + limit - 1) / limit);
    }

    /** Reserves one request wanted at {@code wantedAtMillis}; returns when it may be sent (never earlier). */
    public synchronized long reserve(long wantedAtMillis) {
        long allowedAt = nextFree == Long.MIN_VALUE ? wantedAtMillis : Math.max(wantedAtMillis, nextFree);
        nextFree = allowedAt + intervalMillis;
        return allowedAt;
    }
}
