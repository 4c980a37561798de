package io.syncrunner.devtools.bench;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster bench at a size that takes about a minute: two runner processes on one embedded PostgreSQL journal,
 * one killed with SIGKILL right after every request of its pass was accepted. Not a timed test: no throughput is
 * compared with a target; what it checks is what the bench reports about correctness (no sync triggered twice, none
 * lost, the killed runner's runs finished by the other) and that it leaves no process behind.
 */
class ClusterBenchIT {

    @Test
    void shouldFinishTheKilledRunnersRunsOnTheOtherRunnerWithoutDuplicatesOrLossesAndStopEverything() throws Exception {
        ClusterBench.Options o = ClusterBench.Options.parse("--runners", "2", "--syncs", "60", "--job", "4s",
                "--poll", "1s", "--kill-one", "true", "--compare-single", "false", "--kill-syncs", "30",
                "--lease", "4s", "--takeover-interval", "1s", "--http-concurrency", "8");

        ClusterBench.Result r = ClusterBench.run(o);

        assertThat(r.cluster().accepted()).isEqualTo(60);
        assertThat(r.cluster().finished()).isEqualTo(60);
        assertThat(r.cluster().succeeded()).isEqualTo(60);
        assertThat(r.cluster().finishedBy()).containsOnlyKeys("node-1", "node-2");
        assertThat(r.killPass().accepted()).isEqualTo(30);
        assertThat(r.killPass().finished()).isEqualTo(30);
        assertThat(r.duplicates()).isZero();
        assertThat(r.lost()).isZero();
        // where the machine's CPU went during the pass: the runners, PostgreSQL, the bench's own JVM, the rest
        assertThat(r.cluster().machine()).matches("\\d+% of \\d+ cores busy \\([\\d.]+ of [\\d.]+ core-seconds\\):"
                + " runners [\\d.]+ s, PostgreSQL [\\d.]+ s, the bench's JVM \\(emulator, load generator\\) [\\d.]+ s,"
                + " everything else [\\d.]+ s");

        ClusterBench.Takeover t = r.takeover();
        assertThat(t.killed()).isEqualTo("node-2");
        assertThat(t.held()).as("open runs of node-2 at the kill").isPositive();
        assertThat(t.finishedByOthers()).isEqualTo(t.held());
        assertThat(t.finishedByKilled()).isZero();
        assertThat(t.carriedOnBy()).isEqualTo(Map.of("node-1", t.held()));
        assertThat(t.complete()).isTrue();
        // the survivor takes a run over only once the killed runner's heartbeat (renewed every 1 s) has been silent
        // for its lease of 4 s: not sooner than 3 s after the kill
        assertThat(Duration.ofMillis(t.finishedMs())).isGreaterThanOrEqualTo(Duration.ofSeconds(3));

        assertThat(ClusterBench.summaryLine(o, r)).matches("CLUSTER BENCH: runners=2 syncs=60 throughput=\\d+\\.\\d"
                + " single=n/a ratio=n/a duplicates=0 lost=0 takeover_ms=\\d+");

        // everything it started has stopped: the runner processes and the PostgreSQL server
        assertThat(r.runnerPids()).hasSize(2);
        for (long pid : r.runnerPids()) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("runner pid " + pid).isFalse();
        }
        assertThat(listens(r.journalPort())).as("PostgreSQL still listening on " + r.journalPort()).isFalse();
    }

    private static boolean listens(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (java.io.IOException refused) {
            return false;
        }
    }
}
