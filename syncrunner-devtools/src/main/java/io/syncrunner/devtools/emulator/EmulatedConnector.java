package io.syncrunner.devtools.emulator;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The definition of one emulated Fivetran connector (connection), for
 * {@link FivetranEmulator#addConnector(EmulatedConnector)}. Build it fluently:
 *
 * <pre>{@code
 * emulator.addConnector(EmulatedConnector.of("quiet_sunset", "warehouse_group")
 *         .script("syncing:2s,succeeded").scheduleType("manual").failedAt(Instant.parse("2026-01-01T00:00:00Z")));
 * }</pre>
 *
 * <p><b>Script</b> ({@link JobScript} syntax): what every sync triggered for the connector does, e.g.
 * {@code "syncing:2s,succeeded"}, {@code "syncing:1s,failed"} or
 * {@code "syncing:500ms,rescheduled:1s,syncing:1s,succeeded"}. Timed phases may be {@code syncing},
 * {@code scheduled} (queued: sync_state stays {@code scheduled}) and {@code rescheduled} (sync_state
 * {@code rescheduled} with {@code rescheduled_for} = phase start + duration; with schedule_type {@code manual} the
 * run waits there until the next {@code POST .../sync}, with {@code auto} it continues at {@code rescheduled_for}).
 * The final element is {@code succeeded} or {@code failed}.
 */
public final class EmulatedConnector {

    /** Script used when none is given. */
    public static final String DEFAULT_SCRIPT = "syncing:1s,succeeded";
    /** Timed phases a Fivetran script may use. */
    public static final Set<String> PHASES = Set.of("syncing", "scheduled", "rescheduled");
    /** Values of {@code schedule_type}. */
    public static final Set<String> SCHEDULE_TYPES = Set.of("auto", "manual");
    /** Values of {@code status.setup_state}. */
    public static final Set<String> SETUP_STATES = Set.of("connected", "broken", "incomplete");
    /** Values of {@code status.update_state}. */
    public static final Set<String> UPDATE_STATES = Set.of("on_schedule", "delayed");
    /** Values of {@code sync_frequency} (minutes). */
    public static final List<Integer> SYNC_FREQUENCIES = List.of(1, 5, 15, 30, 60, 120, 180, 360, 480, 720, 1440);

    private final String id;
    private final String groupId;
    private String script = DEFAULT_SCRIPT;
    private String service = "postgres";
    private String schema;
    private boolean paused;
    private String scheduleType = "auto";
    private String setupState = "connected";
    private String updateState = "on_schedule";
    private int syncFrequency = 360;
    private Instant succeededAt;
    private Instant failedAt;
    private Instant createdAt;
    private boolean suppressWebhooks;

    private EmulatedConnector(String id, String groupId) {
        this.id = requireText(id, "connectorId");
        this.groupId = requireText(groupId, "groupId");
        this.schema = id;
    }

    /** A connected, unpaused, auto-scheduled postgres connector with the default script and schema = id. */
    public static EmulatedConnector of(String connectorId, String groupId) {
        return new EmulatedConnector(connectorId, groupId);
    }

    /** What each triggered sync does (validated now). */
    public EmulatedConnector script(String script) {
        parseScript(script);
        this.script = script.trim();
        return this;
    }

    /** The {@code service} (connector type, also {@code connector_type} in webhooks); default postgres. */
    public EmulatedConnector service(String service) {
        this.service = requireText(service, "service");
        return this;
    }

    /** The {@code schema} (connection name, also {@code connector_name} in webhooks); default the id. */
    public EmulatedConnector schema(String schema) {
        this.schema = requireText(schema, "schema");
        return this;
    }

    public EmulatedConnector paused(boolean paused) {
        this.paused = paused;
        return this;
    }

    /** {@code auto} (default) or {@code manual}. */
    public EmulatedConnector scheduleType(String scheduleType) {
        this.scheduleType = oneOf(scheduleType, SCHEDULE_TYPES, "schedule_type");
        return this;
    }

    /** {@code connected} (default), {@code broken} or {@code incomplete}. */
    public EmulatedConnector setupState(String setupState) {
        this.setupState = oneOf(setupState, SETUP_STATES, "setup_state");
        return this;
    }

    /** {@code on_schedule} (default) or {@code delayed}. */
    public EmulatedConnector updateState(String updateState) {
        this.updateState = oneOf(updateState, UPDATE_STATES, "update_state");
        return this;
    }

    /** Minutes, one of {@link #SYNC_FREQUENCIES}; default 360. Only reported: the emulator never syncs by itself. */
    public EmulatedConnector syncFrequency(int minutes) {
        if (!SYNC_FREQUENCIES.contains(minutes)) {
            throw new IllegalArgumentException("sync_frequency must be one of " + SYNC_FREQUENCIES);
        }
        this.syncFrequency = minutes;
        return this;
    }

    /** Initial {@code succeeded_at} (null = never). */
    public EmulatedConnector succeededAt(Instant succeededAt) {
        this.succeededAt = succeededAt;
        return this;
    }

    /** Initial {@code failed_at} (null = never). */
    public EmulatedConnector failedAt(Instant failedAt) {
        this.failedAt = failedAt;
        return this;
    }

    /** {@code created_at}; null (default) = when added to the emulator. */
    public EmulatedConnector createdAt(Instant createdAt) {
        this.createdAt = createdAt;
        return this;
    }

    /** When true, no webhook is delivered for this connector's runs (to test the polling fallback). */
    public EmulatedConnector suppressWebhooks(boolean suppress) {
        this.suppressWebhooks = suppress;
        return this;
    }

    public String id() {
        return id;
    }

    public String groupId() {
        return groupId;
    }

    public String script() {
        return script;
    }

    public String service() {
        return service;
    }

    public String schema() {
        return schema;
    }

    public boolean paused() {
        return paused;
    }

    public String scheduleType() {
        return scheduleType;
    }

    public String setupState() {
        return setupState;
    }

    public String updateState() {
        return updateState;
    }

    public int syncFrequency() {
        return syncFrequency;
    }

    public Instant succeededAt() {
        return succeededAt;
    }

    public Instant failedAt() {
        return failedAt;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public boolean suppressWebhooks() {
        return suppressWebhooks;
    }

    /**
     * Parses a Fivetran script: {@link JobScript} syntax, timed phases from {@link #PHASES}, final {@code succeeded}
     * or {@code failed}; throws IllegalArgumentException otherwise.
     */
    public static JobScript parseScript(String script) {
        JobScript parsed = JobScript.parse(script);
        for (JobScript.Phase p : parsed.phases()) {
            if (!PHASES.contains(p.status())) {
                throw new IllegalArgumentException("Fivetran script phase '" + p.status()
                        + "' is not one of " + PHASES + " (script '" + script + "')");
            }
        }
        if (!Set.of("succeeded", "failed").contains(parsed.finalStatus())) {
            throw new IllegalArgumentException("a Fivetran script must end with succeeded or failed, got '"
                    + parsed.finalStatus() + "'");
        }
        return parsed;
    }

    /** Validates and normalizes a setup_state value. */
    static String checkSetupState(String setupState) {
        return oneOf(setupState, SETUP_STATES, "setup_state");
    }

    private static String oneOf(String value, Set<String> allowed, String what) {
        String v = value == null ? null : value.trim().toLowerCase(Locale.ROOT);
        if (v == null || !allowed.contains(v)) {
            throw new IllegalArgumentException(what + " must be one of " + allowed + ", got '" + value + "'");
        }
        return v;
    }

    private static String requireText(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }

    @Override
    public String toString() {
        return "EmulatedConnector[" + id + " group=" + groupId + " script=" + script + " paused=" + paused
                + " schedule=" + scheduleType + " setup=" + setupState + "]";
    }
}
