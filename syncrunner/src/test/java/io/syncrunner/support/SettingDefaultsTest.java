package io.syncrunner.support;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every default written once: config/application.properties shows each {@code syncrunner.*} setting the code reads
 * with the code's default ({@link SettingDefaults}), commented out, or maps it to an environment variable whose
 * fallback is that default; a setting only the routes read is set there (its one place), or shown with the default
 * its route placeholder gives.
 */
class SettingDefaultsTest {
    /** The repository's top folder (config/, routes/): the folder above this module's. */
    private static final Path TOP = Path.of(System.getProperty("basedir", "syncrunner")).toAbsolutePath().getParent();
    private static final Path CONFIG = TOP.resolve("config/application.properties");
    private static final Pattern LINE = Pattern.compile("^(#?)(syncrunner\\.[a-z0-9.-]+)=(.*)$");
    private static final Pattern ENV = Pattern.compile("\\{\\{env:[A-Z0-9_]+:(.*)}}");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(syncrunner\\.[a-z0-9.-]+)(?::([^}]*))?}}");

    @Test
    void shouldShowEverySyncrunnerSettingOfTheConfigurationWithTheDefaultTheCodeUses() throws IOException {
        List<String> config = Files.readAllLines(CONFIG);
        assertThat(config.stream().filter(l -> LINE.matcher(l).matches()).count()).as("syncrunner.* lines")
                .isGreaterThan(30);
        assertThat(problems(config, SettingDefaults.all(), routesAndConfig())).isEmpty();
    }

    @Test
    void shouldReportASettingWhoseShownValueDriftedFromTheCodesDefault() throws IOException {
        String routes = routesAndConfig();
        Map<String, String> code = SettingDefaults.all();
        assertThat(problems(List.of("#syncrunner.trigger.threads=16"), code, routes))
                .containsExactly("syncrunner.trigger.threads: the configuration shows '16', the code's default is '8'");
        assertThat(problems(List.of("syncrunner.data-dir={{env:SYNCRUNNER_DATA_DIR:/var/lib/x}}"), code, routes))
                .containsExactly("syncrunner.data-dir: the configuration shows '/var/lib/x', the code's default is"
                        + " 'data'");
        assertThat(problems(List.of("syncrunner.wait.threads=24"), code, routes)).containsExactly(
                "syncrunner.wait.threads: set to the code's default; show it commented out (#syncrunner.wait.threads=24)");
        assertThat(problems(List.of("#syncrunner.schedules.missed-fires=skip"), code, routes)).containsExactly(
                "syncrunner.schedules.missed-fires: the configuration shows 'skip', the routes' default is 'fire-once'");
        assertThat(problems(List.of("#syncrunner.retry.max-redeliveries=8"), code, routes)).containsExactly(
                "syncrunner.retry.max-redeliveries: the routes read it without a default; set it");
        assertThat(problems(List.of("syncrunner.nothing.reads-this=1"), code, routes))
                .containsExactly("syncrunner.nothing.reads-this: neither the code nor a route reads it");
    }

    /** What is wrong with the syncrunner.* lines of a configuration file, one sentence each. */
    static List<String> problems(List<String> config, Map<String, String> code, String routesAndConfig) {
        Map<String, String> placeholderDefaults = new java.util.HashMap<>();
        Matcher p = PLACEHOLDER.matcher(routesAndConfig);
        while (p.find()) {
            placeholderDefaults.merge(p.group(1), p.group(2) == null ? "" : p.group(2),
                    (a, b) -> a.isEmpty() ? b : a);
        }
        List<String> problems = new ArrayList<>();
        for (String line : config) {
            Matcher m = LINE.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            boolean commented = !m.group(1).isEmpty();
            String key = m.group(2);
            String value = m.group(3).trim();
            Matcher env = ENV.matcher(value);
            boolean mapsEnvironment = env.matches();
            String shown = mapsEnvironment ? env.group(1) : value;
            if (code.containsKey(key)) {
                if (!shown.equals(code.get(key))) {
                    problems.add(key + ": the configuration shows '" + shown + "', the code's default is '"
                            + code.get(key) + "'");
                } else if (!commented && !mapsEnvironment) {
                    problems.add(key + ": set to the code's default; show it commented out (#" + key + "="
                            + value + ")");
                }
            } else if (placeholderDefaults.containsKey(key)) {
                String routeDefault = placeholderDefaults.get(key);
                if (routeDefault.isEmpty() && commented) {
                    problems.add(key + ": the routes read it without a default; set it");
                } else if (!routeDefault.isEmpty() && !shown.equals(routeDefault)) {
                    problems.add(key + ": the configuration shows '" + shown + "', the routes' default is '"
                            + routeDefault + "'");
                }
            } else {
                problems.add(key + ": neither the code nor a route reads it");
            }
        }
        return problems;
    }

    /** The route files and the configuration's own placeholders ({{syncrunner.tls.enabled}} in camel.ssl.*). */
    private static String routesAndConfig() throws IOException {
        try (Stream<Path> files = Files.list(TOP.resolve("routes"))) {
            List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            StringBuilder all = new StringBuilder();
            for (Path f : yaml) {
                all.append(Files.readString(f)).append('\n');
            }
            all.append(Files.readAllLines(CONFIG).stream().filter(l -> !l.startsWith("#"))
                    .map(l -> l.replaceFirst("^[^=]*=", "")).collect(Collectors.joining("\n")));
            return all.toString();
        }
    }
}
