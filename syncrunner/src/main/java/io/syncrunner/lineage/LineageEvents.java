package io.syncrunner.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.runs.SyncEvents;
import io.syncrunner.support.Json;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Builds the OpenLineage run events (spec 2-0-2) of sync steps. One sync step is one OpenLineage run of one job:
 * <ul>
 * <li>job namespace {@code <namespace>://<provider>/<account>} (namespace: {@code syncrunner.lineage.namespace}),
 * job name the target the provider syncs (its connection or connector id);</li>
 * <li>run id a name-based UUID of the journal's run id and the step key, so the events of a step carried on after a
 * restart (or by another runner) name the same run;</li>
 * <li>a {@code parent} run facet for a step of a workflow run: job {@code <namespace>://workflows} / the workflow's
 * name, run id the journal's run id (a UUID already);</li>
 * <li>a {@code syncrunner_sync} run facet: provider, account, target, the journal's run id and step key, and at the
 * end the generic fields of the step's result JSON (the provider's job or sync id, status, rows and bytes where the
 * provider reports them);</li>
 * <li>an {@code errorMessage} run facet on FAIL and ABORT, with the step's error message.</li>
 * </ul>
 * Event types: START; COMPLETE when the step succeeded, was triggered without a wait, or was passed over; FAIL when
 * it failed or its wait timed out (the runner gave up on it: the data did not arrive in time); ABORT when it was
 * cancelled or its run asked it to stop (another branch of its workflow failed).
 */
public final class LineageEvents {
    static final String SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json";
    static final String RUN_EVENT_SCHEMA = SPEC + "#/$defs/RunEvent";
    static final String PARENT_FACET_SCHEMA =
            "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet";
    static final String ERROR_FACET_SCHEMA =
            "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";
    static final String JOB_TYPE_FACET_SCHEMA =
            "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet";
    /** The project's page that describes the custom facet. */
    static final String SYNC_FACET_SCHEMA = "https://github.com/syncrunner/syncrunner/blob/main/docs/lineage.md"
            + "#the-syncrunner_sync-facet";
    /** The custom run facet's key (custom facets are prefixed with their producer's name). */
    public static final String SYNC_FACET = "syncrunner_sync";
    /** The fields of a step's result JSON copied into {@value #SYNC_FACET}, when present. */
    static final List<String> RESULT_FIELDS = List.of("status", "jobId", "syncId", "jobType", "operation",
            "rowsSynced", "bytesSynced", "duration", "attached", "timedOut", "cancelRequested", "stoppedBecause");

    private final String namespace;
    private final String producer;

    /**
     * @param namespace the scheme of the job namespaces ({@code syncrunner.lineage.namespace})
     * @param version   the runner's version, named in the producer URL
     */
    public LineageEvents(String namespace, String version) {
        this.namespace = namespace;
        this.producer = "https://github.com/syncrunner/syncrunner/tree/" + version;
    }

    /** The producer URL (the runner and its version). */
    public String producer() {
        return producer;
    }

    /** The OpenLineage run id of a step: the same for every event of the step, on every runner. */
    public static UUID runId(String journalRunId, String stepKey) {
        return UUID.nameUUIDFromBytes(("syncrunner-step:" + journalRunId + "/" + stepKey)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The run id of a journal run in OpenLineage: its own id when that is a UUID (it is), else one derived. */
    public static UUID journalRun(String journalRunId) {
        try {
            return UUID.fromString(journalRunId);
        } catch (IllegalArgumentException notUuid) {
            return UUID.nameUUIDFromBytes(("syncrunner-run:" + journalRunId).getBytes(StandardCharsets.UTF_8));
        }
    }

    public String jobNamespace(SyncEvents.Step step) {
        return namespace + "://" + step.provider() + "/" + step.account();
    }

    /** The START event; its time is the step's start (the first one, for a step carried on). */
    public ObjectNode start(SyncEvents.Step step) {
        ObjectNode event = event("START", step.startedAt(), step);
        syncFacet(event, step);
        return event;
    }

    /** The COMPLETE, FAIL or ABORT event of a step that ended at {@code at}. */
    public ObjectNode end(SyncEvents.Step step, SyncEvents.Outcome outcome, String result, String error,
            Instant at) {
        ObjectNode event = event(eventType(outcome), at, step);
        ObjectNode sync = syncFacet(event, step);
        sync.put("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT));
        JsonNode r = result == null ? null : Json.parseLenient(result);
        if (r != null && r.isObject()) {
            for (String field : RESULT_FIELDS) {
                JsonNode v = r.get(field);
                if (v != null && !v.isNull() && v.isValueNode()) {
                    sync.set(field, v);
                }
            }
        }
        if (error != null && !"COMPLETE".equals(event.path("eventType").asText())) {
            ObjectNode facet = facet(ERROR_FACET_SCHEMA);
            facet.put("message", error);
            facet.put("programmingLanguage", "JAVA");
            ((ObjectNode) event.path("run").path("facets")).set("errorMessage", facet);
        }
        return event;
    }

    /** COMPLETE, FAIL or ABORT. */
    public static String eventType(SyncEvents.Outcome outcome) {
        return switch (outcome) {
            case SUCCEEDED, TRIGGERED, SKIPPED -> "COMPLETE";
            case FAILED, TIMED_OUT -> "FAIL";
            case CANCELLED, STOPPED -> "ABORT";
        };
    }

    private ObjectNode event(String type, Instant at, SyncEvents.Step step) {
        ObjectNode event = Json.object();
        event.put("eventType", type);
        event.put("eventTime", at.toString());
        ObjectNode run = event.putObject("run");
        run.put("runId", runId(step.runId(), step.stepKey()).toString());
        ObjectNode runFacets = run.putObject("facets");
        if (step.workflow() != null) {
            ObjectNode parent = facet(PARENT_FACET_SCHEMA);
            parent.putObject("run").put("runId", journalRun(step.runId()).toString());
            parent.putObject("job").put("namespace", namespace + "://workflows").put("name", step.workflow());
            runFacets.set("parent", parent);
        }
        ObjectNode job = event.putObject("job");
        job.put("namespace", jobNamespace(step));
        job.put("name", step.target() == null ? step.stepKey() : step.target());
        ObjectNode jobType = facet(JOB_TYPE_FACET_SCHEMA);
        jobType.put("processingType", "BATCH");
        jobType.put("integration", "SYNCRUNNER");
        jobType.put("jobType", "SYNC");
        job.putObject("facets").set("jobType", jobType);
        event.putArray("inputs");
        event.putArray("outputs");
        event.put("producer", producer);
        event.put("schemaURL", RUN_EVENT_SCHEMA);
        return event;
    }

    private ObjectNode syncFacet(ObjectNode event, SyncEvents.Step step) {
        ObjectNode sync = facet(SYNC_FACET_SCHEMA);
        sync.put("provider", step.provider());
        sync.put("account", step.account());
        sync.put("target", step.target());
        sync.put("journalRunId", step.runId());
        sync.put("stepKey", step.stepKey());
        if (step.workflow() != null) {
            sync.put("workflow", step.workflow());
        }
        ((ObjectNode) event.path("run").path("facets")).set(SYNC_FACET, sync);
        return sync;
    }

    private ObjectNode facet(String schemaUrl) {
        ObjectNode f = Json.object();
        f.put("_producer", producer);
        f.put("_schemaURL", schemaUrl);
        return f;
    }
}
