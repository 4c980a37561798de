package io.syncrunner.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Saturates the CPU while a test runs: busy daemon threads in this JVM (the test's emulators and in-JVM runners feel
 * them) and busy child processes (so do runner processes and databases, whose CPU time the operating system shares
 * between processes, not threads of one JVM).
 *
 * <pre>{@code
 * try (CpuLoad load = CpuLoad.start(2, 2)) {    // 2 busy threads here, 2 busy processes
 *     ... the test ...
 * }                                            // every thread and process stopped
 * }</pre>
 *
 * A child process is {@code sh -c 'while :; do :; done'}: no JVM to start, no memory to speak of.
 */
public final class CpuLoad implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private CpuLoad() {
    }

    /** Busy work of {@code threads} threads in this JVM and {@code processes} child processes (0 and 0: none). */
    public static CpuLoad start(int threads, int processes) {
        if (threads < 0 || processes < 0) {
            throw new IllegalArgumentException("thread and process counts must be >= 0, got " + threads + " and "
                    + processes);
        }
        CpuLoad load = new CpuLoad();
        try {
            for (int i = 0; i < processes; i++) {
                load.processes.add(new ProcessBuilder("sh", "-c", "while :; do :; done")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
        } catch (IOException e) {
            load.close();
            throw new UncheckedIOException("Could not start a busy process", e);
        }
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(load::spin, "cpu-load-" + (i + 1));
            t.setDaemon(true);
            load.threads.add(t);
            t.start();
        }
        return load;
    }

    /** One busy thread here and one busy process per core: twice as many busy workers as cores. */
    public static CpuLoad twiceTheCores() {
        int cores = Runtime.getRuntime().availableProcessors();
        return start(cores, cores);
    }

    public int threads() {
        return threads.size();
    }

    public int processes() {
        return processes.size();
    }

    /** Whether every busy process started is still running (none died early: the load was really on). */
    public boolean allRunning() {
        return running.get() && processes.stream().allMatch(Process::isAlive)
                && threads.stream().allMatch(Thread::isAlive);
    }

    private void spin() {
        long x = 0;
        while (running.get()) {
            x += System.nanoTime() % 7; // work the JIT cannot drop
        }
        if (x == 42) {
            System.out.print("");
        }
    }

    /** Stops the threads and kills the processes; returns once all are gone. */
    @Override
    public void close() {
        running.set(false);
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
        return threads.size() + " busy threads + " + processes.size() + " busy processes";
    }
}
