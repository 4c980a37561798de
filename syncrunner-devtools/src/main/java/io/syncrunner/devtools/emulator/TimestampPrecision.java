package io.syncrunner.devtools.emulator;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How many fractional digits the Fivetran emulator writes in its timestamps. The live API writes microseconds,
 * always six digits ({@code 2024-03-21T14:44:29.613498Z}; 41 of the 67 example timestamps of the official OpenAPI
 * definition); some examples have three or none. A fixed pattern keeps the digits that are zero, which
 * {@link Instant#toString()} would drop ({@code ...29.613Z} for {@code ...29.613000Z}).
 */
public enum TimestampPrecision {
    /** {@code 2024-03-21T14:44:29.613498Z}: as the live API answers (the default). */
    MICROS("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'"),
    /** {@code 2024-03-21T14:44:29.613Z} */
    MILLIS("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'"),
    /** {@code 2024-03-21T14:44:29Z} */
    SECONDS("uuuu-MM-dd'T'HH:mm:ss'Z'");

    private final DateTimeFormatter format;

    TimestampPrecision(String pattern) {
        this.format = DateTimeFormatter.ofPattern(pattern, Locale.ROOT).withZone(ZoneOffset.UTC);
    }

    /** The instant in UTC, its fraction cut (not rounded) to this precision. */
    public String format(Instant instant) {
        return format.format(instant);
    }

    /** {@code micros}, {@code millis} or {@code seconds} (any case), as in a setting. */
    public static TimestampPrecision of(String text) {
        String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
        for (TimestampPrecision p : values()) {
            if (p.name().equals(t)) {
                return p;
            }
        }
        throw new IllegalArgumentException("timestamp precision '" + text + "' is not one of "
                + Arrays.stream(values()).map(p -> p.name().toLowerCase(Locale.ROOT))
                        .collect(Collectors.joining(", ")));
    }
}
