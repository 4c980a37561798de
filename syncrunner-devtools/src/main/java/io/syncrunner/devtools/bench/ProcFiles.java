package io.syncrunner.devtools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What the benches read of a process from Linux's /proc: its command and CPU time, and its status fields. */
final class ProcFiles {
    private static long ticks;

    private ProcFiles() {
    }

    /** A process's command ({@code comm}) and CPU time (utime + stime, fields 14 and 15 of its stat, in clock ticks). */
    record Stat(String command, long cpuTicks) {
    }

    /** The stat of the process whose folder is {@code proc} ({@code /proc/<pid>}). */
    static Stat stat(Path proc) throws IOException {
        String stat = Files.readString(proc.resolve("stat"));
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).split(" ");
        return new Stat(stat.substring(stat.indexOf('(') + 1, close), Long.parseLong(f[11]) + Long.parseLong(f[12]));
    }

    static Stat stat(long pid) throws IOException {
        return stat(Path.of("/proc", String.valueOf(pid)));
    }

    /** The value of a field of {@code /proc/<pid>/status} (e.g. VmRSS: "123 kB"), null when it has none. */
    static String status(String pid, String field) throws IOException {
        return Files.readAllLines(Path.of("/proc", pid, "status")).stream().filter(l -> l.startsWith(field + ":"))
                .map(l -> l.substring(field.length() + 1).trim()).findFirst().orElse(null);
    }

    /** Clock ticks per second of the CPU times above (getconf CLK_TCK; 100, Linux's USER_HZ, when it cannot tell). */
    static synchronized long ticksPerSecond() {
        if (ticks == 0) {
            ticks = 100;
            try {
                Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes()).trim();
                if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    ticks = Long.parseLong(out);
                }
            } catch (IOException | NumberFormatException e) {
                // 100
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ticks;
    }
}
