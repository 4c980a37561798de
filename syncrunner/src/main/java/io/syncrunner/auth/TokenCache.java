package io.syncrunner.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Access tokens per (token URL, client id). A token is reused until shortly before it expires; at most one
 * fetch per key runs at a time, the other callers wait for its result. A token the API refused (401) is
 * dropped once, so the next caller fetches a new one; a stale refusal of an already replaced token is ignored.
 */
public final class TokenCache {

    /** What identifies a token: where it comes from and for which client. */
    public record Key(String tokenUrl, String clientId) {
    }

    private static final class Slot {
        private volatile AccessToken token;
    }

    private final ConcurrentMap<Key, Slot> slots = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration refreshMargin;
    private final AtomicLong fetches = new AtomicLong();

    public TokenCache(Clock clock, Duration refreshMargin) {
        this.clock = clock;
        this.refreshMargin = refreshMargin;
    }

    public TokenCache() {
        this(Clock.systemUTC(), Duration.ofSeconds(60));
    }

    /** The cached token for the key, or a new one from {@code fetcher} if there is none usable. */
    public AccessToken get(Key key, Supplier<AccessToken> fetcher) {
        Slot slot = slots.computeIfAbsent(key, k -> new Slot());
        AccessToken current = slot.token;
        if (current != null && current.usableAt(clock.instant(), refreshMargin)) {
            return current;
        }
        synchronized (slot) {
            current = slot.token;
            if (current != null && current.usableAt(clock.instant(), refreshMargin)) {
                return current;
            }
            AccessToken fresh = fetcher.get();
            fetches.incrementAndGet();
            slot.token = fresh;
            return fresh;
        }
    }

    /** Forgets the token if it is still the cached one for the key. */
    public void invalidate(Key key, String rejectedTokenValue) {
        Slot slot = slots.get(key);
        if (slot == null) {
            return;
        }
        synchronized (slot) {
            AccessToken current = slot.token;
            if (current != null && current.value().equals(rejectedTokenValue)) {
                slot.token = null;
            }
        }
    }

    /** Forgets every token (credentials changed). */
    public void clear() {
        slots.clear();
    }

    /** How many tokens were fetched since start. */
    public long fetchCount() {
        return fetches.get();
    }
}
