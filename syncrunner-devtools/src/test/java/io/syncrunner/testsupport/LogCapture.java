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
    private static final java.util.Set<String> SECRETS = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private Encoder<ILoggingEvent> encoder;

    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = encoder;
    }

    @Override
    protected void append(ILoggingEvent event) {
        LINES.add(new String(encoder.encode(event), StandardCharsets.UTF_8));
    }

    /** Registers secret values used by a test, checked against every log line by LeftoversCheck at the end of each class. */
    public static void registerSecrets(java.util.Collection<String> secrets) {
        secrets.stream().filter(s -> s != null && !s.isEmpty()).forEach(SECRETS::add);
    }

    /** Every secret registered so far. */
    public static java.util.Set<String> secrets() {
        return java.util.Set.copyOf(SECRETS);
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
