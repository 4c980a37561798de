package io.syncrunner.fivetran;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fivetran's sync history, {@code GET /v1/connections/{id}/sync-history?start_time=&end_time=&cursor=&limit=}
 * (fivetran.com/docs/rest-api/api-reference/connections/retrieve-connection-sync-history; the copied OpenAPI
 * definition does not define it yet): ISO-8601 times, a window of at most 7 days, start defaulting to end minus one
 * hour, pages of {@code data.items} with {@code data.next_cursor} while more follow. A record carries the sync's
 * {@code sync_id}, {@code start_time}, {@code end_time} (null while it runs), {@code status} and {@code reason}.
 * <p>
 * The trigger answers no id: the sync a trigger started is the first one that started after the trigger was sent,
 * compared as {@link Instant}s at full precision (a sync that started at the very instant the trigger was sent, or
 * before, is not it). The records may come in any order and over several pages.
 */
public final class FivetranSyncHistory {
    /** The widest window the endpoint accepts. */
    public static final Duration MAX_WINDOW = Duration.ofDays(7);
    /** Records asked for per page. */
    public static final int PAGE_LIMIT = 100;

    /** How a record says its sync stands. */
    public enum Outcome { RUNNING, SUCCEEDED, FAILED, ENDED_OTHERWISE }

    /** One sync of the history. */
    public record Entry(String syncId, Instant start, Instant end, String status, String reason) {
        /** Where the sync stands: no end yet is running, whatever its status says. */
        public Outcome outcome() {
            if (end == null) {
                return Outcome.RUNNING;
            }
            String s = status == null ? "" : status.trim().toLowerCase(Locale.ROOT);
            return switch (s) {
                case "succeeded", "successful", "success" -> Outcome.SUCCEEDED;
                case "failed", "failure", "failure_with_task" -> Outcome.FAILED;
                default -> Outcome.ENDED_OTHERWISE;
            };
        }

        public boolean ended() {
            return end != null;
        }
    }

    /** One page of the answer: its records (those without an id or a start left out) and the next cursor, if any. */
    public record Page(List<Entry> entries, String nextCursor) {
    }

    private FivetranSyncHistory() {
    }

    /** Reads one answer ({@code {"code":"Success","data":{"items":[...],"next_cursor":"..."}}}). */
    public static Page page(JsonNode answer) {
        JsonNode data = answer == null ? null : answer.path("data");
        if (data == null || !data.isObject()) {
            throw new IllegalArgumentException("Fivetran answered the sync history without a 'data' object");
        }
        List<Entry> entries = new ArrayList<>();
        for (JsonNode item : data.path("items")) {
            String syncId = Json.text(item, "sync_id");
            Instant start = FivetranConnector.time(Json.text(item, "start_time"));
            if (syncId == null || syncId.isBlank() || start == null) {
                continue; // not started yet, or not identifiable: cannot be the sync a trigger started
            }
            entries.add(new Entry(syncId, start, FivetranConnector.time(Json.text(item, "end_time")),
                    Json.text(item, "status"), Json.text(item, "reason")));
        }
        String next = Json.text(data, "next_cursor");
        return new Page(entries, next == null || next.isBlank() ? null : next);
    }

    /**
     * The earlier-starting of {@code best} and the first of {@code entries} that started strictly after
     * {@code triggerSent}; null when there is none. On equal starts the one seen first stays.
     */
    public static Entry firstAfter(Instant triggerSent, Entry best, List<Entry> entries) {
        Entry first = best;
        for (Entry e : entries) {
            if (e.start().isAfter(triggerSent) && (first == null || e.start().isBefore(first.start()))) {
                first = e;
            }
        }
        return first;
    }

    /**
     * The query of one page: the window from the trigger (its second, rounded down: the endpoint takes seconds) to
     * now (rounded up, and after the start), at most {@link #MAX_WINDOW} wide.
     */
    public static String query(Instant triggerSent, Instant now, String cursor) {
        Instant start = triggerSent.truncatedTo(ChronoUnit.SECONDS);
        Instant end = now.truncatedTo(ChronoUnit.SECONDS);
        if (end.isBefore(now) || !end.isAfter(start)) {
            end = end.plusSeconds(1);
        }
        if (!end.isAfter(start)) {
            end = start.plusSeconds(1);
        }
        if (Duration.between(start, end).compareTo(MAX_WINDOW) > 0) {
            end = start.plus(MAX_WINDOW);
        }
        StringBuilder q = new StringBuilder("start_time=").append(enc(start.toString())).append("&end_time=")
                .append(enc(end.toString())).append("&limit=").append(PAGE_LIMIT);
        if (cursor != null) {
            q.append("&cursor=").append(enc(cursor));
        }
        return q.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * Which accounts answered the sync history with 403/404 (a plan without it), remembered for a while so that it
     * is not asked on every poll; syncs of such an account judge their end by the connection's timestamps.
     */
    public static final class Availability {
        private final Clock clock;
        private final Duration memory;
        private final Map<String, Instant> refusedUntil = new ConcurrentHashMap<>();

        public Availability(Clock clock, Duration memory) {
            this.clock = clock;
            this.memory = memory;
        }

        /** Whether the account's sync history may be asked now. */
        public boolean usable(String account) {
            Instant until = refusedUntil.get(account);
            return until == null || !clock.instant().isBefore(until);
        }

        /** The account refused it: not asked again for a while; true the first time (to log it once). */
        public boolean refused(String account) {
            Instant until = clock.instant().plus(memory);
            return refusedUntil.put(account, until) == null;
        }

        public Duration memory() {
            return memory;
        }
    }
}
