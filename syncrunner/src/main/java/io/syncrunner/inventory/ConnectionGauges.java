package io.syncrunner.inventory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The inventory's Prometheus gauges, per connection {provider, account, connection}:
 * <ul>
 * <li>{@code syncrunner_connection_seconds_since_success}: seconds since its last successful sync ended (NaN:
 * never)</li>
 * <li>{@code syncrunner_connection_stale}: 1 when it is stale, else 0</li>
 * <li>{@code syncrunner_connection_last_outcome} with one more label {@code outcome} (succeeded, failed, running,
 * cancelled, unknown, none): the one series of the connection has the value 1 and the label of its last sync's
 * outcome (the series is replaced when the outcome changes)</li>
 * </ul>
 * Values are read from the inventory when Prometheus scrapes; a connection no longer listed loses its series.
 */
public final class ConnectionGauges {
    private final MeterRegistry registry;
    private final ConnectionInventory inventory;
    private final Map<String, List<Meter>> fixed = new ConcurrentHashMap<>();
    private final Map<String, Meter> outcome = new ConcurrentHashMap<>();
    private final Map<String, String> outcomeLabel = new ConcurrentHashMap<>();

    public ConnectionGauges(MeterRegistry registry, ConnectionInventory inventory) {
        this.registry = registry;
        this.inventory = inventory;
    }

    /** Follows exactly these connections (keys {@code provider/account/connectionId}). */
    public synchronized void follow(Set<String> keys) {
        for (String gone : new ArrayList<>(fixed.keySet())) {
            if (!keys.contains(gone)) {
                forget(gone);
            }
        }
        for (String key : keys) {
            register(key);
        }
    }

    /** Follows this one connection (listed again alone): its series, added or updated; no other is looked at. */
    public synchronized void followOne(String key) {
        if (inventory.listed(key) == null) {
            forget(key);
        } else {
            register(key);
        }
    }

    private void forget(String key) {
        List<Meter> gone = fixed.remove(key);
        if (gone != null) {
            gone.forEach(registry::remove);
        }
        Meter m = outcome.remove(key);
        if (m != null) {
            registry.remove(m);
        }
        outcomeLabel.remove(key);
    }

    /** The connection's series, from its listing (no journal read). */
    private void register(String key) {
        ListedConnection listed = inventory.listed(key);
        if (listed == null) {
            return;
        }
        Tags tags = Tags.of("provider", listed.provider(), "account", listed.account(), "connection",
                listed.connectionId());
        fixed.computeIfAbsent(key, k -> List.of(
                Gauge.builder("syncrunner.connection.seconds.since.success", inventory, i -> seconds(i, k))
                        .description("Seconds since the connection's last successful sync ended (NaN: never)")
                        .tags(tags).strongReference(true).register(registry),
                Gauge.builder("syncrunner.connection.stale", inventory, i -> stale(i, k))
                        .description("1 when the connection has had no success within its freshness threshold")
                        .tags(tags).strongReference(true).register(registry)));
        String label = listed.lastSync() == null ? "none" : listed.lastSync().status();
        if (!label.equals(outcomeLabel.get(key))) {
            Meter old = outcome.remove(key);
            if (old != null) {
                registry.remove(old);
            }
            outcome.put(key, Gauge.builder("syncrunner.connection.last.outcome", () -> 1)
                    .description("1, labelled with the outcome of the connection's last sync")
                    .tags(tags.and("outcome", label)).strongReference(true).register(registry));
            outcomeLabel.put(key, label);
        }
    }

    private static double seconds(ConnectionInventory inventory, String key) {
        ConnectionInventory.View v = inventory.view(key, false);
        return v == null || v.secondsSinceSuccess() == null ? Double.NaN : v.secondsSinceSuccess();
    }

    private static double stale(ConnectionInventory inventory, String key) {
        ConnectionInventory.View v = inventory.view(key, false);
        return v == null ? Double.NaN : v.stale() ? 1 : 0;
    }
}
