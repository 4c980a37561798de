package io.syncrunner.support;

import java.time.Duration;

/**
 * A shared request budget, e.g. one Fivetran account's requests per hour: at most {@code limit} requests in
 * any window of {@code window} (generic cell rate algorithm). Nothing blocks: {@link #reserve} answers when
 * the reserved request may be sent, and a waiting sync simply polls later, so many concurrent waits slow
 * their polls down instead of running into 429s.
 */
public final class RequestBudget {
    private final long intervalMillis;
    private final long toleranceMillis;
    private long theoreticalArrival;

    public RequestBudget(int limit, Duration window) {
        if (limit <= 0) {
            throw new IllegalArgumentException("a request budget needs a positive limit, not " + limit);
        }
        this.intervalMillis = Math.max(1, window.toMillis() / limit);
        this.toleranceMillis = window.toMillis() - intervalMillis;
    }

    /** Reserves one request wanted at {@code wantedAtMillis}; returns when it may be sent (never earlier). */
    public synchronized long reserve(long wantedAtMillis) {
        long tat = Math.max(theoreticalArrival, wantedAtMillis);
        long allowedAt = Math.max(wantedAtMillis, tat - toleranceMillis);
        theoreticalArrival = Math.max(theoreticalArrival, allowedAt) + intervalMillis;
        return allowedAt;
    }
}
