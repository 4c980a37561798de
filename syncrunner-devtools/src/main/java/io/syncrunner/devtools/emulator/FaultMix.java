package io.syncrunner.devtools.emulator;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A standard mix of faults at a total rate, for every API path of an emulator (token, triggers, status reads, job
 * lists, cancels, Fivetran connector reads and syncs; never the admin endpoints). Each request is faulted with
 * probability {@code totalRate}; a faulted request gets one {@link Kind}, chosen by the kinds' weights.
 *
 * <pre>{@code
 * FaultMix.Installed mix = FaultMix.standard(0.2, 42).timeoutDelay(Duration.ofMillis(2500)).installOn(emulator.faults());
 * ... mix.injectedByKind() ...
 * mix.remove();
 * }</pre>
 *
 * <p>It is installed as one {@link FaultRule} per kind (method {@code *}, path {@code .*}), in the order of
 * {@link Kind}. As the first rule that applies wins, rule {@code i} gets the conditional rate
 * {@code q_i / (1 - (q_1 + ... + q_(i-1)))}, where {@code q_i = totalRate * weight_i}: each kind then hits
 * {@code q_i} of all requests, and all kinds together {@code totalRate}. Every rule has its own seed derived from
 * the mix's seed, so the sequence of decisions of a rule is reproducible (which request gets which decision still
 * depends on the order in which concurrent requests arrive).
 */
public final class FaultMix {

    /** Default of {@link #timeoutDelay}: longer than the runner's default HTTP response timeout (60 s). */
    public static final Duration DEFAULT_TIMEOUT_DELAY = Duration.ofSeconds(61);
    /** Default of {@link #slowDelay}: slow, but well within any response timeout. */
    public static final Duration DEFAULT_SLOW_DELAY = Duration.ofMillis(500);

    /** The kinds of fault of the mix, with their share of the faulted requests (the weights add up to 1). */
    public enum Kind {
        /** 500 instead of handling the request. */
        STATUS_500(0.10),
        /** 502 instead of handling the request. */
        STATUS_502(0.10),
        /** 503 instead of handling the request. */
        STATUS_503(0.10),
        /** 429 with {@code Retry-After: 1} instead of handling the request. */
        STATUS_429(0.12),
        /** No answer within the timeout delay, then the connection is closed; the request is never handled. */
        TIMEOUT(0.08),
        /** The request is handled (a job IS created), then no answer within the timeout delay, then closed. */
        TIMEOUT_AFTER_PROCESSING(0.08),
        /** The connection is closed without an answer; the request is never handled. */
        DROP(0.10),
        /** The request is handled (a job IS created), then the connection is closed without an answer. */
        DROP_AFTER_PROCESSING(0.10),
        /** The request is handled (a job IS created), but the answer is a 500. */
        STATUS_500_AFTER_PROCESSING(0.12),
        /** A correct answer after the slow delay. */
        SLOW(0.10);

        private final double weight;

        Kind(double weight) {
            this.weight = weight;
        }

        /** This kind's share of the faulted requests. */
        public double weight() {
            return weight;
        }
    }

    private final double totalRate;
    private final long seed;
    private final Duration timeoutDelay;
    private final Duration slowDelay;

    private FaultMix(double totalRate, long seed, Duration timeoutDelay, Duration slowDelay) {
        if (!(totalRate >= 0.0 && totalRate <= 1.0)) {
            throw new IllegalArgumentException("the total fault rate must be within 0..1, got " + totalRate);
        }
        if (timeoutDelay == null || timeoutDelay.isNegative() || timeoutDelay.isZero()) {
            throw new IllegalArgumentException("the timeout delay must be positive");
        }
        if (slowDelay == null || slowDelay.isNegative() || slowDelay.isZero()) {
            throw new IllegalArgumentException("the slow delay must be positive");
        }
        this.totalRate = totalRate;
        this.seed = seed;
        this.timeoutDelay = timeoutDelay;
        this.slowDelay = slowDelay;
    }

    /** The standard mix: {@code totalRate} (0..1) of all requests faulted, decisions seeded with {@code seed}. */
    public static FaultMix standard(double totalRate, long seed) {
        return new FaultMix(totalRate, seed, DEFAULT_TIMEOUT_DELAY, DEFAULT_SLOW_DELAY);
    }

