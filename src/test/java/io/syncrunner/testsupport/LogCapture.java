package io.syncrunner.testsupport;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.AppenderBase;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keeps every formatted log line of the test JVM (message and stack trace), so tests can assert what was
 * logged and that no secret ever was.
 */
public class LogCapture extends AppenderBase<ILoggingEvent> {
    private static final List<String> LINES = new CopyOnWriteArrayList<>();
    private Encoder<ILoggingEvent> encoder;

    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = encoder;
    }

    @Override
    protected void append(ILoggingEvent event) {
        LINES.add(new String(encoder.encode(event), StandardCharsets.UTF_8));
    }

    /** Every line logged so far. */
    public static List<String> lines() {
        return new ArrayList<>(LINES);
    }

    /** Lines logged from index {@code from} on (take {@link #size()} before the action). */
    public static List<String> linesSince(int from) {
        List<String> all = lines();
        return all.subList(Math.min(from, all.size()), all.size());
    }

    public static int size() {
        return LINES.size();
    }

    /** The lines that contain any of the given secrets. */
    public static List<String> linesContainingAny(List<String> secrets) {
        List<String> found = new ArrayList<>();
        for (String line : lines()) {
            for (String s : secrets) {
                if (s != null && !s.isEmpty() && line.contains(s)) {
                    found.add(line);
                }
            }
        }
        return found;
    }
}
