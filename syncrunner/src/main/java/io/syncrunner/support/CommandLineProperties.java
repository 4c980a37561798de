package io.syncrunner.support;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code --key=value} settings of a command line (the runner's, the check command's). */
public final class CommandLineProperties {
    private CommandLineProperties() {
    }

    /**
     * Takes the {@code --key=value} arguments out of {@code args} and returns them as properties (Camel Main 4.18
     * itself only knows its dash options such as {@code -pl}, and stops at any other argument). They are given to
     * Camel as override properties, so they win over the settings files; a JVM system property or an environment
     * variable of the same key still wins over them (Camel's order).
     */
    public static Map<String, String> take(List<String> args) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (Iterator<String> it = args.iterator(); it.hasNext(); ) {
            String a = it.next();
            if (!a.startsWith("--")) {
                continue;
            }
            int eq = a.indexOf('=');
            if (eq < 3) {
                throw new IllegalArgumentException("'" + (eq < 0 ? a : a.substring(0, eq)) + "' is not a setting:"
                        + " write --key=value, e.g."
                        + " --airbyte.cloud.base-url=https://api.airbyte.com/v1");
            }
            properties.put(a.substring(2, eq).trim(), a.substring(eq + 1));
            it.remove();
        }
        return properties;
    }
}
