package io.syncrunner.ops;

import io.syncrunner.auth.AccountDiscovery;
import io.syncrunner.auth.AccountProbe;
import io.syncrunner.support.CommandLineProperties;
import io.syncrunner.support.Settings;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code syncrunner check [-pl properties-location] [--key=value...] [account...]}: tests each configured account
 * for real, all of them when none is named: the provider's authenticated cheap read ({@link AccountProbe#check}:
 * Airbyte obtains a token and lists one workspace, Fivetran reads the account info). An account name may be
 * qualified with its provider ({@code airbyte:prod}, {@code fivetran:prod}); an unqualified name checks the
 * account of that name of every provider that has one.
 * <p>
 * It reads the settings the runner reads (config/application.properties, {@code -pl}, {@code -D},
 * {@code --key=value}, environment, AWS secrets) through Camel Main, with {@link CheckConfiguration} in place of
 * the runner's configuration: no route, journal or HTTP server starts. Configurations listed in
 * {@code syncrunner.extensions} run first ({@code syncrunner demo check} starts the demo's emulators that way and
 * checks its demo accounts against them).
 * <p>
 * One line per account, {@code OK} or {@code FAILED} with a reason that names the fix and never a secret, then a
 * summary. Exit code 0 when every account passed, 1 when one failed or none is configured, 2 for bad usage (an
 * unknown option or account name).
 */
public final class CheckCommand {
    private static final String DEFAULT_PROPERTIES = "file:config/application.properties";
    private static final String USAGE = "Usage: syncrunner check [-pl properties-location] [--key=value...]"
            + " [account | provider:account ...] (default: every configured account)";

    private CheckCommand() {
    }

    /** For the runner's process: Camel's own start-up lines would bury the result, so only warnings are logged. */
    public static int main(List<String> args) {
        var root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(ch.qos.logback.classic.Level.WARN);
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.camel"))
                    .setLevel(ch.qos.logback.classic.Level.WARN);
            for (String name : List.of("io.syncrunner")) {
                ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name)).setLevel(ch.qos.logback.classic.Level.WARN);
            }
        }
        return run(args, System.out);
    }

    /** Runs the command; returns the exit code. */
    public static int run(List<String> args, PrintStream out) {
        String properties = DEFAULT_PROPERTIES;
        List<String> rest = new ArrayList<>(args);
        Map<String, String> settings;
        try {
            settings = CommandLineProperties.take(rest);
        } catch (IllegalArgumentException e) {
            out.println("ERROR " + e.getMessage());
            out.println(USAGE);
            return 2;
        }
        List<String> wanted = new ArrayList<>();
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if ((a.equals("-pl") || a.equals("-propertiesLocation")) && i + 1 < rest.size()) {
                properties = rest.get(++i);
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println(USAGE);
                return 0;
            } else if (a.startsWith("-")) {
                out.println("ERROR unknown option " + a);
                out.println(USAGE);
                return 2;
            } else {
                wanted.add(a);
            }
        }

        Main main = new Main();
        main.setPropertyPlaceholderLocations(properties);
        settings.forEach(main::addOverrideProperty);
        // the accounts and probes only: no route, journal, HTTP server or management
        main.addOverrideProperty("camel.main.configuration-classes", CheckConfiguration.class.getName());
        main.addOverrideProperty("camel.main.routes-collector-enabled", "false");
        main.addOverrideProperty("camel.main.routes-reload-enabled", "false");
        main.addOverrideProperty("camel.server.enabled", "false");
        main.addOverrideProperty("camel.management.enabled", "false");
        main.addOverrideProperty("camel.metrics.enabled", "false");
        try {
            main.start();
        } catch (Exception e) {
            out.println("ERROR the settings cannot be read: " + rootMessage(e));
            stop(main);
            return 1;
        }
        try {
            return check(main.getCamelContext(), wanted, out);
        } finally {
            stop(main);
        }
    }

    private record Target(AccountProbe probe, String name) {
        String label() {
            return probe.id() + ":" + name;
        }
    }

    @SuppressWarnings("unchecked")
    private static int check(CamelContext context, List<String> wanted, PrintStream out) {
        List<AccountProbe> probes = context.getRegistry().lookupByNameAndType(CheckConfiguration.PROBES, List.class);
        Map<AccountProbe, TreeSet<String>> configured = new LinkedHashMap<>();
        List<String> all = new ArrayList<>();
        for (AccountProbe p : probes) {
            TreeSet<String> names = AccountDiscovery.accounts(context, p.definingKeyFormat());
            configured.put(p, names);
            names.forEach(n -> all.add(p.id() + ":" + n));
        }
        List<Target> targets = new ArrayList<>();
        if (wanted.isEmpty()) {
            configured.forEach((p, names) -> names.forEach(n -> targets.add(new Target(p, n))));
        }
        for (String w : wanted) {
            int colon = w.indexOf(':');
            String provider = colon < 0 ? null : w.substring(0, colon);
            String name = colon < 0 ? w : w.substring(colon + 1);
            if (provider != null && probes.stream().noneMatch(p -> p.id().equals(provider))) {
                out.println("ERROR unknown provider '" + provider + "' in '" + w + "': use "
                        + String.join(", ", probes.stream().map(p -> p.id() + ":<account>").toList()));
                return 2;
            }
            List<Target> found = new ArrayList<>();
            configured.forEach((p, names) -> {
                if ((provider == null || p.id().equals(provider)) && names.contains(name)) {
                    found.add(new Target(p, name));
                }
            });
            if (found.isEmpty()) {
                out.println("ERROR unknown account '" + w + "': " + (all.isEmpty() ? "no account is configured"
                        : "the configured accounts are " + String.join(", ", all)));
                return 2;
            }
            found.stream().filter(t -> !targets.contains(t)).forEach(targets::add);
        }
        if (targets.isEmpty()) {
            out.println("ERROR no account is configured (" + String.join(", ", probes.stream()
                    .map(p -> String.format(p.definingKeyFormat(), "<account>")).toList()) + ", ...): nothing to check");
            return 1;
        }
        Duration timeout = new Settings(context).duration("syncrunner.check.timeout");
        int width = targets.stream().mapToInt(t -> t.label().length()).max().orElse(0);
        int failed = 0;
        for (Target t : targets) {
            AccountProbe.Result r;
            try {
                r = t.probe().check(t.name(), timeout);
            } catch (RuntimeException e) {
                r = AccountProbe.Result.failed("the check failed: " + e.getClass().getSimpleName());
            }
            if (!r.ok()) {
                failed++;
            }
            out.println(String.format("%-6s %-" + width + "s  %s", r.ok() ? "OK" : "FAILED", t.label(), r.detail()));
        }
        out.println(targets.size() + " account(s) checked, " + (failed == 0 ? "all OK" : failed + " failed"));
        return failed == 0 ? 0 : 1;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null
                || !(t instanceof IllegalArgumentException || t instanceof IllegalStateException))) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static void stop(Main main) {
        try {
            main.stop();
        } catch (Exception ignored) {
            // it did not start
        }
    }
}
