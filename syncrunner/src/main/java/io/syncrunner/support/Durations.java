package io.syncrunner.support;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations users write in routes and properties: {@code 10s}, {@code 500ms}, {@code 6h},
 * {@code 1h30m}, ISO-8601 ({@code PT10S}) or a bare number of milliseconds.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|d|h|m|s)");

    private Durations() {
    }

    public static Duration parse(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is empty: give a duration such as 10s, 5m or 6h");
        }
        String t = text.trim().toLowerCase();
        try {
            if (t.startsWith("pt") || t.startsWith("p")) {
                return Duration.parse(t.toUpperCase());
            }
            if (t.chars().allMatch(Character::isDigit)) {
                return Duration.ofMillis(Long.parseLong(t));
            }
            Matcher m = PART.matcher(t);
            Duration total = Duration.ZERO;
            int end = 0;
            while (m.find()) {
                if (m.start() != end) {
                    throw new IllegalArgumentException();
                }
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
                end = m.end();
            }
            if (end != t.length() || end == 0) {
                throw new IllegalArgumentException();
            }
            return total;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + " '" + Json.abbreviate(text, 80)
                    + "' is not a duration: write e.g. 500ms, 10s, 5m, 6h, 1h30m or PT10S");
        }
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