    /**
     * How long a {@link Kind#TIMEOUT} fault holds the answer before it closes the connection; must be longer than
     * the client's response timeout for the client to time out (default 61 s, beyond the runner's default of 60 s).
     */
    public FaultMix timeoutDelay(Duration delay) {
        return new FaultMix(totalRate, seed, delay, slowDelay);
    }

    /** How long a {@link Kind#SLOW} answer is held back; should be shorter than the client's response timeout. */
    public FaultMix slowDelay(Duration delay) {
        return new FaultMix(totalRate, seed, timeoutDelay, delay);
    }

    public double totalRate() {
        return totalRate;
    }

    public long seed() {
        return seed;
    }

    public Duration timeoutDelay() {
        return timeoutDelay;
    }

    public Duration slowDelay() {
        return slowDelay;
    }

    /** The share of all requests each kind is meant to hit ({@code totalRate * weight}). */
    public Map<Kind, Double> ratesByKind() {
        Map<Kind, Double> out = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            out.put(k, totalRate * k.weight());
        }
        return out;
    }

    /**
     * Adds the mix's rules to the registry (after the rules already there); with a total rate of 0 nothing is
     * added.
     */
    public Installed installOn(Faults faults) {
        Objects.requireNonNull(faults, "faults");
        Map<Kind, FaultRule> rules = new EnumMap<>(Kind.class);
        if (totalRate == 0.0) {
            return new Installed(faults, rules);
        }
        double taken = 0.0;
        for (Kind kind : Kind.values()) {
            double share = totalRate * kind.weight();
            double left = 1.0 - taken;
            double conditional = left <= 0.0 ? 1.0 : Math.min(1.0, share / left);
            taken += share;
            FaultRule rule = rule(kind).rate(conditional).seed(seed * 1_000_003L + kind.ordinal());
            rules.put(kind, faults.add(rule));
        }
        return new Installed(faults, rules);
    }

    private FaultRule rule(Kind kind) {
        FaultRule r = FaultRule.on("*", ".*");
        return switch (kind) {
            case STATUS_500 -> r.respond(500);
            case STATUS_502 -> r.respond(502);
            case STATUS_503 -> r.respond(503);
            case STATUS_429 -> r.respond(429).retryAfter(1);
            case TIMEOUT -> r.delay(timeoutDelay).drop();
            case TIMEOUT_AFTER_PROCESSING -> r.afterProcessing().delay(timeoutDelay).drop();
            case DROP -> r.drop();
            case DROP_AFTER_PROCESSING -> r.afterProcessing().drop();
            case STATUS_500_AFTER_PROCESSING -> r.afterProcessing().respond(500);
            case SLOW -> r.delay(slowDelay);
        };
    }

    /** Readable description for logs. */
    @Override
    public String toString() {
        return "FaultMix{rate=" + totalRate + ", seed=" + seed + ", timeoutDelay=" + timeoutDelay + ", slowDelay="
                + slowDelay + "}";
    }

    /** A mix registered with an emulator's {@link Faults}: its rules and what they injected. */
    public static final class Installed {
        private final Faults faults;
        private final Map<Kind, FaultRule> rules;

        private Installed(Faults faults, Map<Kind, FaultRule> rules) {
            this.faults = faults;
            this.rules = Collections.unmodifiableMap(rules);
        }

        /** The rule of each kind (empty for a total rate of 0). */
        public Map<Kind, FaultRule> rules() {
            return rules;
        }

        /** How many faults of each kind were injected so far. */
        public Map<Kind, Long> injectedByKind() {
            Map<Kind, Long> out = new EnumMap<>(Kind.class);
            for (Kind k : Kind.values()) {
                FaultRule r = rules.get(k);
                out.put(k, r == null ? 0L : r.injectedCount());
            }
            return out;
        }

        /** How many faults the mix injected so far. */
        public long injected() {
            return rules.values().stream().mapToLong(FaultRule::injectedCount).sum();
        }

        /** How many requests the mix saw (each request is seen by its first rule). */
        public long requestsSeen() {
            FaultRule first = rules.get(Kind.values()[0]);
            return first == null ? 0L : first.matchedCount();
        }

        /** Removes the mix's rules from the registry (the injected counts stay readable). */
        public void remove() {
            rules.values().forEach(faults::remove);
        }

        /** The kinds that were injected, as {@code "STATUS_500=3 ..."}, for logs and reports. */
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            injectedByKind().forEach((k, n) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(n));
            return b.toString();
        }
    }
}
