package io.syncrunner.support;

import org.apache.camel.util.TimeUtils;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Parses the durations users write in routes and properties: {@code 10s}, {@code 500ms}, {@code 6h},
 * {@code 1h30m}, ISO-8601 ({@code PT10S}) or a bare number of milliseconds. Camel's {@link TimeUtils} adds up the
 * units; it reads what it does not know as nothing ({@code 10x}, {@code PT10S} and {@code -5s} are zero,
 * {@code 1h-30m} is one hour), so the text is first checked against the forms it reads right, and ISO-8601 goes
 * to {@link Duration#parse}.
 */
public final class Durations {
    /** What TimeUtils reads right: a bare number of milliseconds, or numbers each with its unit. */
    private static final Pattern UNITS = Pattern.compile("\\d+|(\\d+(ms|d|h|m|s))+");

    private Durations() {
    }

    public static Duration parse(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is empty: give a duration such as 10s, 5m or 6h");
        }
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
            }
            if (UNITS.matcher(t).matches()) {
                return TimeUtils.toDuration(t);
            }
        } catch (RuntimeException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException(what + " '" + Json.abbreviate(text, 80)
                + "' is not a duration: write e.g. 500ms, 10s, 5m, 6h, 1h30m or PT10S");
    }

    /** As {@link #parse}, and the duration must be longer than zero. */
    public static Duration parsePositive(String text, String what) {
        Duration d = parse(text, what);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(what + " '" + Json.abbreviate(text, 80)
                    + "' is not longer than zero: write e.g. 500ms, 10s, 5m or 6h");
        }
        return d;
    }

    /** Short human form for log lines: 42s, 3m05s, 2h01m. */
    public static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
