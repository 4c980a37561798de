package io.syncrunner.auth;

import io.syncrunner.support.PropertySources;
import org.apache.camel.CamelContext;

import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which accounts of a provider are configured, from every property source Camel resolves from
 * ({@link PropertySources}: property files, {@code -D}, {@code --key=value}, environment, override properties).
 * The one place the startup check, the readiness checks, the {@code check} command and the settings of a sync
 * learn which accounts exist. The provider names the property whose presence defines an account, e.g.
 * {@code airbyte.%s.base-url}.
 * <p>
 * An account is configured when its defining property has a value, or needs one it cannot get (a required
 * {@code {{env:X}}} whose variable is unset: the startup check reports it), and at least one of its properties
 * has a value of its own: an account all of whose settings are the fallbacks of unset environment variables
 * ({@code {{env:AIRBYTE_BASE_URL:https://api.airbyte.com/v1}}}, the shipped {@code default} accounts on a machine
 * without those variables) is not configured.
 */
public final class AccountDiscovery {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
    private static final Pattern ENV_WITH_FALLBACK = Pattern.compile("\\{\\{env:([^}:]+):[^}]*}}");

    private AccountDiscovery() {
    }

    /** The configured accounts' names, sorted. */
    public static TreeSet<String> accounts(CamelContext context, String definingKeyFormat) {
        int at = definingKeyFormat.indexOf("%s");
        if (at < 0) {
            throw new IllegalArgumentException("'" + definingKeyFormat + "' has no %s for the account name");
        }
        String before = definingKeyFormat.substring(0, at);
        String after = definingKeyFormat.substring(at + 2);
        TreeSet<String> names = new TreeSet<>();
        for (String key : PropertySources.keys(context, before, after)) {
            String name = key.substring(before.length(), key.length() - after.length());
            if (NAME.matcher(name).matches() && configured(context, before + name + ".", key)) {
                names.add(name);
            }
        }
        return names;
    }

    private static boolean configured(CamelContext context, String prefix, String definingKey) {
        try {
            if (Secrets.property(context, definingKey).isEmpty() && !Secrets.requiresReference(context, definingKey)) {
                return false; // e.g. {{env:FIVETRAN_API_KEY:}} with the variable unset
            }
        } catch (IllegalArgumentException unresolvable) {
            return true; // a missing secret or variable: configured, and reported by whoever uses it
        }
        for (String key : PropertySources.keys(context, prefix, "")) {
            String raw = PropertySources.raw(context, key);
            if (raw != null && !raw.isBlank() && !onlyFallback(raw)) {
                return true;
            }
        }
        return false;
    }

    /** {{env:X:fallback}} (the whole value) with X unset. */
    private static boolean onlyFallback(String raw) {
        Matcher m = ENV_WITH_FALLBACK.matcher(raw.trim());
        if (!m.matches()) {
            return false;
        }
        String variable = System.getenv(m.group(1));
        return variable == null || variable.isBlank();
    }
}
