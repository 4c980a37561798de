package io.syncrunner;

import io.syncrunner.ops.ValidateCommand;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts the runner: Camel Main with {@code config/application.properties} and the YAML routes in
 * {@code routes/}. Camel Main's own options apply (e.g. {@code -pl file:other.properties} reads another
 * settings file); {@code --once} stops the runner when the example job has ended (exit code 0 when it
 * succeeded, 1 when it failed). {@code validate [routes-dir-or-files...]} checks route files instead
 * ({@link ValidateCommand}).
 */
public final class SyncRunner extends Main {
    public static final String DEFAULT_PROPERTIES = "file:config/application.properties";
    private static volatile SyncRunner running;

    public static void main(String... args) throws Exception {
        if (args.length > 0 && args[0].equals("validate")) {
            // checks route files without starting anything (io.syncrunner.ops.ValidateCommand)
            System.exit(ValidateCommand.run(Arrays.asList(args).subList(1, args.length), System.out));
        }
        SyncRunner main = new SyncRunner();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        if (rest.remove("--once")) {
            main.addOverrideProperty("example.exit-when-done", "true");
        }
        if (!rest.contains("-pl") && !rest.contains("-propertiesLocation")) {
            main.setPropertyPlaceholderLocations(DEFAULT_PROPERTIES);
        }
        running = main;
        int exitCode;
        try {
            exitCode = main.run(rest.toArray(new String[0]));
        } catch (Exception e) {
            // e.g. an invalid schedule: one clear line (and the trace for anything unexpected), then exit, even
            // though threads started before the failure (emulators, ...) would keep the JVM alive
            Logger log = LoggerFactory.getLogger(SyncRunner.class);
            if (e instanceof IllegalArgumentException) {
                log.error("The runner cannot start: {}", e.getMessage());
            } else {
                log.error("The runner cannot start: {}", e.getMessage(), e);
            }
            exitCode = 1;
        }
        System.exit(exitCode);
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
