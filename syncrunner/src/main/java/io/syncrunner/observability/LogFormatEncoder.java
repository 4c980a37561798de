package io.syncrunner.observability;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import org.slf4j.event.KeyValuePair;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The console encoder of logback.xml: the text {@code pattern} (default), or with {@code format=json} one JSON
 * object per line —
 * {@code {"timestamp":"2026-11-23T17:14:00.123Z","level":"INFO","thread":"main","logger":"...","message":"..."}},
 * plus {@code "mdc"} and {@code "kv"} objects when the event has them and {@code "exception"} (the stack trace as
 * one string) when it carries one. An unknown format falls back to text, with a logback warning.
 * <p>
 * logback.xml sets the format from {@code -Dsyncrunner.log.format} or the {@code SYNCRUNNER_LOG_FORMAT}
 * environment variable.
 */
public class LogFormatEncoder extends EncoderBase<ILoggingEvent> {
    public static final String DEFAULT_PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n";

    private String format = "text";
    private String pattern = DEFAULT_PATTERN;
    private PatternLayoutEncoder text;
    private boolean json;

    public void setFormat(String format) {
        this.format = format;
    }

    public String getFormat() {
        return format;
    }

    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    /** Whether this encoder writes JSON lines (after start). */
    public boolean isJson() {
        return json;
    }

    @Override
    public void start() {
        String f = format == null ? "" : format.trim().toLowerCase(Locale.ROOT);
        json = f.equals("json");
        if (!json) {
            if (!f.isEmpty() && !f.equals("text")) {
                addWarn("Unknown log format '" + format + "' (use text or json): writing text");
            }
            text = new PatternLayoutEncoder();
            text.setContext(getContext());
            text.setPattern(pattern);
            text.start();
        }
        super.start();
    }

    @Override
    public void stop() {
        if (text != null) {
            text.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return json || text == null ? null : text.headerBytes();
    }

    @Override
    public byte[] footerBytes() {
        return json || text == null ? null : text.footerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        if (!json) {
            return text.encode(event);
        }
        return line(event).getBytes(StandardCharsets.UTF_8);
    }

    /** The JSON line of an event, newline included. */
    static String line(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"timestamp\":");
        string(sb, DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(event.getTimeStamp())));
        sb.append(",\"level\":");
        string(sb, event.getLevel().toString());
        sb.append(",\"thread\":");
        string(sb, event.getThreadName());
        sb.append(",\"logger\":");
        string(sb, event.getLoggerName());
        sb.append(",\"message\":");
        string(sb, event.getFormattedMessage());
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null && !mdc.isEmpty()) {
            sb.append(",\"mdc\":{");
            boolean first = true;
            for (Map.Entry<String, String> e : mdc.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, e.getKey());
                sb.append(':');
                string(sb, e.getValue());
            }
            sb.append('}');
        }
        List<KeyValuePair> kvs = event.getKeyValuePairs();
        if (kvs != null && !kvs.isEmpty()) {
            sb.append(",\"kv\":{");
            boolean first = true;
            for (KeyValuePair kv : kvs) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, kv.key);
                sb.append(':');
                string(sb, kv.value == null ? null : String.valueOf(kv.value));
            }
            sb.append('}');
        }
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            sb.append(",\"exception\":");
            string(sb, ThrowableProxyUtil.asString(thrown));
        }
        sb.append("}\n");
        return sb.toString();
    }

    private static void string(StringBuilder sb, String s) {
        if (s == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
