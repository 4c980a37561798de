package io.syncrunner.testsupport;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The durability tests under CPU contention. A test method annotated {@link UnderLoad} (instead of {@code @Test})
 * runs once; {@link Repeated} runs {@value #REPETITIONS} times (default 1). With {@value #CPU_LOAD}{@code =true}
 * (the Maven profile {@code contention} sets both), each run has the CPU saturated by {@link CpuLoad#twiceTheCores()},
 * started before the test and stopped after it. Without those properties the tests run as plain tests.
 *
 * <p>Each run tallies what it judged ({@link #tally}); failures are counted as failed by timing (a wait or start
 * that ran out of time) or otherwise. After the class, one line per test method starting with {@code CONTENTION}:
 * runs, lost, duplicate triggers, failed by timing, failed otherwise, and the class fails unless all but the runs
 * are 0.
 */
public final class Contention implements TestTemplateInvocationContextProvider, BeforeEachCallback,
        AfterEachCallback, TestExecutionExceptionHandler, AfterAllCallback {
    /** System property: saturate the CPU during each run. */
    public static final String CPU_LOAD = "syncrunner.test.cpu-load";
    /** System property: how often a {@link Repeated} test runs. */
    public static final String REPETITIONS = "syncrunner.test.repetitions";

    /** Runs once, under CPU load in the contention run. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @TestTemplate
    @ExtendWith(Contention.class)
    public @interface UnderLoad {
    }

    /** Runs {@value #REPETITIONS} times (default 1), under CPU load in the contention run. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @TestTemplate
    @ExtendWith(Contention.class)
    public @interface Repeated {
    }

    private static final Map<String, Totals> TOTALS = new ConcurrentHashMap<>();
    private static volatile Totals current;
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Contention.class);

    /** Whether this is the contention run (CPU saturated during each run). */
    public static boolean cpuLoad() {
        return Boolean.getBoolean(CPU_LOAD);
    }

    /** Runs of a {@link Repeated} test. */
    public static int repetitions() {
        return Math.max(1, Integer.getInteger(REPETITIONS, 1));
    }

    /** What the current run judged: its syncs, those lost, and those triggered more than once. */
    public static void tally(int runs, int lost, int duplicateTriggers) {
        Totals t = current;
        if (t == null) {
            throw new IllegalStateException("tally() outside a test annotated @UnderLoad or @Repeated");
        }
        t.add(runs, lost, duplicateTriggers);
    }

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(m -> m.isAnnotationPresent(UnderLoad.class)
                || m.isAnnotationPresent(Repeated.class)).orElse(false);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        int n = context.getRequiredTestMethod().isAnnotationPresent(Repeated.class) ? repetitions() : 1;
        return IntStream.rangeClosed(1, n).mapToObj(i -> new TestTemplateInvocationContext() {
            @Override
            public String getDisplayName(int invocationIndex) {
                return context.getRequiredTestMethod().getName() + (n == 1 ? "" : " [" + i + "/" + n + "]")
                        + (cpuLoad() ? " under CPU load" : "");
            }

            @Override
            public List<Extension> getAdditionalExtensions() {
                return List.of();
            }
        });
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        current = totals(context);
        current.repetitions++;
        context.getStore(NS).put("startedNanos", System.nanoTime());
        if (cpuLoad()) {
            context.getStore(NS).put(CpuLoad.class, CpuLoad.twiceTheCores());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Long started = context.getStore(NS).remove("startedNanos", Long.class);
        if (started != null) {
            totals(context).nanos += System.nanoTime() - started;
        }
        CpuLoad load = context.getStore(NS).remove(CpuLoad.class, CpuLoad.class);
        if (load != null) {
            totals(context).load = load.toString();
            load.close();
        }
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        Totals t = totals(context);
        if (byTiming(throwable)) {
            t.failedByTiming++;
        } else {
            t.failedOtherwise++;
        }
        throw throwable;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        String prefix = context.getRequiredTestClass().getSimpleName() + ".";
        StringBuilder failures = new StringBuilder();
        TOTALS.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).sorted(Map.Entry.comparingByKey())
                .forEach(e -> {
                    Totals t = TOTALS.remove(e.getKey());
                    String line = String.format("CONTENTION %s: cpuLoad=%s repetitions=%d runs=%d lost=%d"
                                    + " duplicateTriggers=%d failedByTiming=%d failedOtherwise=%d wall=%.1f s",
                            e.getKey(), t.load, t.repetitions, t.runs, t.lost, t.duplicates, t.failedByTiming,
                            t.failedOtherwise, t.nanos / 1e9);
                    System.out.println(line);
                    if (t.lost + t.duplicates + t.failedByTiming + t.failedOtherwise > 0) {
                        failures.append('\n').append(line);
                    }
                });
        if (failures.length() > 0) {
            throw new AssertionError("Runs lost, triggered twice or failed:" + failures);
        }
    }

    /** A wait or a start that ran out of time, anywhere in the cause chain. */
    static boolean byTiming(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConditionTimeoutException || c instanceof TimeoutException
                    || (c instanceof IllegalStateException && String.valueOf(c.getMessage()).contains("did not start within"))) {
                return true;
            }
        }
        return false;
    }

    private static Totals totals(ExtensionContext context) {
        return TOTALS.computeIfAbsent(context.getRequiredTestClass().getSimpleName() + "."
                + context.getRequiredTestMethod().getName(), k -> new Totals());
    }

    private static final class Totals {
        long nanos;
        String load = "none";
        int repetitions;
        int runs;
        int lost;
        int duplicates;
        int failedByTiming;
        int failedOtherwise;

        synchronized void add(int runs, int lost, int duplicates) {
            this.runs += runs;
            this.lost += lost;
            this.duplicates += duplicates;
        }
    }
}
