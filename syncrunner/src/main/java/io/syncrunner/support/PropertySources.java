package io.syncrunner.support;

import org.apache.camel.CamelContext;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.util.IOHelper;

import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every source Camel resolves a property from, not only the property files: environment variables
 * ({@code AIRBYTE_PROD_BASE_URL} for {@code airbyte.prod.base-url}), JVM system properties ({@code -Dkey=value}),
 * Camel Main's override properties (the runner's {@code --key=value} arguments, tests), command-line and other
 * property sources, the property files, and initial properties. {@code loadProperties()} of Camel's properties
 * component sees only the last four; these methods see them all, in Camel's order of precedence.
 */
public final class PropertySources {
    private PropertySources() {
    }

    /**
     * The unresolved text of the property ({@code {{env:X}}} stays as written), from the source Camel would take
     * it from, or null when no source has it.
     */
    public static String raw(CamelContext context, String key) {
        var pc = context.getPropertiesComponent();
        int envMode = envMode(context);
        int sysMode = sysMode(context);
        if (envMode == PropertiesComponent.ENVIRONMENT_VARIABLES_MODE_OVERRIDE) {
            String v = IOHelper.lookupEnvironmentVariable(key);
            if (v != null) {
                return v;
            }
        }
        if (sysMode == PropertiesComponent.SYSTEM_PROPERTIES_MODE_OVERRIDE) {
            String v = System.getProperty(key);
            if (v != null) {
                return v;
            }
        }
        Object loaded = pc.loadProperties(k -> k.equals(key)).get(key);
        if (loaded != null) {
            return loaded.toString();
        }
        if (envMode == PropertiesComponent.ENVIRONMENT_VARIABLES_MODE_FALLBACK) {
            String v = IOHelper.lookupEnvironmentVariable(key);
            if (v != null) {
                return v;
            }
        }
        if (sysMode == PropertiesComponent.SYSTEM_PROPERTIES_MODE_FALLBACK) {
            return System.getProperty(key);
        }
        return null;
    }

    /**
     * The keys of every source that match: property files, override, command-line and initial properties, system
     * properties, and environment variables written the way Camel maps keys to them. An environment variable
     * cannot say which of its underscores were dots or dashes, so only keys of the form
     * {@code <prefix><name><suffix>} are found there ({@code AIRBYTE_PROD_BASE_URL} for prefix {@code airbyte.}
     * and suffix {@code .base-url}: key {@code airbyte.prod.base-url}), the name in lower case.
     */
    public static TreeSet<String> keys(CamelContext context, String prefix, String suffix) {
        Predicate<String> matches = k -> k.startsWith(prefix) && k.endsWith(suffix)
                && k.length() > prefix.length() + suffix.length();
        TreeSet<String> keys = new TreeSet<>();
        Properties loaded = context.getPropertiesComponent().loadProperties(matches);
        loaded.stringPropertyNames().forEach(keys::add);
        if (sysMode(context) != PropertiesComponent.SYSTEM_PROPERTIES_MODE_NEVER) {
            System.getProperties().stringPropertyNames().stream().filter(matches).forEach(keys::add);
        }
        if (envMode(context) != PropertiesComponent.ENVIRONMENT_VARIABLES_MODE_NEVER) {
            Pattern env = Pattern.compile(Pattern.quote(environmentName(prefix)) + "([A-Z0-9_]+)"
                    + Pattern.quote(environmentName(suffix)));
            for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                Matcher m = env.matcher(e.getKey());
                if (m.matches() && !e.getValue().isBlank()) {
                    String key = prefix + m.group(1).toLowerCase(java.util.Locale.ROOT) + suffix;
                    if (IOHelper.lookupEnvironmentVariable(key) != null) {
                        keys.add(key);
                    }
                }
            }
        }
        return keys;
    }

    /** How Camel names the environment variable of a key: upper case, dots and dashes as underscores. */
    static String environmentName(String key) {
        return key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static int envMode(CamelContext context) {
        return context.getPropertiesComponent() instanceof PropertiesComponent pc ? pc.getEnvironmentVariableMode()
                : PropertiesComponent.ENVIRONMENT_VARIABLES_MODE_OVERRIDE;
    }

    private static int sysMode(CamelContext context) {
        return context.getPropertiesComponent() instanceof PropertiesComponent pc ? pc.getSystemPropertiesMode()
                : PropertiesComponent.SYSTEM_PROPERTIES_MODE_OVERRIDE;
    }
}
