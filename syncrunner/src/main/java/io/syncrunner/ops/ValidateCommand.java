package io.syncrunner.ops;

import io.syncrunner.schedules.Schedules;
import org.apache.camel.CamelContext;
import org.apache.camel.LineNumberAware;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.EndpointRequiredDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.RouteTemplateParameterDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.util.URISupport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code syncrunner validate [-pl properties-location] [routes-dir-or-files...]} (default {@code routes/}): checks
 * route files without starting anything or connecting anywhere, for the ops team's CI.
 * <p>
 * Every file is parsed with Camel's own YAML DSL loader into route definitions (never built into running routes,
 * so no endpoint is created and no bean needed), which finds invalid YAML, unknown steps (EIPs) and unknown
 * options. Then, across all files: duplicate route and template ids, {@code kamelet:} steps naming a template
 * that does not exist or leaving out a required parameter, and every {@code templatedRoute} is expanded from its
 * template as the runner would (unknown template, missing parameters); schedules get the runner's own checks
 * (Quartz cron, time zone, sync request, missed-fires policy; {@link Schedules}). Placeholders in schedules are
 * resolved with {@code config/application.properties} when it exists.
 * <p>
 * Prints {@code OK <file>} per good file and one {@code ERROR <file>:<line>:<column>: <problem>} line per
 * problem (line and column when known); exit code 0 when all files are good, 1 otherwise.
 */
public final class ValidateCommand {
    private static final String DEFAULT_PROPERTIES = "config/application.properties";

    private final PrintStream out;
    private final Map<String, List<RouteFileProblem>> problems = new LinkedHashMap<>();

    private ValidateCommand(PrintStream out) {
        this.out = out;
    }

    public static void main(String... args) {
        System.exit(run(List.of(args), System.out));
    }

    /** Runs the command; returns the exit code. */
    public static int run(List<String> args, PrintStream out) {
        return new ValidateCommand(out).validate(args);
    }

