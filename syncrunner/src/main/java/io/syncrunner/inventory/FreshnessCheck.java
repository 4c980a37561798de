package io.syncrunner.inventory;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.support.service.ServiceSupport;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The readiness check {@code connections-freshness} (with {@code syncrunner.health.freshness=true}): DOWN while a
 * connection of the inventory is stale, naming them ({@code provider:account:connectionId}); UP otherwise, also
 * before the first listing.
 */
public final class FreshnessCheck extends AbstractHealthCheck {
    public static final String ID = "connections-freshness";
    private final ConnectionInventory inventory;

    FreshnessCheck(ConnectionInventory inventory) {
        super("syncrunner", ID);
        this.inventory = inventory;
    }

    /** Registers the check when the context starts. */
    public static void install(CamelContext context, ConnectionInventory inventory) throws Exception {
        FreshnessCheck check = new FreshnessCheck(inventory);
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
        List<ConnectionInventory.View> stale = inventory.views(false).stream().filter(ConnectionInventory.View::stale)
                .toList();
        if (stale.isEmpty()) {
            builder.message(inventory.refreshedAt() == null ? "no connection listed yet"
                    : "every connection had a success within its freshness threshold").up();
            return;
        }
        // provider:account:connectionId (Camel's health answer escapes a slash)
        builder.message("stale connections: " + stale.stream().map(v -> v.listed().key().replace('/', ':')
                + " (last success "
                + (v.secondsSinceSuccess() == null ? "never" : v.secondsSinceSuccess() + "s ago") + ", threshold "
                + v.threshold() + ")").collect(Collectors.joining(", "))).down();
    }
}
