package io.syncrunner.ops;

import io.syncrunner.schedules.Schedules;

import org.apache.camel.CamelContext;
import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.apache.camel.util.AntPathMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Camel's route reload ({@code camel.main.routes-reload-*}) with what the runner needs on top:
 * <ul>
 * <li><b>templatedRoute entries (schedules) reload too.</b> Camel 4.18 reloads a changed file's routes, route
 * templates and route configurations, but skips its {@code templatedRoute} entries. Here they are applied after
 * Camel's part: the file's templated routes of before are replaced by the new ones (added, changed, removed; a
 * deleted file removes its own); if one of the new ones cannot be created, the ones of before are put back.</li>
 * <li><b>the routes of before keep running.</b> With {@code routes-reload-remove-all-routes=false} Camel keeps
 * them when a file does not parse, but it removes a route before building its new version: when that fails
 * (e.g. an unknown component) the old route is put back here, and routes the refused edit added are removed.</li>
 * <li><b>a route id of another file is not taken over.</b> Camel replaces a running route that has the id of a
 * route in the edited file, whatever file it came from; such an edit is refused.</li>
 * <li><b>one clear error.</b> An edit that cannot be loaded is logged as one ERROR line naming the file and, when
 * Camel's YAML loader gives it, the line and column (for a route that could not be built: the route's line).</li>
 * <li><b>one bad file does not block the others.</b> Camel's reloader retries a file whose reload failed with
 * every later reload of any file; here each reload stands on its own.</li>
 * </ul>
 * {@link #install} makes the reloader camel-main created (which watches the folder) reload through this one.
 */
public class RouteFilesReloadStrategy extends RouteWatcherReloadStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(RouteFilesReloadStrategy.class);

    /** The route ids of the templated routes each file made, by absolute file path. */
    private final Map<Path, Set<String>> templatedByFile = new ConcurrentHashMap<>();

    public RouteFilesReloadStrategy(String directory, boolean recursive) {
        super(directory, recursive);
    }

    /**
     * Makes camel-main's route reloader (if route reload is on) reload through this one: Camel's reloader keeps
     * watching the folder and hands each changed file here. This instance is never started itself.
     */
    public static void install(CamelContext context) throws IOException {
        RouteWatcherReloadStrategy camels = context.hasService(RouteWatcherReloadStrategy.class);
        if (camels == null || camels instanceof RouteFilesReloadStrategy || camels.getResourceReload() != null) {
            return;
        }
        RouteFilesReloadStrategy ours = new RouteFilesReloadStrategy(camels.getFolder(), camels.isRecursive());
        ours.setCamelContext(context);
        ours.setPattern(camels.getPattern());
        ours.setRemoveAllRoutes(camels.isRemoveAllRoutes());
        ours.rememberTemplatedRoutesOfFiles();
        camels.setResourceReload((name, resource) -> {
            if (name.endsWith(".properties")) {
                ours.onPropertiesReload(resource, true);
            } else if (name.endsWith(".groovy")) {
                ours.onGroovyReload(resource, true);
            } else if (!ours.reload(List.of(resource))) {
                camels.setLastError(ours.getLastError());
            }
        });
    }

    /** Which templated routes each route file in the folder makes (so that a later edit can replace them). */
    private void rememberTemplatedRoutesOfFiles() throws IOException {
        if (getFolder() == null || !new File(getFolder()).isDirectory()) {
            return;
        }
        AntPathMatcher matcher = new AntPathMatcher();
        String[] patterns = (getPattern() == null || getPattern().isBlank() ? "*.yaml,*.xml" : getPattern())
                .split(",");
        try (Stream<Path> files = isRecursive() ? Files.walk(Paths.get(getFolder()))
                : Files.list(Paths.get(getFolder()))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (Stream.of(patterns).noneMatch(p -> matcher.match(p.trim(), name))) {
                    continue;
                }
                Set<String> ids = new LinkedHashSet<>();
                RouteFileIndex.of(Files.readString(file)).ofKind("templatedRoute").forEach(e -> {
                    if (e.id() != null) {
                        ids.add(e.id());
                    }
                });
                if (!ids.isEmpty()) {
                    templatedByFile.put(key(file), ids);
                }
            }
        }
    }

    /** Reloads the files; false (the error logged) if they could not be loaded. */
    boolean reload(Collection<Resource> resources) {
        setLastError(null);
        onRouteReload(resources, false);
        return getLastError() == null;
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        List<RouteDefinition> before = routesOf(resources);
        try {
            if (resources != null) {
                for (Resource resource : resources) {
                    refuseRouteIdsOfOtherFiles(resource);
                }
            }
            if (isRemoveAllRoutes()) {
                super.onRouteReload(resources, removeEverything);
            } else {
                // Camel's reloader retries every file of a failed reload with each later one, so one bad file
                // would block every other edit until fixed; with only the changed file's routes replaced there
                // is nothing to go back to, so each reload starts afresh
                CamelReload once = new CamelReload(getFolder(), isRecursive());
                once.setCamelContext(getCamelContext());
                once.setRemoveAllRoutes(false);
                once.reload(resources, removeEverything);
            }
            if (resources != null) {
                for (Resource resource : resources) {
                    reloadTemplatedRoutes(resource);
                }
            }
        } catch (RuntimeException e) {
            String file = resources == null || resources.isEmpty() ? "(unknown file)"
                    : RouteFileProblem.fileOf(resources.iterator().next().getLocation());
            RouteFileProblem problem = e instanceof RouteFileException rfe ? rfe.problem()
                    : withRouteLine(RouteFileProblem.of(file, e), e);
            LOG.error("Route file {} was not reloaded, the routes loaded before keep running: {}", file, problem);
            // Camel removes a route before it builds its new version: if that failed, the old one is gone
            restore(before, resources);
            LOG.debug("Reload of {} failed", file, e);
            setLastError(e);
        }
    }

    /**
     * A route that could not be built: Camel's message has no line, so the line of that route's entry is given, and
     * instead of Camel's dump of the route and its chain of exception class names, the step and the root cause:
     * {@code Failed to create route: probe at step to[nosuch:thing]: No endpoint could be found for: nosuch://thing, ...}.
     */
    private static RouteFileProblem withRouteLine(RouteFileProblem problem, Throwable error) {
        if (problem.line() > 0) {
            return problem;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof FailedToCreateRouteException f && f.getRouteId() != null) {
                int line = RouteFileIndex.of(text(key(Paths.get(problem.file())))).line("route", f.getRouteId());
                Throwable root = f;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                java.util.regex.Matcher step = STEP.matcher(f.getMessage() == null ? "" : f.getMessage());
                String message = root == f ? problem.message() : "Failed to create route: " + f.getRouteId()
                        + (step.find() ? " at step " + step.group(1) : "") + ": "
                        + RouteFileProblem.oneLine(root.getMessage() == null ? root.getClass().getSimpleName()
                        : root.getMessage());
                return new RouteFileProblem(problem.file(), Math.max(line, 0), 0, message);
            }
        }
        return problem;
    }

    /** The step Camel's FailedToCreateRouteException names: {@code at: >>> to[nosuch:thing] <<< in route}. */
    private static final java.util.regex.Pattern STEP = java.util.regex.Pattern.compile("at: >>> (.*?) <<<");

    /**
     * Camel's reload replaces a running route that has the id of a route in the edited file, whatever file that
     * route came from (a new file with {@code id: sync-request} would silently take the place of the runner's own
     * route): such an edit is refused. Routes of the edited file itself are replaced as usual.
     */
    private void refuseRouteIdsOfOtherFiles(Resource resource) {
        Path path;
        try {
            path = key(Paths.get(resource.getURI()));
        } catch (RuntimeException e) {
            return;
        }
        if (!Files.exists(path)) {
            return;
        }
        String file = RouteFileProblem.fileOf(resource.getLocation());
        for (RouteFileIndex.Entry entry : RouteFileIndex.of(text(path)).ofKind("route")) {
            String owner = entry.id() == null ? null : ownerOf(entry.id(), path);
            if (owner != null) {
                throw new RouteFileException(new RouteFileProblem(file, entry.line(), 0, "route id '" + entry.id()
                        + "' is already used by " + owner + " (route ids are unique among all route files)"), null);
            }
        }
    }

    /** Where the route with this id that runs now comes from, when not from this file; null when none runs. */
    private String ownerOf(String id, Path path) {
        RouteDefinition def = model().getRouteDefinition(id);
        if (def == null && getCamelContext().getRoute(id) == null) {
            return null;
        }
        for (Map.Entry<Path, Set<String>> t : templatedByFile.entrySet()) {
            if (t.getValue().contains(id)) {
                int line = RouteFileIndex.of(text(t.getKey())).line("templatedRoute", id);
                return t.getKey().equals(path) ? null : "the templatedRoute in " + t.getKey() + (line > 0 ? ":" + line : "");
            }
        }
        if (def != null && def.getResource() != null && def.getResource().getLocation() != null) {
            String location = RouteFileProblem.fileOf(def.getResource().getLocation());
            Path other = key(Paths.get(location));
            if (other.equals(path)) {
                return null;
            }
            int line = RouteFileIndex.of(text(other)).line("route", id);
            return location + (line > 0 ? ":" + line : "");
        }
        return "a route of the runner";
    }

    /** The definitions of the routes (not templated ones) loaded from these files. */
    private List<RouteDefinition> routesOf(Collection<Resource> resources) {
        List<RouteDefinition> list = new ArrayList<>();
        if (resources == null || getCamelContext() == null) {
            return list;
        }
        Set<Path> files = new java.util.HashSet<>();
        resources.forEach(r -> files.add(key(Paths.get(RouteFileProblem.fileOf(r.getLocation())))));
        for (RouteDefinition def : model().getRouteDefinitions()) {
            if (def.getResource() != null && def.getId() != null
                    && files.contains(key(Paths.get(RouteFileProblem.fileOf(def.getResource().getLocation()))))) {
                list.add(def);
            }
        }
        return list;
    }

    /** After a failed reload: the routes of before run again, and no route of the refused edit is left. */
    private void restore(List<RouteDefinition> before, Collection<Resource> resources) {
        CamelContext context = getCamelContext();
        Set<String> ids = new LinkedHashSet<>();
        before.forEach(d -> ids.add(d.getId()));
        try {
            for (RouteDefinition def : routesOf(resources)) {
                if (!ids.contains(def.getId())) {
                    remove(context, model(), def.getId());
                }
            }
            for (RouteDefinition def : before) {
                if (context.getRoute(def.getId()) == null) {
                    remove(context, model(), def.getId()); // a new version that failed to start
                    model().addRouteDefinition(def);
                    LOG.info("Route {} restored as it was before the refused edit", def.getId());
                }
            }
        } catch (Exception e) {
            LOG.error("The routes {} could not all be restored after the refused edit: {}", ids,
                    RouteFileProblem.message(e));
        }
    }

    private Model model() {
        return getCamelContext().getCamelContextExtension().getContextPlugin(Model.class);
    }

    private void reloadTemplatedRoutes(Resource resource) {
        CamelContext context = getCamelContext();
        Path path = key(Paths.get(resource.getURI()));
        String file = RouteFileProblem.fileOf(resource.getLocation());
        Set<String> before = templatedByFile.getOrDefault(path, Set.of());
        List<TemplatedRouteDefinition> now = Files.exists(path) ? templatedRoutesOf(resource) : List.of();
        if (before.isEmpty() && now.isEmpty()) {
            return;
        }
        RouteFileIndex index = RouteFileIndex.of(text(path));
        List<RouteFileIndex.Entry> lines = index.ofKind("templatedRoute");
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < now.size(); i++) {
            String id = now.get(i).getRouteId();
            int line = i < lines.size() ? lines.get(i).line() : 0;
            if (id == null || id.isBlank()) {
                throw new RouteFileException(new RouteFileProblem(file, line, 0,
                        "a templatedRoute needs a routeId (a live edit replaces templated routes by their id)"), null);
            }
            if (!ids.add(id) || (!before.contains(id) && context.getRoute(id) != null)) {
                throw new RouteFileException(new RouteFileProblem(file, line, 0, "route id '" + id
                        + "' is used twice (route ids are unique among all route files)"), null);
            }
        }

        // schedules are checked before the running ones are touched: a refused edit leaves them exactly as they were
        for (TemplatedRouteDefinition def : now) {
            try {
                Schedules.check(context, def);
            } catch (Schedules.InvalidScheduleException e) {
                throw new RouteFileException(new RouteFileProblem(file, index.line("templatedRoute", def.getRouteId()),
                        0, e.getMessage()), e);
            }
        }

        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        List<RouteDefinition> previous = new ArrayList<>();
        for (String id : before) {
            RouteDefinition def = model.getRouteDefinition(id);
            if (def != null) {
                previous.add(def);
            }
            remove(context, model, id);
        }
        List<String> added = new ArrayList<>();
        TemplatedRouteDefinition current = null;
        try {
            for (TemplatedRouteDefinition def : now) {
                current = def;
                model.addRouteFromTemplatedRoute(def);
                added.add(def.getRouteId());
            }
        } catch (Exception e) {
            // put back what ran before this edit
            if (current != null) {
                added.add(current.getRouteId());
            }
            for (String id : added) {
                remove(context, model, id);
            }
            try {
                model.addRouteDefinitions(previous);
            } catch (Exception again) {
                LOG.error("The templated routes {} of {} could not be restored: {}", before, file,
                        RouteFileProblem.message(again));
            }
            String id = current == null ? null : current.getRouteId();
            throw new RouteFileException(new RouteFileProblem(file, index.line("templatedRoute", id), 0,
                    RouteFileProblem.message(e)), e);
        }
        templatedByFile.put(path, ids);
        Set<String> removed = new LinkedHashSet<>(before);
        removed.removeAll(ids);
        LOG.info("Templated routes of {} reloaded: {}{}", file, ids.isEmpty() ? "none" : String.join(", ", ids),
                removed.isEmpty() ? "" : " (removed: " + String.join(", ", removed) + ")");
    }

    private List<TemplatedRouteDefinition> templatedRoutesOf(Resource resource) {
        CamelContext context = getCamelContext();
        try {
            List<TemplatedRouteDefinition> list = new ArrayList<>();
            for (RoutesBuilder builder : PluginHelper.getRoutesLoader(context)
                    .findRoutesBuilders(List.of(resource))) {
                if (builder instanceof RouteBuilder rb) {
                    rb.configureRoutes(context);
                    list.addAll(rb.getTemplatedRouteCollection().getTemplatedRoutes());
                }
            }
            return list;
        } catch (Exception e) {
            throw new RouteFileException(RouteFileProblem.of(RouteFileProblem.fileOf(resource.getLocation()), e), e);
        }
    }

    /** Camel's own reload of route files, for one reload. */
    private static final class CamelReload extends RouteWatcherReloadStrategy {
        CamelReload(String directory, boolean recursive) {
            super(directory, recursive);
        }

        void reload(Collection<Resource> resources, boolean removeEverything) {
            onRouteReload(resources, removeEverything);
        }
    }

    private static void remove(CamelContext context, Model model, String id) {
        try {
            RouteDefinition def = model.getRouteDefinition(id);
            if (def != null) {
                model.removeRouteDefinition(def);
            } else if (context.getRoute(id) != null) {
                context.getRouteController().stopRoute(id);
                context.removeRoute(id);
            }
        } catch (Exception e) {
            throw new IllegalStateException("Could not remove route " + id + ": " + e.getMessage(), e);
        }
    }

    private static String text(Path path) {
        try {
            return Files.exists(path) ? Files.readString(path) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static Path key(Path file) {
        return file.toAbsolutePath().normalize();
    }
}
