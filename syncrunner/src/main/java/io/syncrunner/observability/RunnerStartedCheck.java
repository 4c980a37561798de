package io.syncrunner.observability;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.support.service.ServiceSupport;

import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The readiness check {@code runner-started}: DOWN until the whole runner has started — every route, client and pool,
 * the journal's unfinished runs carried on — and runs are started as they come; UP from then on. Readiness only: a
 * runner still starting is alive.
 */
public final class RunnerStartedCheck extends AbstractHealthCheck {
    public static final String ID = "runner-started";
    private final BooleanSupplier started;

    RunnerStartedCheck(BooleanSupplier started) {
        super("syncrunner", ID);
        this.started = started;
    }

    /** Registers the check when the context starts (its registry exists then). */
    public static void install(CamelContext context, BooleanSupplier started) throws Exception {
        RunnerStartedCheck check = new RunnerStartedCheck(started);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStart() {
                HealthCheckRegistry registry = HealthCheckRegistry.get(context);
                if (registry != null) {
                    registry.register(check);
                }
            }

            @Override
            protected void doStop() {
                HealthCheckRegistry registry = HealthCheckRegistry.get(context);
                if (registry != null) {
                    registry.unregister(check);
                }
            }
        });
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (started.getAsBoolean()) {
            builder.message("the runner has started: runs are started as they come").up();
        } else {
            builder.message("the runner is starting: accepted runs wait until every route and client has started")
                    .down();
        }
    }
}
