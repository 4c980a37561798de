package io.syncrunner.schedules;

import io.syncrunner.runs.SyncRun;
import io.syncrunner.runs.SyncRuns;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.component.quartz.QuartzComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.quartz.CronTrigger;
import org.quartz.Trigger;
import org.quartz.TriggerKey;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Schedules made from the scheduled-sync template (as routes/schedules.yaml makes them): the Quartz trigger
 * carries the cron, the time zone and the missed-fires policy; a fire starts a sync through the shared path;
 * a bad schedule is refused naming it; a request refused at fire time is logged naming the schedule.
 */
class ScheduledSyncIT extends RunnerTestSupport {
    private final List<String> added = new ArrayList<>();

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        // the default policy of this class: skip (the shipped default is fire-once)
        p.put("syncrunner.schedules.missed-fires", "skip");
        return p;
    }

    @AfterEach
    void removeSchedules() throws Exception {
        for (String id : added) {
            context.getRouteController().stopRoute(id);
            context.removeRoute(id);
        }
        added.clear();
    }

    private String schedule(String routeId, Map<String, String> parameters) {
        TemplatedRouteBuilder b = TemplatedRouteBuilder.builder(context, Schedules.TEMPLATE_ID).routeId(routeId);
        parameters.forEach(b::parameter);
        String id = b.add();
        added.add(id);
        return id;
    }

    private static String airbyteRequest(String account, String connectionId) {
        return "{\"provider\":\"airbyte\",\"account\":\"" + account + "\",\"connectionId\":\"" + connectionId
                + "\",\"pollInterval\":\"200ms\"}";
    }

    private CronTrigger trigger(String routeId) throws Exception {
        Trigger t = context.getComponent("quartz", QuartzComponent.class).getScheduler()
                .getTrigger(TriggerKey.triggerKey(routeId, "schedules"));
        assertThat(t).as("Quartz trigger schedules.%s", routeId).isInstanceOf(CronTrigger.class);
        return (CronTrigger) t;
    }

    @Test
    void triggerCarriesCronTimeZoneAndTheMissedFiresSetting() throws Exception {
        schedule("nightly-berlin", Map.of("cron", "0 0 2 * * ?", "timeZone", "Europe/Berlin",
                "request", airbyteRequest("test", "6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a01")));

        CronTrigger t = trigger("nightly-berlin");
        assertThat(t.getCronExpression()).isEqualTo("0 0 2 * * ?");
        assertThat(t.getTimeZone().getID()).isEqualTo("Europe/Berlin");
        // syncrunner.schedules.missed-fires=skip in this class
        assertThat(t.getMisfireInstruction()).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING).isEqualTo(2);
        // the next fire is 02:00 in Berlin, whatever the zone of this machine
        ZonedDateTime next = t.getNextFireTime().toInstant().atZone(ZoneId.of("Europe/Berlin"));
        assertThat(next.getHour()).isEqualTo(2);
        assertThat(next.getMinute()).isZero();
        assertThat(context.getRouteController().getRouteStatus("nightly-berlin")).isEqualTo(ServiceStatus.Started);
    }

    @Test
    void aScheduleCanSetItsOwnMissedFiresPolicyAndTheTimeZoneDefaultsToUtc() throws Exception {
        schedule("own-policy", Map.of("cron", "0 30 6 ? * MON-FRI", "missedFires", "fire-once",
                "request", airbyteRequest("test", "6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a01")));

        CronTrigger t = trigger("own-policy");
        assertThat(t.getMisfireInstruction()).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW).isEqualTo(1);
        assertThat(t.getTimeZone().getID()).isEqualTo("UTC");
    }

    @Test
    void aFireStartsTheSyncThroughTheSharedPathAndRecordsTheRun() {
        String connectionId = connection("pending:200ms,running:300ms,succeeded");
        SyncRuns runs = context.getRegistry().lookupByNameAndType("syncRuns", SyncRuns.class);

        schedule("every-second", Map.of("cron", "* * * * * ?", "timeZone", "Europe/Berlin",
                "request", airbyteRequest("test", connectionId)));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(EMULATOR.triggerCount(connectionId)).isGreaterThanOrEqualTo(1);
            assertThat(runs.list(r -> r.request().target().equals(connectionId)))
                    .anySatisfy(r -> assertThat(r.state()).isEqualTo(SyncRun.SUCCEEDED));
        });
        assertThat(LogCapture.lines()).anyMatch(l -> l.contains("Schedule every-second: run ")
                && l.contains("accepted (airbyte account 'test')"));
    }

    @Test
    void aRequestRefusedAtFireTimeIsLoggedNamingTheSchedule() {
        int from = LogCapture.size();

        schedule("unknown-account", Map.of("cron", "* * * * * ?",
                "request", airbyteRequest("nope", "6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a01")));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(LogCapture.linesSince(from))
                .anyMatch(l -> l.contains("ERROR") && l.contains("Schedule unknown-account: no sync started, the"
                        + " request was refused: ") && l.contains("'nope'")));
    }

    @Test
    void aBadScheduleIsRefusedNamingIt() {
        String request = airbyteRequest("test", "6f9a1c2e-0b7d-4c1e-9a53-2d8e7f4b1a01");
        assertThatThrownBy(() -> schedule("bad-cron", Map.of("cron", "0 2 * * *", "request", request)))
                .hasMessageContaining("Schedule 'bad-cron': cron '0 2 * * *' is not a Quartz cron expression");
        assertThatThrownBy(() -> schedule("bad-zone", Map.of("cron", "0 0 2 * * ?", "timeZone", "Mars/Olympus",
                "request", request)))
                .hasMessageContaining("Schedule 'bad-zone': time zone 'Mars/Olympus' is unknown");
        assertThatThrownBy(() -> schedule("bad-request", Map.of("cron", "0 0 2 * * ?",
                "request", "{\"provider\":\"fivetran\",\"account\":\"test\"}")))
                .hasMessageContaining("Schedule 'bad-request': invalid sync request: Missing field 'connectorId'");
        assertThatThrownBy(() -> schedule("bad-policy", Map.of("cron", "0 0 2 * * ?", "request", request,
                "missedFires", "twice")))
                .hasMessageContaining("Schedule 'bad-policy': missed fires 'twice' is not one of fire-once, skip");
        assertThatThrownBy(() -> schedule("misspelt", Map.of("cron", "0 0 2 * * ?", "request", request,
                "timezone", "Europe/Berlin")))
                .hasMessageContaining("Schedule 'misspelt': unknown parameter(s) timezone");
        assertThatThrownBy(() -> TemplatedRouteBuilder.builder(context, Schedules.TEMPLATE_ID)
                .parameter("cron", "0 0 2 * * ?").parameter("request", request).add())
                .hasMessageContaining("needs a routeId");
        for (String id : List.of("bad-cron", "bad-zone", "bad-request", "bad-policy", "misspelt")) {
            assertThat(context.getRoute(id)).as("route %s", id).isNull();
        }
        added.clear();
    }

    @Test
    void theShippedExampleSchedulesStayStoppedAndTheDemoSchedulesAreNotInTheProduct() {
        // routes/schedules.yaml ships its examples with enabled: false
        assertThat(context.getRouteController().getRouteStatus("nightly-example-airbyte"))
                .isEqualTo(ServiceStatus.Stopped);
        assertThat(context.getRouteController().getRouteStatus("weekday-example-fivetran"))
                .isEqualTo(ServiceStatus.Stopped);
        // the demo's schedules (demo accounts on the emulators) come only with bin/syncrunner demo
        assertThat(context.getRoute("nightly-demo-airbyte")).isNull();
        assertThat(context.getRoute("weekday-demo-fivetran")).isNull();
    }
}
