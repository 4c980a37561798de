package io.syncrunner.devtools.emulator;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Thread-safe registry of {@link FaultRule}s; rules are tried in the order they were added, the first that applies wins. */
public final class Faults {

    private final CopyOnWriteArrayList<FaultRule> rules = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong injected = new AtomicLong();

    /** Registers a rule (which can then no longer be changed) and returns it. */
    public FaultRule add(FaultRule rule) {
        rule.register(ids.incrementAndGet());
        rules.add(rule);
        return rule;
    }

    /** Removes one rule; returns whether it was registered. */
    public boolean remove(FaultRule rule) {
        return rules.remove(rule);
    }

    /** Removes all rules (the injected-fault total is kept). */
    public void clear() {
        rules.clear();
    }

    /** The registered rules in order. */
    public List<FaultRule> rules() {
        return List.copyOf(rules);
    }

    /** Total number of faults injected by all rules ever registered. */
    public long injectedCount() {
        return injected.get();
    }

    /** Finds the first rule that applies to this request (and counts it as injected). */
    Optional<FaultRule> select(String method, String apiPath) {
        return select(method, apiPath, null);
    }

    /** Like {@link #select(String, String)}; a rule's regex may also match the full path (if not null). */
    Optional<FaultRule> select(String method, String apiPath, String fullPath) {
        for (FaultRule rule : rules) {
            if (rule.tryApply(method, apiPath, fullPath)) {
                injected.incrementAndGet();
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }
}
