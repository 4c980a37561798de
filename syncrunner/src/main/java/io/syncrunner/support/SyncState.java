package io.syncrunner.support;

import org.apache.camel.Exchange;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Names and helpers for the per-sync exchange properties every provider's flow shares. Per-sync state lives
 * in exchange properties, never in headers (camel-http would send headers to the server).
 */
public final class SyncState {
    /** Route inputs (kamelet parameters). */
    public static final String ACCOUNT = "account";
    public static final String POLL_INTERVAL = "pollInterval";
    public static final String TIMEOUT = "waitTimeout";
    public static final String WAIT = "wait";

    /** State kept while a sync runs. */
    public static final String STARTED_AT = "syncStartedAt";
    public static final String DEADLINE = "syncDeadline";
    public static final String POLL_MILLIS = "syncPollMillis";
    public static final String WAITING = "syncWait";
    public static final String STATUS = "syncStatus";
    public static final String DONE = "syncDone";
    public static final String TIMED_OUT = "syncTimedOut";
    public static final String NEXT_POLL_DELAY = "syncNextPollDelay";
    public static final String POLLS = "syncPolls";

    private SyncState() {
    }

    /** Records start, deadline and poll interval from the route inputs. */
    public static void start(Exchange exchange, Clock clock, Duration pollInterval, Duration timeout, boolean wait) {
        Instant now = clock.instant();
        exchange.setProperty(STARTED_AT, now.toEpochMilli());
        exchange.setProperty(DEADLINE, now.plus(timeout).toEpochMilli());
        exchange.setProperty(POLL_MILLIS, pollInterval.toMillis());
        exchange.setProperty(WAITING, wait);
        exchange.setProperty(DONE, false);
        exchange.setProperty(TIMED_OUT, false);
        exchange.setProperty(POLLS, 0);
    }

    /**
     * After a status read: done if terminal; timed out if the deadline has passed; otherwise the delay before
     * the next poll is the poll interval, shortened so the last poll falls on the deadline.
     */
    public static void afterStatus(Exchange exchange, Clock clock, boolean terminal) {
        exchange.setProperty(POLLS, exchange.getProperty(POLLS, 0, Integer.class) + 1);
        if (terminal) {
            exchange.setProperty(DONE, true);
            return;
        }
        long now = clock.millis();
        long deadline = exchange.getProperty(DEADLINE, Long.class);
        if (now >= deadline) {
            exchange.setProperty(TIMED_OUT, true);
            return;
        }
        long poll = exchange.getProperty(POLL_MILLIS, Long.class);
        exchange.setProperty(NEXT_POLL_DELAY, Math.max(0, Math.min(poll, deadline - now)));
    }

    public static Duration elapsed(Exchange exchange, Clock clock) {
        return Duration.ofMillis(clock.millis() - exchange.getProperty(STARTED_AT, Long.class));
    }

    public static boolean bool(Exchange exchange, String name, boolean defaultValue) {
        return bool(name, exchange.getProperty(name), defaultValue);
    }

    /** The value of input {@code name} as true or false; {@code defaultValue} when it is unset or empty. */
    public static boolean bool(String name, Object v, boolean defaultValue) {
        if (v == null || v.toString().isBlank()) {
            return defaultValue;
        }
        String s = v.toString().trim().toLowerCase();
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException(name + "='" + v + "' must be true or false");
        }
        return Boolean.parseBoolean(s);
    }

    public static String text(Exchange exchange, String name) {
        Object v = exchange.getProperty(name);
        return v == null ? null : v.toString().trim();
    }

    /** The trimmed text of the property, or {@code defaultValue} when it is unset or empty. */
    public static String text(Exchange exchange, String name, String defaultValue) {
        String v = text(exchange, name);
        return v == null || v.isEmpty() ? defaultValue : v;
    }
}
