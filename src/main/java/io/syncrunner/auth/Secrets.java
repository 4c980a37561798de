package io.syncrunner.auth;

import org.apache.camel.CamelContext;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads settings that may hold secrets ({@code {{env:NAME}}}, {@code {{aws:secret#field}}}) and turns a failure
 * to resolve one into a message that names the property and where its value was looked for, never the value.
 */
public final class Secrets {
    private static final Pattern ENV = Pattern.compile("\\[env:([^\\]:]+)");
    private static final Pattern AWS = Pattern.compile("\\[aws:([^\\]#:]+)(?:#([^\\]:]+))?");

    private Secrets() {
    }

    /** The trimmed value, or empty when unset or blank. */
    public static Optional<String> property(CamelContext context, String key) {
        try {
            return context.getPropertiesComponent().resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
        } catch (RuntimeException e) {
            // the cause is left out on purpose: some of its messages quote the secret (e.g. a non-JSON secret)
            throw new IllegalArgumentException(describe(key, e));
        }
    }

    /**
     * Whether the property is configured with a non-empty raw value, without resolving it (no secret store is
     * called). {@code {{env:X:}}} counts as configured; its value is only read when it is needed.
     */
    public static boolean isConfigured(CamelContext context, String key) {
        Object raw = context.getPropertiesComponent().loadProperties(k -> k.equals(key)).get(key);
        return raw != null && !raw.toString().isBlank();
    }

    /** A message for a property that could not be resolved. */
    public static String describe(String key, Throwable failure) {
        String all = chain(failure);
        Matcher env = ENV.matcher(all);
        if (env.find()) {
            return "Property " + key + " needs environment variable " + env.group(1) + ", which is not set";
        }
        Matcher aws = AWS.matcher(all);
        if (aws.find()) {
            String secret = aws.group(1);
            String field = aws.group(2);
            if (all.contains("ResourceNotFoundException") || all.contains("can't find the specified secret")) {
                return "Property " + key + " needs AWS Secrets Manager secret '" + secret + "', which was not found"
                        + " (check its name and camel.vault.aws.region)";
            }
            if (all.contains("JSON") || all.contains("Json") || all.contains("json")) {
                return "Property " + key + " needs field '" + field + "' of AWS Secrets Manager secret '" + secret
                        + "', but the secret is not a JSON object";
            }
            if (field != null) {
                return "Property " + key + " needs field '" + field + "' of AWS Secrets Manager secret '" + secret
                        + "', which could not be read (" + firstLine(failure) + ")";
            }
            return "Property " + key + " needs AWS Secrets Manager secret '" + secret + "', which could not be read ("
                    + firstLine(failure) + ")";
        }
        return "Property " + key + " could not be resolved: " + firstLine(failure);
    }

    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    private static String firstLine(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }
}
