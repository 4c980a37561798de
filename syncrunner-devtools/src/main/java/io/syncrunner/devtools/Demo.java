package io.syncrunner.devtools;

import io.syncrunner.SyncRunner;
import io.syncrunner.devtools.emulator.EmulatorConfiguration;
import io.syncrunner.support.Extensions;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@code syncrunner demo [--once] [check] [--key=value ...]}: the runner on the bundled API emulators, with no
 * account anywhere. It reads {@code config/application.properties} and then {@code demo/demo.properties} (from this
 * jar: the emulators' scripts and the example workflow's settings), starts the emulators with accounts "demo" on
 * them, adds the example workflow and the demo schedules ({@code demo/routes/}) to the operator's routes, and keeps
 * its journal in memory like the emulators' jobs. {@code --once} stops the runner when the example workflow has
 * ended (exit code 0 when both syncs succeeded, 1 otherwise). {@code demo check} checks the demo accounts.
 */
public final class Demo {
    static final String DEMO_PROPERTIES = "classpath:demo/demo.properties";
    static final String DEMO_ROUTES = "classpath:demo/routes/*.yaml";

    private Demo() {
    }

    public static void main(String... args) throws Exception {
        SyncRunner.main(runnerArguments(List.of(args)).toArray(new String[0]));
    }

    /** The runner's arguments for the demo's: settings files, extension, routes and journal added. */
    static List<String> runnerArguments(List<String> args) {
        List<String> rest = new ArrayList<>(args);
        if (!rest.isEmpty() && rest.get(0).equals("demo")) {
            rest.remove(0);
        }
        List<String> out = new ArrayList<>();
        boolean check = rest.remove("check");
        if (check) {
            out.add("check");
        }
        boolean once = rest.remove("--once");
        String locations = SyncRunner.DEFAULT_PROPERTIES;
        for (int i = 0; i < rest.size() - 1; i++) {
            if (rest.get(i).equals("-pl") || rest.get(i).equals("-propertiesLocation")) {
                locations = rest.remove(i + 1);
                rest.remove(i);
                break;
            }
        }
        out.add("-pl");
        out.add(locations + "," + DEMO_PROPERTIES);
        out.add("--" + Extensions.PROPERTY + "=" + EmulatorConfiguration.class.getName());
        if (!check) {
            out.add("--camel.main.routes-include-pattern=file:routes/*.yaml," + DEMO_ROUTES);
            // the emulators keep their jobs in memory: a journal that outlived them would point at jobs that no
            // longer exist after a restart
            out.add("--syncrunner.journal.url=jdbc:h2:mem:demo-journal-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            if (once) {
                out.add("--example.exit-when-done=true");
            }
        }
        out.addAll(rest);
        return out;
    }
}
