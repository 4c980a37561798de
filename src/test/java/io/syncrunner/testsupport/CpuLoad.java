package io.syncrunner.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Saturates the CPU while a test runs: busy daemon threads in this JVM, or busy child processes (each a shell
 * spinning in {@code while :; do :; done}), stopped in {@link #close()}.
 *
 * <pre>{@code
 * try (CpuLoad load = CpuLoad.processes(CpuLoad.cores() * 2)) {   // every core busy, twice over
 *     ... start the runner, assert what it does under contention ...
 * }
 * }</pre>
 *
 * <p>Processes compete with every JVM of the test (the runner process and the test's emulators) as another program
 * on the machine would; threads load only this JVM (and the machine). Children still running when the test JVM exits
 * (a test that forgot close()) are killed by a shutdown hook.
 */
public final class CpuLoad implements AutoCloseable {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "cpu-load-reaper"));
    }

    private final List<Thread> threads = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private volatile boolean running = true;
    /** Busy-loop rounds of the threads (keeps the loop from being optimised away, and shows it ran). */
    private final AtomicLong rounds = new AtomicLong();

    private CpuLoad() {
    }

    /** The cores this JVM may use. */
    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** {@code n} busy daemon threads in this JVM (at minimum priority is not set: they compete as equals). */
    public static CpuLoad threads(int n) {
        CpuLoad load = new CpuLoad();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(load::spin, "cpu-load-" + i);
            t.setDaemon(true);
            load.threads.add(t);
            t.start();
        }
        return load;
    }

    /** {@code n} busy child processes ({@code sh -c 'while :; do :; done'}). */
    public static CpuLoad processes(int n) {
        CpuLoad load = new CpuLoad();
        try {
            for (int i = 0; i < n; i++) {
                Process p = new ProcessBuilder("sh", "-c", "while :; do :; done")
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                LIVE.add(p);
                load.processes.add(p);
            }
        } catch (IOException e) {
            load.close();
            throw new UncheckedIOException("Could not start a CPU load process", e);
        }
        return load;
    }

    private void spin() {
        long x = 0;
        while (running) {
            for (int i = 0; i < 10_000; i++) {
                x += i ^ (x >>> 3);
            }
            rounds.addAndGet(x == 42 ? 2 : 1);
        }
    }

    /** Busy threads plus busy processes now alive. */
    public int busy() {
        return (int) (threads.stream().filter(Thread::isAlive).count()
                + processes.stream().filter(Process::isAlive).count());
    }

    /** Stops every thread and kills every process; returns once they are gone. */
    @Override
    public void close() {
        running = false;
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LIVE.remove(p);
        }
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "CpuLoad[" + threads.size() + " threads, " + processes.size() + " processes, " + busy() + " busy]";
    }
}
