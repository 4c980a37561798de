package io.syncrunner.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The files of {@code deploy/} (systemd unit, Dockerfile, Kubernetes manifests) agree with the product they deploy:
 * every YAML parses, the probes ask the health paths the runner serves on the port {@code config/application.properties}
 * gives it, the routes ConfigMap holds the shipped {@code routes/*.yaml} as they are, secrets are only referenced,
 * and a stop (SIGTERM) has more time than the runner's graceful shutdown takes.
 */
class DeployFilesTest {
    static final String LIVE = "/observe/health/live";
    static final String READY = "/observe/health/ready";
    /** An environment variable whose value is a credential (or carries one). */
    private static final Pattern SECRET_NAME = Pattern.compile(".*(SECRET|PASSWORD|TOKEN|API_KEY|CLIENT_ID|_USER)$");

    private final Path top = topFolder();
    private final Path deploy = top.resolve("deploy");
    private final Path kubernetes = deploy.resolve("kubernetes");

    @Test
    void shouldParseEveryYamlFileOfDeployAsKubernetesObjects() throws IOException {
        List<Path> files = yamlFiles(deploy);

        assertThat(files).extracting(p -> kubernetes.relativize(p).toString()).containsExactlyInAnyOrder(
                "configmap-routes.yaml", "deployment.yaml", "kustomization.yaml", "secret-example.yaml", "service.yaml");
        for (Path file : files) {
            List<Map<String, Object>> documents = load(file);
            assertThat(documents).as(file.toString()).isNotEmpty();
            for (Map<String, Object> document : documents) {
                assertThat(document).as(file.toString()).containsKeys("apiVersion", "kind");
            }
        }
        // kustomization.yaml names files that exist; the example Secret stays out of it (it would overwrite real ones)
        List<Object> resources = list(single(kubernetes.resolve("kustomization.yaml")).get("resources"));
        assertThat(resources).isNotEmpty().doesNotContain("secret-example.yaml");
        for (Object resource : resources) {
            assertThat(kubernetes.resolve(resource.toString())).isRegularFile();
        }
    }

    @Test
    void shouldProbeTheRunnersHealthPathsOnThePortOfItsSettings() throws IOException {
        int port = serverPort();
        Map<String, Object> container = container();
        Map<String, Object> probes = new TreeMap<>();
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            probes.put(probe, map(map(container.get(probe)).get("httpGet")).get("path"));
            assertThat(containerPort(container, map(map(container.get(probe)).get("httpGet")).get("port")))
                    .as(probe + "'s port").isEqualTo(port);
        }

        assertThat(probes).containsEntry("livenessProbe", LIVE).containsEntry("readinessProbe", READY)
                .containsEntry("startupProbe", LIVE);
        // the variable the settings read the port from, when the manifest sets it, says the same
        env(container).stream().filter(e -> "SYNCRUNNER_HTTP_PORT".equals(e.get("name")))
                .forEach(e -> assertThat(e.get("value")).isEqualTo(String.valueOf(port)));
        // the Service sends its traffic to that port
        Map<String, Object> servicePort = map(list(map(single(kubernetes.resolve("service.yaml")).get("spec"))
                .get("ports")).get(0));
        assertThat(containerPort(container, servicePort.get("targetPort"))).isEqualTo(port);
        // the image exposes it
        assertThat(Files.readString(deploy.resolve("docker/Dockerfile"))).containsPattern("(?m)^EXPOSE " + port + "$");
    }

    @Test
    void shouldMountTheShippedRouteFilesFromTheConfigMap() throws IOException {
        Map<String, Object> configMap = single(kubernetes.resolve("configmap-routes.yaml"));
        Map<String, Object> data = map(configMap.get("data"));
        Map<String, String> shipped = new TreeMap<>();
        for (Path route : yamlFiles(top.resolve("routes"))) {
            shipped.put(route.getFileName().toString(), Files.readString(route));
        }

        assertThat(shipped).isNotEmpty();
        assertThat(data.keySet()).containsExactlyInAnyOrderElementsOf(shipped.keySet());
        shipped.forEach((name, text) -> assertThat(data.get(name))
                .as("%s in configmap-routes.yaml differs from routes/%s: make it again (see its comment)", name, name)
                .isEqualTo(text));
        // the Deployment mounts that ConfigMap where the runner reads its routes (camel.main.routes-include-pattern)
        Map<String, Object> pod = podSpec();
        String volume = list(pod.get("volumes")).stream().map(DeployFilesTest::map)
                .filter(v -> v.get("configMap") != null
                        && map(v.get("configMap")).get("name").equals(map(configMap.get("metadata")).get("name")))
                .map(v -> (String) v.get("name")).findFirst().orElseThrow();
        assertThat(list(container().get("volumeMounts"))).map(DeployFilesTest::map)
                .anySatisfy(m -> assertThat(m).containsEntry("name", volume).containsEntry("mountPath",
                        "/opt/syncrunner/" + settings().getProperty("camel.main.routes-reload-directory")));
        assertThat(settings().getProperty("camel.main.routes-include-pattern")).isEqualTo("file:routes/*.yaml");
    }

    @Test
    void shouldOnlyReferenceSecretsNeverHoldTheirValues() throws IOException {
        // the example Secret names variables the settings read, with no value
        Map<String, Object> secret = single(kubernetes.resolve("secret-example.yaml"));
        assertThat(secret).containsEntry("kind", "Secret").doesNotContainKey("data");
        Map<String, Object> values = map(secret.get("stringData"));
        String properties = Files.readString(top.resolve("config/application.properties"));
        assertThat(values).isNotEmpty().allSatisfy((name, value) -> {
            assertThat(value).as(name).isEqualTo("");
            assertThat(properties).as(name + " is read by config/application.properties").contains("{{env:" + name);
        });
        // the Deployment takes them from the Secret, and sets no credential as a plain value
        Map<String, Object> container = container();
        assertThat(list(container.get("envFrom"))).map(DeployFilesTest::map)
                .anySatisfy(e -> assertThat(map(e.get("secretRef"))).containsEntry("name",
                        map(secret.get("metadata")).get("name")));
        for (Map<String, Object> e : env(container)) {
            if (SECRET_NAME.matcher((String) e.get("name")).matches()) {
                assertThat(e).as(e.get("name") + " in deployment.yaml").doesNotContainKey("value");
            }
        }
        // nothing in deploy/ assigns a credential a value: no NAME=value, NAME: value or ENV NAME value of one
        Pattern assignment = Pattern.compile("(?m)^\\s*(?:Environment=\"?|ENV\\s+|-?\\s*)?([A-Z][A-Z0-9_]*)\\s*[=:]\\s*(\\S.*)$");
        for (Path file : allFiles(deploy)) {
            Matcher m = assignment.matcher(Files.readString(file));
            while (m.find()) {
                if (SECRET_NAME.matcher(m.group(1)).matches()) {
                    assertThat(m.group(2).trim()).as(m.group(1) + " in " + top.relativize(file)).isIn("\"\"", "''");
                }
            }
        }
    }

    @Test
    void shouldKeepTheJournalOnPostgresqlWhenSeveralRunnersRun() throws IOException {
        Map<String, Object> spec = map(single(kubernetes.resolve("deployment.yaml")).get("spec"));
        Map<String, String> env = new LinkedHashMap<>();
        env(container()).forEach(e -> env.put((String) e.get("name"), (String) e.get("value")));

        assertThat((Integer) spec.get("replicas")).isGreaterThan(1);
        assertThat(env.get("SYNCRUNNER_JOURNAL_URL")).startsWith("jdbc:postgresql://");
        assertThat(settings().getProperty("syncrunner.journal.url")).isEqualTo("{{env:SYNCRUNNER_JOURNAL_URL:}}");
        // every replica its own node id (docs/durability.md)
        assertThat(env(container())).anySatisfy(e -> assertThat(e).containsEntry("name", "SYNCRUNNER_NODE_ID")
                .containsEntry("valueFrom", Map.of("fieldRef", Map.of("fieldPath", "metadata.name"))));
        assertThat(map(container().get("resources"))).containsKeys("requests", "limits");
    }

    @Test
    void shouldGiveTheGracefulStopMoreTimeThanTheRunnersShutdownTimeout() throws IOException {
        int shutdownTimeout = Integer.parseInt(settings().getProperty("camel.main.shutdown-timeout"));
        String unit = Files.readString(deploy.resolve("systemd/syncrunner.service"));

        assertThat((Integer) podSpec().get("terminationGracePeriodSeconds")).isGreaterThan(shutdownTimeout + 5);
        assertThat(unitSetting(unit, "TimeoutStopSec")).satisfies(s -> assertThat(Integer.parseInt(s))
                .isGreaterThan(shutdownTimeout + 5));
        assertThat(unitSetting(unit, "KillSignal")).isEqualTo("SIGTERM");
        // a JVM ended by SIGTERM exits with 143: a clean stop, not a failure to restart from
        assertThat(unitSetting(unit, "SuccessExitStatus")).contains("143");
        assertThat(unitSetting(unit, "Restart")).isEqualTo("on-failure");
        assertThat(unitSetting(unit, "ExecStart")).isEqualTo("/opt/syncrunner/bin/syncrunner run");
        assertThat(unitSetting(unit, "WorkingDirectory")).isEqualTo("/opt/syncrunner");
        assertThat(unitSetting(unit, "User")).isNotBlank().isNotEqualTo("root");
        assertThat(unitSetting(unit, "EnvironmentFile")).isNotBlank();
        // the image runs the launcher in exec form (it exec's java, so java gets docker's SIGTERM), as a user
        String dockerfile = Files.readString(deploy.resolve("docker/Dockerfile"));
        assertThat(dockerfile).containsPattern("(?m)^FROM eclipse-temurin:17-jre$")
                .containsPattern("(?m)^ENTRYPOINT \\[\"/opt/syncrunner/bin/syncrunner\"\\]$")
                .containsPattern("(?m)^USER [1-9][0-9]*");
        assertThat(Files.readString(top.resolve("bin/syncrunner"))).contains("exec \"$java_cmd\"");
    }

    // ------------------------------------------------------------------------------------------------- helpers

    /** The repository's top folder: the working directory or the one above the module (surefire runs there). */
    static Path topFolder() {
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir : new Path[] {cwd, cwd.getParent()}) {
            if (dir != null && Files.isDirectory(dir.resolve("deploy")) && Files.isDirectory(dir.resolve("routes"))) {
                return dir;
            }
        }
        throw new IllegalStateException("No deploy/ and routes/ in " + cwd + " or the folder above it");
    }

    private Properties settings() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(top.resolve("config/application.properties"))) {
            p.load(r);
        }
        return p;
    }

    /** camel.server.port as the settings give it when no variable is set: {{env:NAME:default}} or a number. */
    private int serverPort() throws IOException {
        String value = settings().getProperty("camel.server.port");
        Matcher m = Pattern.compile("\\{\\{env:[A-Z_]+:(\\d+)}}").matcher(value);
        return Integer.parseInt(m.matches() ? m.group(1) : value);
    }

    private Map<String, Object> podSpec() throws IOException {
        return map(map(map(single(kubernetes.resolve("deployment.yaml")).get("spec")).get("template")).get("spec"));
    }

    private Map<String, Object> container() throws IOException {
        List<Object> containers = list(podSpec().get("containers"));
        assertThat(containers).hasSize(1);
        return map(containers.get(0));
    }

    private static List<Map<String, Object>> env(Map<String, Object> container) {
        return list(container.get("env")).stream().map(DeployFilesTest::map).toList();
    }

    /** The number of a port given by number or by the name of one of the container's ports. */
    private static int containerPort(Map<String, Object> container, Object port) {
        if (port instanceof Integer number) {
            return number;
        }
        return list(container.get("ports")).stream().map(DeployFilesTest::map)
                .filter(p -> port.equals(p.get("name"))).map(p -> (Integer) p.get("containerPort"))
                .findFirst().orElseThrow(() -> new AssertionError("no container port named " + port));
    }

    private static String unitSetting(String unit, String key) {
        List<String> values = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^" + key + "=(.*)$").matcher(unit);
        while (m.find()) {
            values.add(m.group(1).trim());
        }
        assertThat(values).as(key + " in syncrunner.service").hasSize(1);
        return values.get(0);
    }

    static List<Map<String, Object>> load(Path file) throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        Load load = new Load(LoadSettings.builder().setLabel(file.toString()).build());
        for (Object document : load.loadAllFromString(Files.readString(file, StandardCharsets.UTF_8))) {
            if (document != null) {
                documents.add(map(document));
            }
        }
        return documents;
    }

    static Map<String, Object> single(Path file) throws IOException {
        List<Map<String, Object>> documents = load(file);
        assertThat(documents).as(file.toString()).hasSize(1);
        return documents.get(0);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return (List<Object>) o;
    }

    private static List<Path> yamlFiles(Path dir) throws IOException {
        return allFiles(dir).stream().filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                .toList();
    }

    private static List<Path> allFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