    private int validate(List<String> args) {
        String properties = Files.exists(Paths.get(DEFAULT_PROPERTIES)) ? "file:" + DEFAULT_PROPERTIES : null;
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-pl") || a.equals("-propertiesLocation")) && i + 1 < args.size()) {
                properties = args.get(++i);
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println("Usage: syncrunner validate [-pl properties-location] [routes-dir-or-files...]"
                        + " (default: routes/)");
                return 0;
            } else {
                paths.add(a);
            }
        }
        List<String> files = files(paths.isEmpty() ? List.of("routes") : paths);
        if (files.isEmpty() && problems.isEmpty()) {
            out.println("ERROR no route files (*.yaml, *.yml) in " + (paths.isEmpty() ? "routes" : paths));
            return 1;
        }
        // never started: no route, endpoint, component or bean is created, nothing connects anywhere
        DefaultCamelContext context = new DefaultCamelContext();
        context.getCamelContextExtension().setName("syncrunner-validate");
        if (properties != null) {
            context.getPropertiesComponent().setLocation(properties);
            context.getPropertiesComponent().setIgnoreMissingLocation(true);
        }
        Schedules.install(context);
        check(context, files);
        int count = 0;
        for (String file : files) {
            List<RouteFileProblem> list = problems.getOrDefault(file, List.of());
            if (list.isEmpty()) {
                out.println("OK " + file);
            }
            for (RouteFileProblem p : list) {
                out.println("ERROR " + p);
                count++;
            }
        }
        for (Map.Entry<String, List<RouteFileProblem>> e : problems.entrySet()) {
            if (!files.contains(e.getKey())) {
                e.getValue().forEach(p -> out.println("ERROR " + p));
                count += e.getValue().size();
            }
        }
        out.println(files.size() + " route file(s) checked, " + (count == 0 ? "no problems"
                : count + " problem(s)"));
        return count == 0 ? 0 : 1;
    }

    /** The route files named (files as given, directories: their *.yaml and *.yml files, sorted). */
    private List<String> files(List<String> paths) {
        List<String> files = new ArrayList<>();
        for (String p : paths) {
            Path path = Paths.get(p);
            if (Files.isDirectory(path)) {
                try (Stream<Path> list = Files.list(path)) {
                    list.filter(Files::isRegularFile).map(Path::toString)
                            .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml")).sorted().forEach(files::add);
                } catch (IOException e) {
                    problem(p, 0, "cannot list the directory: " + e.getMessage());
                }
            } else if (Files.isRegularFile(path)) {
                files.add(p);
            } else {
                problem(p, 0, "no such file or directory");
            }
        }
        return files;
    }

    private record Loaded(String file, RouteBuilder builder, RouteFileIndex index) {
    }

    private void check(CamelContext context, List<String> files) {
        // 1. each file on its own: YAML, steps, options
        List<Loaded> loaded = new ArrayList<>();
        for (String file : files) {
            try {
                String text = Files.readString(Paths.get(file));
                if (text.isBlank()) {
                    problem(file, 0, "the file is empty (Camel refuses to load an empty route file)");
                    continue;
                }
                Resource resource = PluginHelper.getResourceLoader(context).resolveResource("file:" + file);
                for (RoutesBuilder b : PluginHelper.getRoutesLoader(context).findRoutesBuilders(List.of(resource))) {
                    if (b instanceof RouteBuilder rb) {
                        rb.configureRoutes(context);
                        loaded.add(new Loaded(file, rb, RouteFileIndex.of(text)));
                    }
                }
            } catch (Exception e) {
                problems.computeIfAbsent(file, f -> new ArrayList<>()).add(RouteFileProblem.of(file, e));
            }
        }

        // 2. ids across files, route templates
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        Map<String, String> routeIds = new LinkedHashMap<>();
        Map<String, String> templateIds = new LinkedHashMap<>();
        Map<String, RouteTemplateDefinition> templates = new LinkedHashMap<>();
        for (Loaded l : loaded) {
            for (RouteDefinition r : l.builder().getRouteCollection().getRoutes()) {
                unique(routeIds, "route id", r.getId(), l.file(), line(r, l.index(), "route"));
            }
            for (TemplatedRouteDefinition t : l.builder().getTemplatedRouteCollection().getTemplatedRoutes()) {
                unique(routeIds, "route id", t.getRouteId(), l.file(), l.index().line("templatedRoute",
                        t.getRouteId()));
            }
            for (RouteTemplateDefinition t : l.builder().getRouteTemplateCollection().getRouteTemplates()) {
                int line = l.index().line("routeTemplate", t.getId());
                if (unique(templateIds, "route template id", t.getId(), l.file(), line)) {
                    templates.put(t.getId(), t);
                }
            }
            try {
                model.addRouteTemplateDefinitions(l.builder().getRouteTemplateCollection().getRouteTemplates());
            } catch (Exception e) {
                problems.computeIfAbsent(l.file(), f -> new ArrayList<>()).add(RouteFileProblem.of(l.file(), e));
            }
        }

        // 3. kamelet steps: the template exists and gets its required parameters
        for (Loaded l : loaded) {
            for (RouteDefinition r : l.builder().getRouteCollection().getRoutes()) {
                checkKamelets(context, templates, r, l.file(), line(r, l.index(), "route"),
                        "route '" + r.getId() + "'");
            }
            for (RouteTemplateDefinition t : l.builder().getRouteTemplateCollection().getRouteTemplates()) {
                if (t.getRoute() != null) {
                    checkKamelets(context, templates, t.getRoute(), l.file(),
                            l.index().line("routeTemplate", t.getId()), "route template '" + t.getId() + "'");
                }
            }
        }

        // 4. templated routes (schedules): expanded from their template as the runner does, without starting
        for (Loaded l : loaded) {
            List<RouteFileIndex.Entry> entries = l.index().ofKind("templatedRoute");
            List<TemplatedRouteDefinition> defs = l.builder().getTemplatedRouteCollection().getTemplatedRoutes();
            for (int i = 0; i < defs.size(); i++) {
                TemplatedRouteDefinition t = defs.get(i);
                int line = t.getRouteId() != null ? l.index().line("templatedRoute", t.getRouteId())
                        : i < entries.size() ? entries.get(i).line() : 0;
                try {
                    model.addRouteFromTemplatedRoute(t);
                } catch (Exception e) {
                    String what = "templatedRoute" + (t.getRouteId() == null ? "" : " '" + t.getRouteId() + "'");
                    String msg = RouteFileProblem.message(e);
                    problem(l.file(), line, msg.startsWith("Schedule '") ? msg : what + ": " + msg);
                }
            }
        }
    }

    private void checkKamelets(CamelContext context, Map<String, RouteTemplateDefinition> templates,
            RouteDefinition route, String file, int line, String where) {
        // every step with a static endpoint (to, wireTap, enrich, ...), with its line when Camel kept it
        Map<String, Integer> uris = new LinkedHashMap<>();
        try {
            for (EndpointRequiredDefinition step : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(),
                    EndpointRequiredDefinition.class)) {
                String uri = step.getEndpointUri();
                int stepLine = step instanceof LineNumberAware lna && lna.getLineNumber() > 0
                        ? lna.getLineNumber() : line;
                if (uri != null) {
                    uris.putIfAbsent(uri, stepLine);
                }
            }
        } catch (RuntimeException e) {
            return;
        }
        for (Map.Entry<String, Integer> step : uris.entrySet()) {
            String uri = step.getKey();
            int at = step.getValue();
            if (!uri.startsWith("kamelet:")) {
                continue;
            }
            String rest = uri.substring("kamelet:".length()).replaceFirst("^//", "");
            String name = rest.split("[/?]", 2)[0];
            if (name.equals("source") || name.equals("sink") || name.contains("{{")) {
                continue;
            }
            RouteTemplateDefinition template = templates.get(name);
            if (template == null) {
                if (context.getClassResolver().loadResourceAsURL("kamelets/" + name + ".kamelet.yaml") == null) {
                    problem(file, at, where + " uses kamelet:" + name + ", but no route template '" + name
                            + "' exists" + (templates.isEmpty() ? "" : " (templates: "
                            + String.join(", ", new TreeSet<>(templates.keySet())) + ")"));
                }
                continue;
            }
            Set<String> given = new TreeSet<>();
            int q = rest.indexOf('?');
            if (q >= 0) {
                try {
                    URISupport.parseQuery(rest.substring(q + 1)).keySet().forEach(given::add);
                } catch (Exception e) {
                    continue;
                }
            }
            Set<String> missing = new TreeSet<>();
            if (template.getTemplateParameters() != null) {
                for (RouteTemplateParameterDefinition p : template.getTemplateParameters()) {
                    if (p.isRequired() && p.getDefaultValue() == null && !given.contains(p.getName())) {
                        missing.add(p.getName());
                    }
                }
            }
            if (!missing.isEmpty()) {
                problem(file, at, where + " uses kamelet:" + name + " without its required parameter(s) "
                        + String.join(", ", missing));
            }
        }
    }

    /** Records the id; false (and a problem) if it was seen before. */
    private boolean unique(Map<String, String> seen, String what, String id, String file, int line) {
        if (id == null) {
            return true;
        }
        String first = seen.putIfAbsent(id, file + (line > 0 ? ":" + line : ""));
        if (first != null) {
            problem(file, line, "duplicate " + what + " '" + id + "' (first at " + first + ")");
            return false;
        }
        return true;
    }

    private static int line(RouteDefinition route, RouteFileIndex index, String kind) {
        int line = index.line(kind, route.getId());
        if (line == 0 && route.getInput() != null) {
            line = route.getInput().getLineNumber();
        }
        return Math.max(line, 0);
    }

    private void problem(String file, int line, String message) {
        problems.computeIfAbsent(file, f -> new ArrayList<>()).add(new RouteFileProblem(file, line, 0, message));
    }
}
