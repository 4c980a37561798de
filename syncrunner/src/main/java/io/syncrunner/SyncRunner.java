package io.syncrunner;

import io.syncrunner.ops.CheckCommand;
import io.syncrunner.ops.ValidateCommand;
import io.syncrunner.support.CommandLineProperties;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts the runner: Camel Main with {@code config/application.properties} and the YAML routes in
 * {@code routes/}. Camel Main's own options apply (e.g. {@code -pl file:other.properties} reads another
 * settings file). {@code --key=value} sets a property, over the settings file (as {@code -Dkey=value}
 * does). {@code validate [routes-dir-or-files...]} checks route files instead ({@link ValidateCommand}),
 * {@code check [account...]} tests the accounts' settings and credentials against their APIs ({@link CheckCommand}).
 */
public final class SyncRunner extends Main {
    public static final String DEFAULT_PROPERTIES = "file:config/application.properties";
    private static volatile SyncRunner running;

    public static void main(String... args) throws Exception {
        String logFormatProblem = logFormatProblem(System.getProperty("syncrunner.log.format"),
                System.getenv("SYNCRUNNER_LOG_FORMAT"));
        if (logFormatProblem != null) {
            // logback.xml has no console appender for it: nothing would be logged, by any command
            System.err.println("The runner cannot start: " + logFormatProblem);
            System.exit(2);
        }
        if (args.length > 0 && args[0].equals("validate")) {
            // checks route files without starting anything (io.syncrunner.ops.ValidateCommand)
            System.exit(ValidateCommand.run(Arrays.asList(args).subList(1, args.length), System.out));
        }
        if (args.length > 0 && args[0].equals("check")) {
            // tests the accounts against their APIs, starting no route, journal or server (io.syncrunner.ops.CheckCommand)
            System.exit(CheckCommand.main(Arrays.asList(args).subList(1, args.length)));
        }
        SyncRunner main = new SyncRunner();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        try {
            CommandLineProperties.take(rest).forEach(main::addOverrideProperty);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
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
            Throwable known = startupProblem(e);
            if (known != null) {
                log.error("The runner cannot start: {}", oneLine(known.getMessage()));
            } else {
                log.error("The runner cannot start: {}", e.getMessage(), e);
            }
            exitCode = 1;
        }
        System.exit(exitCode);
    }

    /**
     * The cause that names what stops the start, when it is one the runner knows (a setting that is not a number,
     * duration or boolean, an unknown auth mode, a port in use, an unreachable journal, an account setting that cannot
     * be resolved): its message is the whole story, a trace would add nothing. Null for anything unexpected.
     */
    static Throwable startupProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message == null) {
                continue;
            }
            if (t instanceof IllegalArgumentException || t instanceof io.syncrunner.journal.JournalException
                    || t instanceof io.syncrunner.support.StartRefusedException
                    || t instanceof org.apache.camel.PropertyBindingException
                    || message.startsWith("The runner cannot start: ")) {
                return t;
            }
        }
        return null;
    }

    /**
     * Why the log format (logback.xml: {@code -Dsyncrunner.log.format}, else {@code SYNCRUNNER_LOG_FORMAT}, else
     * text) is not one logback.xml has an appender for, or null when it is text or json.
     */
    public static String logFormatProblem(String property, String environment) {
        String format = property != null ? property : environment != null ? environment : "text";
        if (format.equals("text") || format.equals("json")) {
            return null;
        }
        return (property != null ? "syncrunner.log.format" : "SYNCRUNNER_LOG_FORMAT") + " '"
                + io.syncrunner.support.Json.abbreviate(format, 40) + "' is not a log format: write text or json";
    }

    /** The message on one line (a list of problems is joined with "; "), without a repeated "cannot start". */
    static String oneLine(String message) {
        return message.replaceFirst("^The runner cannot start: ", "").replaceAll("\\s*\\n\\s*-\\s*", "; ")
                .replaceAll("\\s*\\n\\s*", " ").replace(":;", ":");
    }

    /** Ends the running runner with the exit code (a route calls this when the job it was started for has ended). */
    public static void finish(int exitCode) {
        SyncRunner main = running;
        if (main != null) {
            main.exitCode.set(exitCode);
            main.completed();
        }
    }
}
