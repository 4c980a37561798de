package io.syncrunner.ops;

import io.syncrunner.schedules.Schedules;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * How the runner loads and reloads its route files: the schedule checks of the scheduled-sync template and the
 * route reloader that also reloads schedules (templatedRoute entries). Listed in
 * {@code camel.main.configuration-classes}; runs before the route files are loaded.
 */
public class RouteFilesConfiguration implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) throws Exception {
        Schedules.install(context);
        RouteFilesReloadStrategy.install(context);
    }
}
