package io.syncrunner.support;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Honours {@code Retry-After}. As the error handlers' {@code onExceptionOccurred} processor it runs right after
 * a failed attempt: when the failure carries a Retry-After, the next redelivery waits exactly that long
 * (Camel's {@code CamelRedeliveryDelay} header, a control header camel-http never sends); otherwise the
 * redelivery policy's exponential back-off applies. It also drops the Authorization header of the failed call.
 */
public final class RetryAfter implements Processor {
    private final Duration max;

    public RetryAfter(Duration max) {
        this.max = max;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.getIn().removeHeader("Authorization");
        exchange.getIn().removeHeader(Exchange.REDELIVERY_DELAY);
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (caught == null) {
            caught = exchange.getException();
        }
        if (caught instanceof ApiCallException api && api.retryAfter() != null) {
            Duration wait = api.retryAfter().compareTo(max) > 0 ? max : api.retryAfter();
            exchange.getIn().setHeader(Exchange.REDELIVERY_DELAY, Math.max(0, wait.toMillis()));
        }
    }

    /** Seconds ({@code 120}) or an HTTP date; null when absent or unreadable. */
    public static Duration parse(String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException ignored) {
                return null;
            }
        }
    }
}
