package io.syncrunner.devtools.emulator;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An immutable description of how a job moves through statuses over time, parsed from text such as
 * {@code "pending:200ms,running:1s,succeeded"}.
 *
 * <p>Every element except the last is {@code status:duration}; the last element is the final status
 * ({@code succeeded}, {@code failed} or {@code cancelled}) without a duration. Durations accept the units
 * {@code ms}, {@code s}, {@code m} and {@code h} (decimals allowed, e.g. {@code 1.5s}). Intermediate statuses
 * may be any lower-case word, including ones the public API does not know (e.g. {@code weird_status}).
 */
public final class JobScript {

    /** The statuses after which a job never changes again. */
    public static final Set<String> TERMINAL_STATUSES = Set.of("succeeded", "failed", "cancelled");

    private static final Pattern STATUS = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    /** One timed phase of a script. */
    public record Phase(String status, Duration duration) {
    }

    private final String text;
    private final List<Phase> phases;
    private final String finalStatus;
    private final Duration total;

    private JobScript(String text, List<Phase> phases, String finalStatus) {
        this.text = text;
        this.phases = List.copyOf(phases);
        this.finalStatus = finalStatus;
        Duration sum = Duration.ZERO;
        for (Phase p : phases) {
            sum = sum.plus(p.duration());
        }
        this.total = sum;
    }

    /** Parses a script text; throws IllegalArgumentException with a readable message when it is invalid. */
    public static JobScript parse(String script) {
        if (script == null || script.isBlank()) {
            throw new IllegalArgumentException("job script must not be empty");
        }
        String[] parts = script.split(",");
        List<Phase> phases = new ArrayList<>();
        for (int i = 0; i < parts.length - 1; i++) {
            String part = parts[i].trim();
            int colon = part.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("script element '" + part + "' needs the form status:duration");
            }
            String status = checkStatus(part.substring(0, colon).trim());
            phases.add(new Phase(status, parseDuration(part.substring(colon + 1).trim())));
        }
        String last = parts[parts.length - 1].trim().toLowerCase(Locale.ROOT);
        if (!TERMINAL_STATUSES.contains(last)) {
            throw new IllegalArgumentException(
                    "the last script element must be succeeded, failed or cancelled (without duration), got '" + last + "'");
        }
        return new JobScript(script.trim(), phases, last);
    }

    /** Parses a duration like {@code 200ms}, {@code 1s}, {@code 1.5m} or {@code 2h}. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid duration '" + text + "' (use e.g. 200ms, 1s, 2m, 1h)");
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        long factorMillis = switch (m.group(2)) {
            case "ms" -> 1L;
            case "s" -> 1_000L;
            case "m" -> 60_000L;
            default -> 3_600_000L;
        };
        BigDecimal nanos = amount.multiply(BigDecimal.valueOf(factorMillis * 1_000_000L));
        return Duration.ofNanos(nanos.longValue());
    }

    private static String checkStatus(String status) {
        String s = status.toLowerCase(Locale.ROOT);
        if (!STATUS.matcher(s).matches()) {
            throw new IllegalArgumentException("invalid status name '" + status + "'");
        }
        if (TERMINAL_STATUSES.contains(s)) {
            throw new IllegalArgumentException("terminal status '" + s + "' may only appear as the last element");
        }
        return s;
    }

    /** The status of a job that was created {@code elapsed} ago. */
    public String statusAt(Duration elapsed) {
        Duration acc = Duration.ZERO;
        for (Phase p : phases) {
            acc = acc.plus(p.duration());
            if (elapsed.compareTo(acc) < 0) {
                return p.status();
            }
        }
        return finalStatus;
    }

    /** The offset (from job creation) of the last status change at or before {@code elapsed}. */
    public Duration lastChangeAt(Duration elapsed) {
        Duration acc = Duration.ZERO;
        for (Phase p : phases) {
            Duration next = acc.plus(p.duration());
            if (elapsed.compareTo(next) < 0) {
                return acc;
            }
            acc = next;
        }
        return acc;
    }

    /** Total time from job creation until the final status is reached. */
    public Duration totalDuration() {
        return total;
    }

    /** The final (terminal) status. */
    public String finalStatus() {
        return finalStatus;
    }

    /** The timed phases before the final status. */
    public List<Phase> phases() {
        return phases;
    }

    /** The script text as given. */
    @Override
    public String toString() {
        return text;
    }
}
