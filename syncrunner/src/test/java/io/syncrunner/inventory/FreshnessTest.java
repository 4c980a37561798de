package io.syncrunner.inventory;

import io.syncrunner.journal.RunJournal;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FreshnessTest {
    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    private static Freshness freshness(Map<String, String> settings) {
        return new Freshness(k -> Optional.ofNullable(settings.get(k)), Duration.ofHours(24));
    }

    @Test
    void shouldTakeTheConnectionsThresholdThenTheAccountsThenTheDefault() {
        Freshness f = freshness(Map.of("syncrunner.freshness.fivetran.sales.orders", "PT6H",
                "fivetran.sales.freshness", "2h"));

        assertThat(f.threshold("fivetran", "sales", "orders")).isEqualTo(Duration.ofHours(6));
        assertThat(f.threshold("fivetran", "sales", "invoices")).isEqualTo(Duration.ofHours(2));
        assertThat(f.threshold("fivetran", "ops", "orders")).isEqualTo(Duration.ofHours(24));
        assertThat(f.threshold("airbyte", "sales", "orders")).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void shouldRefuseAThresholdThatIsNotAPositiveDurationNamingTheKey() {
        assertThatThrownBy(() -> freshness(Map.of("fivetran.sales.freshness", "soon"))
                .threshold("fivetran", "sales", "x")).hasMessageContaining("fivetran.sales.freshness")
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> freshness(Map.of("syncrunner.freshness.airbyte.a.c", "0s"))
                .threshold("airbyte", "a", "c")).hasMessageContaining("not longer than zero");
    }

    @Test
    void shouldBeStaleOnlyPastTheThresholdOrWithoutAnySuccessAndNeverWhenPaused() {
        Duration sixHours = Duration.ofHours(6);

        assertThat(Freshness.stale(false, NOW.minus(Duration.ofHours(5)), sixHours, NOW)).isFalse();
        assertThat(Freshness.stale(false, NOW.minus(sixHours), sixHours, NOW)).as("exactly at the threshold").isFalse();
        assertThat(Freshness.stale(false, NOW.minus(sixHours).minusSeconds(1), sixHours, NOW)).isTrue();
        assertThat(Freshness.stale(false, null, sixHours, NOW)).as("never succeeded").isTrue();
        assertThat(Freshness.stale(true, null, sixHours, NOW)).as("paused").isFalse();
        assertThat(Freshness.secondsSince(NOW.minusSeconds(90), NOW)).isEqualTo(90L);
        assertThat(Freshness.secondsSince(NOW.plusSeconds(5), NOW)).as("a provider clock ahead").isZero();
        assertThat(Freshness.secondsSince(null, NOW)).isNull();
    }

    private static RunJournal.Step step(String jobId, Long sentAt, long deadline, Instant baseline) {
        return new RunJournal.Step("run-1", "fivetran/a/c/sync", "succeeded", sentAt == null ? 0 : sentAt, deadline,
                sentAt, baseline, jobId, false, null, null);
    }

    @Test
    void shouldTellTheRunnersSyncsByJobIdOrByATriggerWhoseWaitCoversTheEnd() {
        long sent = NOW.minusSeconds(600).toEpochMilli();
        long deadline = NOW.plusSeconds(600).toEpochMilli();
        var airbyte = new ListedConnection.LastSync("succeeded", NOW.minusSeconds(500), NOW.minusSeconds(100),
                3000000001L, null);
        var fivetran = new ListedConnection.LastSync("succeeded", null, NOW.minusSeconds(100), null, null);

        assertThat(ConnectionInventory.startedByRunner(airbyte, List.of(step("3000000001", sent, deadline, null)), NOW))
                .isTrue();
        assertThat(ConnectionInventory.startedByRunner(airbyte, List.of(step("3000000002", sent, deadline, null)), NOW))
                .as("another job of the connection").isFalse();
        assertThat(ConnectionInventory.startedByRunner(fivetran, List.of(step(null, sent, deadline,
                NOW.minusSeconds(86_400))), NOW)).isTrue();
        assertThat(ConnectionInventory.startedByRunner(fivetran, List.of(step(null, sent,
                NOW.minusSeconds(200).toEpochMilli(), null)), NOW)).as("ended after the runner's wait").isFalse();
        assertThat(ConnectionInventory.startedByRunner(fivetran, List.of(step(null,
                NOW.minusSeconds(50).toEpochMilli(), deadline, null)), NOW)).as("ended before the trigger").isFalse();
        assertThat(ConnectionInventory.startedByRunner(fivetran, List.of(step(null, null, deadline, null)), NOW))
                .as("never triggered").isFalse();
        assertThat(ConnectionInventory.startedByRunner(fivetran, List.of(), NOW)).isFalse();
        // a sync id the step did not record (found in the sync history after the trigger): told by the window
        var fivetranWithId = new ListedConnection.LastSync("succeeded", null, NOW.minusSeconds(100), null, "sync-7");
        assertThat(ConnectionInventory.startedByRunner(fivetranWithId, List.of(step(null, sent, deadline,
                NOW.minusSeconds(86_400))), NOW)).isTrue();
        assertThat(ConnectionInventory.startedByRunner(fivetranWithId, List.of(step("sync-6", sent, deadline,
                NOW.minusSeconds(86_400))), NOW)).as("the step recorded another sync").isFalse();
    }

    @Test
    void shouldNameAFewStaleConnectionsAndCountTheRest() {
        assertThat(ConnectionInventory.describeStale(new java.util.TreeSet<>())).isEqualTo("none stale");
        assertThat(ConnectionInventory.describeStale(new java.util.TreeSet<>(List.of("a/x/2", "a/x/1"))))
                .isEqualTo("2 stale: a/x/1, a/x/2");
        java.util.TreeSet<String> many = new java.util.TreeSet<>();
        for (int i = 0; i < 10_000; i++) {
            many.add(String.format("airbyte/bench/c%05d", i));
        }
        String line = ConnectionInventory.describeStale(many);
        assertThat(line).startsWith("10000 stale: airbyte/bench/c00000, ").contains("airbyte/bench/c00009")
                .doesNotContain("airbyte/bench/c00010").endsWith(" and 9990 more (GET /api/connections?stale=true)");
        assertThat(line.length()).isLessThan(400);
    }
}
