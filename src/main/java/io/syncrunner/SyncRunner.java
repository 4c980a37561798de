package io.syncrunner;

import org.apache.camel.main.Main;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts the runner: Camel Main with {@code config/application.properties} and the YAML routes in
 * {@code routes/}. Camel Main's own options apply (e.g. {@code -pl file:other.properties} reads another
 * settings file); {@code --once} stops the runner when the example job has ended (exit code 0 when it
 * succeeded, 1 when it failed).
 */
public final class SyncRunner extends Main {
    public static final String DEFAULT_PROPERTIES = "file:config/application.properties";
    private static volatile SyncRunner running;

    public static void main(String... args) throws Exception {
        SyncRunner main = new SyncRunner();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        if (rest.remove("--once")) {
            main.addOverrideProperty("example.exit-when-done", "true");
        }
        if (!rest.contains("-pl") && !rest.contains("-propertiesLocation")) {
            main.setPropertyPlaceholderLocations(DEFAULT_PROPERTIES);
        }
        running = main;
        System.exit(main.run(rest.toArray(new String[0])));
    }

    /** Ends the running runner with the exit code (the example job does this when started with --once). */
    public static void finish(int exitCode) {
        SyncRunner main = running;
        if (main != null) {
            main.exitCode.set(exitCode);
            main.completed();
        }
    }
}
