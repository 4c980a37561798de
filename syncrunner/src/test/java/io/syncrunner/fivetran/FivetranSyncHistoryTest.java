package io.syncrunner.fivetran;

import io.syncrunner.support.Json;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FivetranSyncHistoryTest {
    private static final Instant TRIGGER = Instant.parse("2026-12-01T10:00:00.613498Z");

    private static FivetranSyncHistory.Page page(String items, String nextCursor) {
        return FivetranSyncHistory.page(Json.parse("{\"code\":\"Success\",\"data\":{\"items\":[" + items + "]"
                + (nextCursor == null ? "" : ",\"next_cursor\":\"" + nextCursor + "\"") + "}}"));
    }

    private static String item(String id, String start, String end, String status) {
        return "{\"sync_id\":\"" + id + "\",\"start_time\":" + (start == null ? "null" : "\"" + start + "\"")
                + ",\"end_time\":" + (end == null ? "null" : "\"" + end + "\"") + ",\"status\":\"" + status
                + "\",\"reason\":null}";
    }

    @Test
    void shouldMatchTheFirstSyncThatStartedAfterTheTriggerNotAnEarlierOrLaterOne() {
        FivetranSyncHistory.Page p = page(item("before", "2026-12-01T09:59:00Z", "2026-12-01T10:00:30Z", "succeeded")
                + "," + item("ours", "2026-12-01T10:00:01Z", null, "running")
                + "," + item("later", "2026-12-01T10:05:00Z", null, "running"), null);

        FivetranSyncHistory.Entry first = FivetranSyncHistory.firstAfter(TRIGGER, null, p.entries());

        assertThat(first.syncId()).isEqualTo("ours");
        assertThat(first.outcome()).isEqualTo(FivetranSyncHistory.Outcome.RUNNING);
        assertThat(p.nextCursor()).isNull();
    }

    @Test
    void shouldCompareAtMicrosecondsSoASyncStartedInTheTriggersMillisecondButBeforeItIsNotTaken() {
        FivetranSyncHistory.Page p = page(item("same-ms-before", "2026-12-01T10:00:00.613497Z", null, "running")
                + "," + item("one-micro-after", "2026-12-01T10:00:00.613499Z", null, "running"), null);

        assertThat(FivetranSyncHistory.firstAfter(TRIGGER, null, p.entries()).syncId()).isEqualTo("one-micro-after");
    }

    @Test
    void shouldNotTakeASyncThatStartedAtTheVeryInstantOfTheTrigger() {
        FivetranSyncHistory.Page p = page(item("equal", "2026-12-01T10:00:00.613498Z", null, "running"), null);

        assertThat(FivetranSyncHistory.firstAfter(TRIGGER, null, p.entries())).isNull();
        assertThat(FivetranSyncHistory.firstAfter(TRIGGER.minusNanos(1000), null, p.entries()).syncId())
                .isEqualTo("equal");
    }

    @Test
    void shouldFindTheFirstSyncWhateverOrderTheRecordsComeIn() {
        FivetranSyncHistory.Page p = page(item("third", "2026-12-01T10:09:00Z", null, "running")
                + "," + item("first", "2026-12-01T10:01:00+00:00", "2026-12-01T10:02:00Z", "failed")
                + "," + item("second", "2026-12-01T10:03:00Z", "2026-12-01T10:04:00Z", "succeeded"), null);

        FivetranSyncHistory.Entry first = FivetranSyncHistory.firstAfter(TRIGGER, null, p.entries());

        assertThat(first.syncId()).isEqualTo("first");
        assertThat(first.outcome()).isEqualTo(FivetranSyncHistory.Outcome.FAILED);
    }

    @Test
    void shouldCarryTheBestCandidateAcrossPagesAndTellTheNextCursor() {
        FivetranSyncHistory.Page one = page(item("later", "2026-12-01T10:05:00Z", null, "running"), "eyJza2lwIjoxfQ");
        FivetranSyncHistory.Page two = page(item("earlier", "2026-12-01T10:01:00Z", "2026-12-01T10:02:00Z",
                "SUCCESSFUL"), null);

        FivetranSyncHistory.Entry afterOne = FivetranSyncHistory.firstAfter(TRIGGER, null, one.entries());
        FivetranSyncHistory.Entry afterTwo = FivetranSyncHistory.firstAfter(TRIGGER, afterOne, two.entries());

        assertThat(one.nextCursor()).isEqualTo("eyJza2lwIjoxfQ");
        assertThat(afterOne.syncId()).isEqualTo("later");
        assertThat(afterTwo.syncId()).isEqualTo("earlier");
        assertThat(afterTwo.outcome()).isEqualTo(FivetranSyncHistory.Outcome.SUCCEEDED);
        assertThat(FivetranSyncHistory.firstAfter(TRIGGER, afterTwo, one.entries()).syncId()).isEqualTo("earlier");
    }

    @Test
    void shouldLeaveOutRecordsThatHaveNotStartedOrHaveNoSyncIdAndTellOtherEndings() {
        FivetranSyncHistory.Page p = page(item("queued", null, null, "scheduled")
                + ",{\"start_time\":\"2026-12-01T10:01:00Z\",\"status\":\"running\"}"
                + "," + item("stopped", "2026-12-01T10:02:00Z", "2026-12-01T10:03:00Z", "cancelled"), null);

        assertThat(p.entries()).extracting(FivetranSyncHistory.Entry::syncId).containsExactly("stopped");
        assertThat(p.entries().get(0).outcome()).isEqualTo(FivetranSyncHistory.Outcome.ENDED_OTHERWISE);
    }

    @Test
    void shouldRefuseAnAnswerWithoutDataOrWithABadTimestampWithAClearError() {
        assertThatThrownBy(() -> FivetranSyncHistory.page(Json.parse("{\"code\":\"Success\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a 'data' object");
        assertThatThrownBy(() -> page(item("x", "yesterday", null, "running"), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'yesterday'");
    }

    @Test
    void shouldAskForTheWindowFromTheTriggersSecondToNowAtMostSevenDaysWide() {
        assertThat(FivetranSyncHistory.query(TRIGGER, Instant.parse("2026-12-01T10:05:00.2Z"), null))
                .isEqualTo("start_time=2026-12-01T10%3A00%3A00Z&end_time=2026-12-01T10%3A05%3A01Z&limit=100");
        assertThat(FivetranSyncHistory.query(TRIGGER, TRIGGER, "abc=")).as("end after start, cursor passed on")
                .isEqualTo("start_time=2026-12-01T10%3A00%3A00Z&end_time=2026-12-01T10%3A00%3A01Z&limit=100"
                        + "&cursor=abc%3D");
        assertThat(FivetranSyncHistory.query(TRIGGER, TRIGGER.plus(Duration.ofDays(9)), null))
                .contains("end_time=2026-12-08T10%3A00%3A00Z");
    }

    @Test
    void shouldRememberAnAccountWithoutSyncHistoryForAWhileAndSayOnlyOnceThatItIsNew() {
        Instant[] now = {TRIGGER};
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        FivetranSyncHistory.Availability a = new FivetranSyncHistory.Availability(clock, Duration.ofHours(1));

        assertThat(a.usable("default")).isTrue();
        assertThat(a.refused("default")).isTrue();
        assertThat(a.usable("default")).isFalse();
        assertThat(a.usable("other")).isTrue();
        now[0] = TRIGGER.plus(Duration.ofMinutes(59));
        assertThat(a.usable("default")).isFalse();
        now[0] = TRIGGER.plus(Duration.ofHours(1));
        assertThat(a.usable("default")).isTrue();
        assertThat(a.refused("default")).as("logged once").isFalse();
        assertThat(List.of(a.usable("default"))).containsExactly(false);
    }
}
