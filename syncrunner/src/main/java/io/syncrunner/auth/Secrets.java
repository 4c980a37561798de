package io.syncrunner.auth;

import io.syncrunner.support.PropertySources;
import org.apache.camel.CamelContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads settings that may hold secrets ({@code {{env:NAME}}}, {@code {{aws:secret#field}}}). When one cannot be
 * resolved, or resolves to nothing, the message names the property and where its value was looked for (from
 * the property's raw text), never the value: the underlying errors are not passed on, since some of them
 * quote the secret (a non-JSON secret's first word, for one).
 */
public final class Secrets {
    private static final Pattern ENV = Pattern.compile("\\{\\{env:([^}:]+)");
    private static final Pattern AWS = Pattern.compile("\\{\\{aws:([^}#:@]+)(?:#([^}:@]+))?");

    private Secrets() {
    }

    /** The trimmed value, or empty when unset or blank; a failure to resolve is explained (see class doc). */
    public static Optional<String> property(CamelContext context, String key) {
        try {
            return context.getPropertiesComponent().resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(describeFailure(context, key, e));
        }
    }

    /**
     * Whether the property is configured with a non-empty raw value, without resolving it (no secret store is
     * called). {@code {{env:X:}}} counts as configured; its value is only read when it is needed.
     */
    public static boolean isConfigured(CamelContext context, String key) {
        String raw = raw(context, key);
        return raw != null && !raw.isBlank();
    }

    /**
     * Whether the property's raw text requires a value from the environment or AWS (a reference without a
     * default, e.g. {@code {{env:KEY}}}), as opposed to an optional one ({@code {{env:KEY:}}}).
     */
    public static boolean requiresReference(CamelContext context, String key) {
        String raw = raw(context, key);
        return raw != null && Pattern.compile("\\{\\{(env|aws):[^}:]+}}").matcher(raw).find();
    }

    /** Why a configured property came out empty: "(environment variable X is not set)", or "". */
    public static String whyEmpty(CamelContext context, String key) {
        List<String> sources = sources(raw(context, key));
        return sources.isEmpty() ? "" : " (" + String.join(", ", sources) + " is not set or empty)";
    }

    static String describeFailure(CamelContext context, String key, Throwable failure) {
        String raw = raw(context, key);
        String chain = chain(failure);
        Matcher aws = raw == null ? null : AWS.matcher(raw);
        if (aws != null && aws.find()) {
            String secret = aws.group(1);
            String field = aws.group(2);
            if (chain.contains("can't find the specified secret") || chain.contains("ResourceNotFound")) {
                return "Property " + key + " needs AWS Secrets Manager secret '" + secret + "', which was not found"
                        + " (check its name and camel.vault.aws.region)";
            }
            if (chain.contains("Unrecognized token") || chain.contains("JsonParse") || chain.contains("JSON")) {
                return "Property " + key + " needs field '" + field + "' of AWS Secrets Manager secret '" + secret
                        + "', but the secret is not a JSON object";
            }
            if (chain.contains("returned null value")) {
                return "Property " + key + " needs field '" + field + "' of AWS Secrets Manager secret '" + secret
                        + "', which the secret does not have (or not as a string)";
            }
            if (chain.contains("requires setting AWS credentials")) {
                return "Property " + key + " needs AWS Secrets Manager secret '" + secret + "', but no AWS credentials"
                        + " are configured (camel.vault.aws.*)";
            }
            return "Property " + key + " needs AWS Secrets Manager secret '" + secret + "', which could not be read ("
                    + rootType(failure) + ")";
        }
        Matcher env = raw == null ? null : ENV.matcher(raw);
        if (env != null && env.find()) {
            return "Property " + key + " needs environment variable " + env.group(1) + ", which is not set";
        }
        return "Property " + key + " could not be resolved (" + rootType(failure) + ")";
    }

    private static List<String> sources(String raw) {
        List<String> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        Matcher env = ENV.matcher(raw);
        while (env.find()) {
            out.add("environment variable " + env.group(1));
        }
        Matcher aws = AWS.matcher(raw);
        while (aws.find()) {
            out.add(aws.group(2) == null ? "AWS Secrets Manager secret '" + aws.group(1) + "'"
                    : "field '" + aws.group(2) + "' of AWS Secrets Manager secret '" + aws.group(1) + "'");
        }
        return out;
    }

    /** The property's text before resolution, from whichever source Camel takes it ({@link PropertySources}). */
    private static String raw(CamelContext context, String key) {
        return PropertySources.raw(context, key);
    }

    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    private static String rootType(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }
}
