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
 * ended (exit code 0 when both syncs succeeded, 1 otherwise). Not for check, it also reads {@code demo/demo-only.properties}:
 * local receivers of its lineage events and alert emails, and one sync that fails on purpose. {@code demo check} checks the demo accounts.
 */
public final class Demo {
    static final String DEMO_PROPERTIES = "classpath:demo/demo.properties";
    static final String DEMO_ONLY_PROPERTIES = "classpath:demo/demo-only.properties";
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
        // the demo-only settings (its receivers, its failing sync), not for check, which starts no route; the first
        // location that has a key wins, so they come before demo.properties (which turns them off for the tests)
        out.add(locations + (check ? "" : "," + DEMO_ONLY_PROPERTIES) + "," + DEMO_PROPERTIES);
        out.add("--" + Extensions.PROPERTY + "=" + EmulatorConfiguration.class.getName());
        if (!check) {
            out.add("--camel.main.routes-include-pattern=file:routes/*.yaml," + DEMO_ROUTES);
            // the emulators keep their jobs in memory: a journal that outlived them would point at jobs that no
            // longer exist after a restart
            out.add("--syncrunner.journal.url=jdbc:h2:mem:demo-journal-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            // the alert emails go to the demo's SMTP receiver: config/application.properties sets these two (and
            // wins over a later location), so they are given here, before the caller's own --key=value
            out.add("--syncrunner.alerts.email.host=127.0.0.1");
            out.add("--syncrunner.alerts.email.port={{demo.receivers.smtp-port}}");
            if (once) {
                out.add("--example.exit-when-done=true");
            }
        }
        out.addAll(rest);
        return out;
    }
}
