package io.syncrunner.schedules;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.runs.SyncRequest;
import io.syncrunner.support.Json;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.quartz.CronExpression;
import org.quartz.Scheduler;
import org.quartz.Trigger;
import org.quartz.TriggerKey;

import java.text.ParseException;
import java.time.Clock;
import java.util.Comparator;
import java.util.Date;
import java.util.Map;
import java.util.TimeZone;

/**
 * The cron schedules the runner knows (routes made from the {@value Schedules#TEMPLATE_ID} template), as JSON for
 * {@code GET /api/schedules} and the status page: {@code [{"routeId", "cron", "timeZone", "enabled",
 * "nextFireTime", "provider", "account", "target"}]}, soonest first. The next fire time is the one Quartz holds for
 * the schedule's trigger ({@code schedules.<routeId>}); a started schedule whose trigger Quartz has not (yet) got
 * shows the next time its cron names; a stopped one ({@code enabled: false}, or stopped from the console) none.
 */
public final class ScheduleList {
    private final CamelContext context;
    private final Clock clock;

    public ScheduleList(CamelContext context, Clock clock) {
        this.context = context;
        this.clock = clock;
    }

    public void list(Exchange ex) {
        var m = ex.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.write(describeAll()));
    }

    /** Every schedule, soonest next fire first (stopped ones last), then by route id. */
    public ArrayNode describeAll() {
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        java.util.List<ObjectNode> all = new java.util.ArrayList<>();
        for (RouteDefinition route : model.getRouteDefinitions()) {
            Map<String, Object> parameters = route.getTemplateParameters();
            if (parameters != null && Schedules.TEMPLATE_ID.equals(parameters.get(Schedules.MARKER))) {
                all.add(describe(route.getId(), parameters));
            }
        }
        all.sort(Comparator.<ObjectNode, String>comparing(o -> o.path("nextFireTime").asText("~"))
                .thenComparing(o -> o.path("routeId").asText()));
        ArrayNode a = Json.MAPPER.createArrayNode();
        all.forEach(a::add);
        return a;
    }

    private ObjectNode describe(String routeId, Map<String, Object> parameters) {
        ObjectNode o = Json.object();
        String cron = resolved(parameters.get("cron"));
        String zone = parameters.get("timeZone") == null ? "UTC" : resolved(parameters.get("timeZone"));
        o.put("routeId", routeId);
        o.put("cron", cron);
        o.put("timeZone", zone);
        ServiceStatus status = context.getRouteController().getRouteStatus(routeId);
        boolean started = status != null && status.isStarted();
        o.put("enabled", started);
        Date next = started ? nextFire(routeId, cron, zone) : null;
        o.put("nextFireTime", next == null ? null : next.toInstant().toString());
        try {
            SyncRequest request = SyncRequest.parse(resolved(parameters.get("request")));
            o.put("provider", request.provider());
            o.put("account", request.account());
            o.put("target", request.target());
        } catch (RuntimeException e) {
            o.putNull("provider"); // checked when the schedule was loaded; a placeholder may have changed since
        }
        return o;
    }

    private Date nextFire(String routeId, String cron, String zone) {
        try {
            if (context.hasComponent("quartz") instanceof QuartzComponent quartz && quartz.getScheduler() != null) {
                Scheduler scheduler = quartz.getScheduler();
                Trigger trigger = scheduler.getTrigger(TriggerKey.triggerKey(routeId, "schedules"));
                if (trigger != null && trigger.getNextFireTime() != null) {
                    return trigger.getNextFireTime();
                }
            }
        } catch (org.quartz.SchedulerException e) {
            // the scheduler's store cannot be read now: the cron tells the next fire as well
        }
        try {
            CronExpression expression = new CronExpression(cron);
            expression.setTimeZone(TimeZone.getTimeZone(zone));
            return expression.getNextValidTimeAfter(Date.from(clock.instant()));
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }

    private String resolved(Object raw) {
        if (raw == null) {
            return null;
        }
        try {
            return context.resolvePropertyPlaceholders(raw.toString()).trim();
        } catch (RuntimeException e) {
            return raw.toString();
        }
    }
}
