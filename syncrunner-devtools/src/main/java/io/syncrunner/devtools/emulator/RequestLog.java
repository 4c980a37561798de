package io.syncrunner.devtools.emulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Thread-safe log of the requests the emulator saw. Totals are kept exactly even when the retained list is
 * capped by {@code maxEntries} (oldest entries are then evicted).
 */
public final class RequestLog {

    private final ConcurrentLinkedQueue<RecordedRequest> entries = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int maxEntries;
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong tokenRequests = new AtomicLong();
    private final AtomicLong triggers = new AtomicLong();

    /** Creates a log keeping at most {@code maxEntries} entries (use Integer.MAX_VALUE for unbounded). */
    public RequestLog(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be >= 1");
        }
        this.maxEntries = maxEntries;
    }

    /** Appends a request. */
    public void add(RecordedRequest request) {
        Objects.requireNonNull(request, "request");
        entries.add(request);
        total.incrementAndGet();
        if (request.isTokenRequest()) {
            tokenRequests.incrementAndGet();
        }
        if (request.isTrigger()) {
            triggers.incrementAndGet();
        }
        if (size.incrementAndGet() > maxEntries) {
            if (entries.poll() != null) {
                size.decrementAndGet();
            }
        }
    }

    /** A snapshot of the retained requests, oldest first. */
    public List<RecordedRequest> snapshot() {
        return new ArrayList<>(entries);
    }

    /** Number of retained requests whose method matches ({@code "*"} = any) and whose path or apiPath fully matches the regex. */
    public long count(String method, String pathRegex) {
        Pattern p = Pattern.compile(pathRegex);
        return entries.stream()
                .filter(r -> "*".equals(method) || r.method().equalsIgnoreCase(method))
                .filter(r -> p.matcher(r.apiPath()).matches() || p.matcher(r.path()).matches())
                .count();
    }

    /** Number of retained trigger requests ({@link RecordedRequest#isTrigger()}) for the given connection (faulted ones included). */
    public long triggerCount(String connectionId) {
        return entries.stream()
                .filter(RecordedRequest::isTrigger)
                .filter(r -> connectionId.equals(r.connectionId()))
                .count();
    }

    /** Total requests recorded since creation or the last {@link #clear()} (not affected by eviction). */
    public long total() {
        return total.get();
    }

    /** Total token-endpoint requests recorded since creation or the last {@link #clear()}. */
    public long tokenRequests() {
        return tokenRequests.get();
    }

    /** Total trigger requests recorded since creation or the last {@link #clear()}. */
    public long triggers() {
        return triggers.get();
    }

    /** Removes all entries and resets the totals. */
    public void clear() {
        while (entries.poll() != null) {
            size.decrementAndGet();
        }
        total.set(0);
        tokenRequests.set(0);
        triggers.set(0);
    }
}
