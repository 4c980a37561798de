package io.syncrunner;

import org.apache.camel.main.Main;

import java.util.Arrays;

/**
 * Starts the runner: Camel Main with {@code config/application.properties} and the YAML routes in
 * {@code routes/}. Camel Main's own options apply (e.g. {@code -dm 1} stops after the first completed
 * exchange, {@code -pl file:other.properties} reads another settings file).
 */
public final class SyncRunner {
    public static final String DEFAULT_PROPERTIES = "file:config/application.properties";

    private SyncRunner() {
    }

    public static void main(String... args) throws Exception {
        Main main = new Main(SyncRunner.class);
        boolean hasLocation = Arrays.stream(args).anyMatch(a -> a.equals("-pl") || a.equals("-propertiesLocation"));
        if (!hasLocation) {
            main.setPropertyPlaceholderLocations(DEFAULT_PROPERTIES);
        }
        System.exit(main.run(args));
    }
}
