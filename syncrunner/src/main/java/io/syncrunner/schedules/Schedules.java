package io.syncrunner.schedules;

import io.syncrunner.runs.InvalidSyncRequestException;
import io.syncrunner.runs.SyncRequest;
import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.ModelLifecycleStrategy;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.util.StringHelper;
import org.quartz.CronExpression;

import java.text.ParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Cron schedules: the routes made from the {@value #TEMPLATE_ID} template (routes/scheduled-sync.yaml), one per
 * {@code templatedRoute} line of routes/schedules.yaml.
 * <p>
 * {@link #install} hooks into Camel's model so that, before such a route is built:
 * <ul>
 * <li>its route id is available to the template as {@code {{routeId}}} (Camel 4.18 does not pass it on), which
 * names the Quartz trigger ({@code schedules.<routeId>});</li>
 * <li>its cron, time zone, sync request and missed-fires policy are checked, so a bad schedule is refused with a
 * message naming it (at start, on a live edit, and by the validate command) instead of failing at 2 am;</li>
 * <li>the missed-fires policy ({@code fire-once} / {@code skip}) becomes Quartz's CronTrigger misfire instruction
 * ({@code {{misfireInstruction}}}).</li>
 * </ul>
 */
public final class Schedules {
    public static final String TEMPLATE_ID = "scheduled-sync";
    /** The setting with the default missed-fires policy of all schedules. */
    public static final String MISSED_FIRES_SETTING = "syncrunner.schedules.missed-fires";

    /** Marks the parameters of a route made from the schedule template (set by the template converter). */
    static final String MARKER = "scheduleTemplate";
    /** Parameters a schedule gave that the template does not have (set by the template converter). */
    static final String UNKNOWN = "scheduleUnknownParameters";

    private static final Pattern CUSTOM_ZONE = Pattern.compile("GMT[+-]\\d{1,2}(:?\\d{2})?");
    private static final Set<String> ZONE_IDS = Set.copyOf(Arrays.asList(java.util.TimeZone.getAvailableIDs()));

    private Schedules() {
    }

    /** What to do with fires missed while the scheduler could not fire (a pause, a long stop of the route). */
    public enum MissedFires {
        /** fire once as soon as possible, then go on with the schedule (MISFIRE_INSTRUCTION_FIRE_ONCE_NOW) */
        FIRE_ONCE("fire-once", org.quartz.CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW),
        /** skip them and wait for the next fire time (MISFIRE_INSTRUCTION_DO_NOTHING) */
        SKIP("skip", org.quartz.CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING);

        private final String setting;
        private final int misfireInstruction;

        MissedFires(String setting, int misfireInstruction) {
            this.setting = setting;
            this.misfireInstruction = misfireInstruction;
        }

        public String setting() {
            return setting;
        }

        /** Quartz's CronTrigger misfire instruction. */
        public int misfireInstruction() {
            return misfireInstruction;
        }

        public static MissedFires parse(String value) {
            String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
            for (MissedFires m : values()) {
                if (m.setting.equals(v)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("missed fires '" + value + "' is not one of fire-once, skip");
        }
    }

    /** A schedule that cannot run as written; the message names it and says what to fix. */
    public static final class InvalidScheduleException extends IllegalArgumentException {
        private final String routeId;

        public InvalidScheduleException(String routeId, String problem) {
            super("Schedule '" + routeId + "': " + problem);
            this.routeId = routeId;
        }

        public String routeId() {
            return routeId;
        }
    }

    /** Hooks the checks and parameters above into the context's model. Call before routes are loaded. */
    public static void install(CamelContext context) {
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        model.addRouteTemplateDefinitionConverter(TEMPLATE_ID, (template, parameters) -> {
            noteUnknownParameters(template, parameters);
            parameters.put(MARKER, TEMPLATE_ID);
            return RouteTemplateDefinition.Converter.DEFAULT_CONVERTER.apply(template, parameters);
        });
        model.addModelLifecycleStrategy(new ModelLifecycleStrategy() {
            @Override
            public void onAddRouteDefinition(RouteDefinition route) {
                Map<String, Object> parameters = route.getTemplateParameters();
                if (parameters != null && parameters.containsKey(MARKER)) {
                    prepare(context, route.getId(), parameters);
                }
            }

            @Override
            public void onRemoveRouteDefinition(RouteDefinition route) {
            }

            @Override
            public void onAddRouteTemplateDefinition(RouteTemplateDefinition template) {
            }

            @Override
            public void onRemoveRouteTemplateDefinition(RouteTemplateDefinition template) {
            }
        });
    }

    /**
     * Camel ignores parameters a template does not declare (a misspelt "timezone" would silently be UTC): notes
     * them, and the declared ones, in the parameters for {@link #prepare} to report.
     */
    private static void noteUnknownParameters(RouteTemplateDefinition template, Map<String, Object> parameters) {
        Set<String> declared = new TreeSet<>();
        if (template.getTemplateParameters() != null) {
            template.getTemplateParameters().forEach(p -> declared.add(StringHelper.dashToCamelCase(p.getName())));
        }
        Set<String> unknown = new TreeSet<>();
        parameters.keySet().forEach(k -> {
            String name = StringHelper.dashToCamelCase(k);
            if (!declared.contains(name) && !name.equals("routeId") && !name.equals("parentRouteId")
                    && !name.equals("parentProcessorId")) {
                unknown.add(name);
            }
        });
        parameters.put(UNKNOWN, String.join(", ", unknown));
        parameters.put("declaredParameters", String.join(", ", declared));
    }

    /**
     * Checks a schedule as written in a route file, before anything is built from it (a live edit is checked this
     * way so that a refused edit never touches the running schedule). Throws {@link InvalidScheduleException}.
     */
    public static void check(CamelContext context, org.apache.camel.model.TemplatedRouteDefinition schedule) {
        if (!TEMPLATE_ID.equals(schedule.getRouteTemplateRef())) {
            return;
        }
        Map<String, Object> parameters = new java.util.HashMap<>();
        if (schedule.getParameters() != null) {
            schedule.getParameters().forEach(p -> parameters.put(p.getName(), p.getValue()));
        }
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        RouteTemplateDefinition template = model.getRouteTemplateDefinition(TEMPLATE_ID);
        if (template != null) {
            noteUnknownParameters(template, parameters);
            // defaults of the template, as Camel would apply them
            if (template.getTemplateParameters() != null) {
                template.getTemplateParameters().forEach(p -> {
                    if (p.getDefaultValue() != null) {
                        parameters.putIfAbsent(p.getName(), p.getDefaultValue());
                    }
                });
            }
        }
        prepare(context, schedule.getRouteId(), parameters);
    }

    /**
     * Checks one schedule's parameters and adds those the template needs ({@code routeId},
     * {@code misfireInstruction}). Throws {@link InvalidScheduleException} naming the schedule.
     */
    static void prepare(CamelContext context, String routeId, Map<String, Object> parameters) {
        if (routeId == null || routeId.isBlank()) {
            throw new InvalidScheduleException("(no routeId)", "a templatedRoute of " + TEMPLATE_ID
                    + " needs a routeId: it names the schedule in logs and its Quartz trigger");
        }
        Object unknown = parameters.get(UNKNOWN);
        if (unknown != null && !unknown.toString().isEmpty()) {
            throw new InvalidScheduleException(routeId, "unknown parameter(s) " + unknown + "; "
                    + TEMPLATE_ID + " has " + parameters.get("declaredParameters"));
        }
        String cron = resolved(context, routeId, parameters, "cron");
        try {
            CronExpression.validateExpression(cron);
        } catch (ParseException e) {
            throw new InvalidScheduleException(routeId, "cron '" + cron + "' is not a Quartz cron expression ("
                    + e.getMessage() + "); it has 6 or 7 fields: seconds minutes hours day-of-month month day-of-week"
                    + " [year], e.g. \"0 0 2 * * ?\" for 02:00 every day");
        }
        String zone = resolved(context, routeId, parameters, "timeZone");
        if (!ZONE_IDS.contains(zone) && !CUSTOM_ZONE.matcher(zone).matches()) {
            throw new InvalidScheduleException(routeId, "time zone '" + zone
                    + "' is unknown; use a name such as Europe/Berlin, America/New_York or UTC");
        }
        String request = resolved(context, routeId, parameters, "request");
        try {
            SyncRequest.parse(request);
        } catch (InvalidSyncRequestException e) {
            throw new InvalidScheduleException(routeId, "invalid sync request: " + e.getMessage());
        }
        MissedFires missed;
        try {
            missed = MissedFires.parse(resolved(context, routeId, parameters, "missedFires"));
        } catch (IllegalArgumentException e) {
            throw new InvalidScheduleException(routeId, e.getMessage() + " (parameter missedFires or setting "
                    + MISSED_FIRES_SETTING + ")");
        }
        parameters.putIfAbsent("routeId", routeId);
        parameters.put("misfireInstruction", String.valueOf(missed.misfireInstruction()));
    }

    private static String resolved(CamelContext context, String routeId, Map<String, Object> parameters,
            String name) {
        Object raw = parameters.get(name);
        if (raw == null || raw.toString().isBlank()) {
            throw new InvalidScheduleException(routeId, "parameter '" + name + "' is missing or empty");
        }
        try {
            return context.resolvePropertyPlaceholders(raw.toString()).trim();
        } catch (RuntimeException e) {
            throw new InvalidScheduleException(routeId, "parameter '" + name + "': " + e.getMessage());
        }
    }

}
