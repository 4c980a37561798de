package io.syncrunner.inventory;

import io.syncrunner.support.Durations;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * How long a connection may go without a successful sync before it is stale: the first of
 * {@code syncrunner.freshness.<provider>.<account>.<connectionId>} (one connection),
 * {@code <provider>.<account>.freshness} (the account's default) and {@code syncrunner.freshness.default}.
 * <p>
 * A connection is stale when its last success is longer ago than its threshold, or it never succeeded. A paused
 * connection is never stale: it is not meant to sync (the listing shows it paused).
 */
public final class Freshness {
    private final Function<String, Optional<String>> properties;
    private final Duration fallback;

    /**
     * @param properties a setting's value by key (empty when unset)
     * @param fallback   the threshold when neither the connection nor its account has one
     */
    public Freshness(Function<String, Optional<String>> properties, Duration fallback) {
        this.properties = properties;
        this.fallback = fallback;
    }

    /** The connection's threshold; a value that is not a positive duration is an IllegalArgumentException. */
    public Duration threshold(String provider, String account, String connectionId) {
        String own = "syncrunner.freshness." + provider + "." + account + "." + connectionId;
        String accounts = provider + "." + account + ".freshness";
        Optional<String> v = properties.apply(own);
        if (v.isPresent() && !v.get().isBlank()) {
            return Durations.parsePositive(v.get(), own);
        }
        v = properties.apply(accounts);
        if (v.isPresent() && !v.get().isBlank()) {
            return Durations.parsePositive(v.get(), accounts);
        }
        return fallback;
    }

    /** Whether a connection with this last success is stale at {@code now}. */
    public static boolean stale(boolean paused, Instant lastSuccessAt, Duration threshold, Instant now) {
        if (paused) {
            return false;
        }
        return lastSuccessAt == null || Duration.between(lastSuccessAt, now).compareTo(threshold) > 0;
    }

    /** Whole seconds since the last success (never negative: clocks differ), null when it never succeeded. */
    public static Long secondsSince(Instant lastSuccessAt, Instant now) {
        return lastSuccessAt == null ? null : Math.max(0, Duration.between(lastSuccessAt, now).toSeconds());
    }
}
