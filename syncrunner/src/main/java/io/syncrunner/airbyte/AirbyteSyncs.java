package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.journal.RunJournal;
import io.syncrunner.runs.SyncRequestKind;
import io.syncrunner.support.ApiCall;
import io.syncrunner.support.ApiCallException;
import io.syncrunner.support.ConflictApiException;
import io.syncrunner.support.Durations;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncFailedException;
import io.syncrunner.support.SyncState;
import io.syncrunner.support.SyncStoppedException;
import io.syncrunner.support.SyncTimeoutException;
import io.syncrunner.support.SyncWaiter;
import io.syncrunner.support.Triggers;
import io.syncrunner.sync.SyncProvider;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The Airbyte knowledge behind the {@code airbyte-sync} template: Airbyte's part of the one sync flow
 * (routes/sync-flow.yaml, {@link SyncProvider}). The flow owns the order, the waiting and the retries; this class
 * owns what the API's requests and answers mean.
 */
public final class AirbyteSyncs implements SyncProvider {
    public static final String CONNECTION_ID = "connectionId";
    public static final String JOB_TYPE = "jobType";
    public static final String CANCEL_ON_TIMEOUT = "cancelOnTimeout";
    public static final String ON_ACTIVE_SYNC = "onActiveSync";

    public static final String JOB_ID = "syncJobId";
    public static final String ATTACHED = SyncProvider.ATTACHED;
    public static final String LOOKUP = "syncLookup";
    public static final String TRIGGER_SENT_AT = "syncTriggerSentAt";
    public static final String CANCEL_REQUESTED = "syncCancelRequested";
    private static final String JOB = "syncJob";
    private static final String UNKNOWN_LOGGED = "syncUnknownStatusesLogged";
    /** Exchange property: the notification that woke the wait, while its confirming status read is due. */
    public static final String NOTIFIED = "syncNotifiedOutcome";

    private static final Logger LOG = LoggerFactory.getLogger("io.syncrunner.airbyte.sync");
    private static final Set<String> JOB_TYPES = Set.of("sync", "reset", "clear");

    private final AirbyteAccounts accounts;
    private final Clock clock;
    private final Duration reconcileClockSkew;
    private final boolean webhooksEnabled;
    private final Duration webhookFallbackPoll;

    public AirbyteSyncs(AirbyteAccounts accounts, Clock clock, Duration reconcileClockSkew) {
        this(accounts, clock, reconcileClockSkew, false, null);
    }

    /**
     * @param webhooksEnabled     Airbyte's notifications end waits (airbyte.webhooks.secret is set): polling is only
     *                            the fallback, at {@code webhookFallbackPoll} at the fastest
     */
    public AirbyteSyncs(AirbyteAccounts accounts, Clock clock, Duration reconcileClockSkew, boolean webhooksEnabled,
            Duration webhookFallbackPoll) {
        this.accounts = accounts;
        this.clock = clock;
        this.reconcileClockSkew = reconcileClockSkew;
        this.webhooksEnabled = webhooksEnabled;
        this.webhookFallbackPoll = webhookFallbackPoll;
    }

    /** The key a notification of this job wakes the syncs waiting for it with. */
    public static String wakeKey(long jobId) {
        return "airbyte:job:" + jobId;
    }

    /**
     * The inputs of an Airbyte sync (kamelet parameters or sync request fields), checked: each bad one fails with
     * an IllegalArgumentException naming it, before anything is sent.
     */
    public record Inputs(String connectionId, String jobType, String onActiveSync, Duration pollInterval,
            Duration waitTimeout, boolean waitForEnd, boolean cancelOnTimeout) {

        /** @param input the trimmed text of an input by its name ({@link #CONNECTION_ID}, ...), null when unset */
        public static Inputs of(Function<String, String> input) {
            String connectionId = input.apply(CONNECTION_ID);
            if (connectionId == null || connectionId.isEmpty()) {
                throw new IllegalArgumentException("No Airbyte connection given: set the 'connectionId' parameter");
            }
            try {
                UUID.fromString(connectionId);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Airbyte connectionId '" + Json.abbreviate(connectionId, 80)
                        + "' is not a UUID: copy it from the connection's URL in Airbyte");
            }
            String jobType = or(input.apply(JOB_TYPE), "sync").toLowerCase(Locale.ROOT);
            if (!JOB_TYPES.contains(jobType)) {
                throw new IllegalArgumentException("jobType '" + Json.abbreviate(jobType, 80) + "' is not supported:"
                        + " use sync, reset or clear" + ("refresh".equals(jobType)
                        ? " (Airbyte's public API rejects refresh)" : ""));
            }
            String onActive = or(input.apply(ON_ACTIVE_SYNC), "attach").toLowerCase(Locale.ROOT);
            if (!onActive.equals("attach") && !onActive.equals("fail")) {
                throw new IllegalArgumentException("onActiveSync '" + Json.abbreviate(onActive, 80)
                        + "' is not supported: use attach or fail");
            }
            Duration poll = Durations.parsePositive(or(input.apply(SyncState.POLL_INTERVAL), "10s"), "pollInterval");
            Duration timeout = Durations.parsePositive(or(input.apply(SyncState.TIMEOUT), "6h"), "waitTimeout");
            return new Inputs(connectionId, jobType, onActive, poll, timeout,
                    SyncState.bool(SyncState.WAIT, input.apply(SyncState.WAIT), true),
                    SyncState.bool(CANCEL_ON_TIMEOUT, input.apply(CANCEL_ON_TIMEOUT), true));
        }

        private static String or(String value, String defaultValue) {
            return value == null || value.isEmpty() ? defaultValue : value;
        }
    }

    /** The fields of an Airbyte sync request. */
    public static final class Requests implements SyncRequestKind {
        @Override
        public String provider() {
            return "airbyte";
        }

        @Override
        public String targetField() {
            return CONNECTION_ID;
        }

        @Override
        public java.util.Map<String, String> options() {
            java.util.Map<String, String> o = new java.util.LinkedHashMap<>();
            for (String name : new String[] {JOB_TYPE, SyncState.POLL_INTERVAL, SyncState.TIMEOUT, CANCEL_ON_TIMEOUT,
                    SyncState.WAIT, ON_ACTIVE_SYNC}) {
                o.put(name, name);
            }
            return o;
        }

        @Override
        public void check(Function<String, String> input) {
            Inputs.of(input);
        }
    }

    private static final Requests REQUESTS = new Requests();

    @Override
    public SyncRequestKind kind() {
        return REQUESTS;
    }

    @Override
    public String displayName() {
        return "Airbyte";
    }

    @Override
    public String stepKey(Exchange ex) {
        return "airbyte/" + SyncState.text(ex, SyncState.ACCOUNT) + "/" + ex.getProperty(CONNECTION_ID) + "/"
                + ex.getProperty(JOB_TYPE);
    }

    @Override
    public String triggerSubject(Exchange ex) {
        return "a " + ex.getProperty(JOB_TYPE) + " of " + subject(ex);
    }

    /** A step recorded as triggered is followed when it names its job. */
    @Override
    public boolean canAttach(RunJournal.Step step) {
        return step.jobId() != null;
    }

    @Override
    public void restore(Exchange ex, RunJournal.Step s, boolean attach) {
        if (attach) {
            ex.setProperty(JOB_ID, Long.parseLong(s.jobId()));
        } else {
            ex.setProperty(TRIGGER_SENT_AT, s.triggerSentAt() == null ? s.startedAt() : s.triggerSentAt());
        }
    }

    @Override
    public void onAttach(Exchange ex) {
        // the job id is restored: the wait polls it at once (and a notification of it ends the wait)
        listen(ex);
    }

    @Override
    public String syncId(Exchange ex) {
        Object jobId = ex.getProperty(JOB_ID);
        return jobId == null ? null : jobId.toString();
    }

    /** Airbyte names its jobs: nothing else is needed to judge them after a restart. */
    @Override
    public Instant baseline(Exchange ex) {
        return null;
    }

    /** Nothing is read before an Airbyte trigger. */
    @Override
    public boolean prepare(Exchange ex) {
        return false;
    }

    @Override
    public boolean onPrepared(Exchange ex) {
        return false;
    }

    @Override
    public void onLookup(Exchange ex) {
        onJobList(ex);
    }

    /**
     * Carrying on after a restart, the journal says the trigger may have been sent: the connection's jobs since
     * the recorded send time are looked up; if none was created, {@link #onRecovered} says so and the flow triggers.
     */
    @Override
    public void recoverRequest(Exchange ex) {
        ex.setProperty(LOOKUP, "recover");
        ex.removeProperty(JOB_ID);
        listJobsRequest(ex);
    }

    @Override
    public boolean onRecovered(Exchange ex) {
        onJobList(ex);
        return ex.getProperty(JOB_ID) != null;
    }

    @Override
    public void onStatus(Exchange ex) {
        onJobStatus(ex);
    }

    /**
     * A notification of the job woke the wait (any runner of a cluster may have received it). Its outcome is not
     * trusted alone: the flow reads the job's status once now ({@link SyncProvider#STATUS_READ_NEEDED}), and that
     * read decides (a job still running goes on waiting, at the fallback poll interval).
     */
    @Override
    public void onSignal(Exchange ex) {
        com.fasterxml.jackson.databind.JsonNode payload = ex.getProperty(SyncWaiter.SIGNAL,
                com.fasterxml.jackson.databind.JsonNode.class);
        JsonNode ok = payload == null ? null : payload.has("success") ? payload.get("success") : payload.get("isSuccess");
        String said = ok == null || !ok.isBoolean() ? "that it ended" : ok.booleanValue() ? "success" : "failure";
        // only notifications received from now on wake this wait again
        ex.setProperty(SyncWaiter.SIGNALS_SINCE, SyncWaiter.signalMark());
        ex.setProperty(NOTIFIED, said);
        ex.setProperty(SyncProvider.STATUS_READ_NEEDED, true);
        LOG.info("Airbyte job {} of {}: a notification says {}; confirming it with one status read",
                ex.getProperty(JOB_ID), subject(ex), said);
    }

    /** With webhooks on, the wait of the job followed now can be ended by a notification of it. */
    private void listen(Exchange ex) {
        Long jobId = ex.getProperty(JOB_ID, Long.class);
        if (!webhooksEnabled || jobId == null) {
            return;
        }
        ex.setProperty(SyncWaiter.WAKE_KEY, wakeKey(jobId));
        // job ids are never reused: a notification of this job received at any time (even before the wait parks,
        // for a fast job) is about this sync
        ex.setProperty(SyncWaiter.SIGNALS_SINCE, 0L);
    }

    /** The job is cancelled (the flow asks {@link #canCancel}). */
    @Override
    public void onStopRequested(Exchange ex) {
    }

    /** Airbyte never asks for a re-trigger. */
    @Override
    public void onRetrigger(Exchange ex) {
    }

    @Override
    public boolean canCancel() {
        return true;
    }

    @Override
    public boolean cancelOnTimeout(Exchange ex) {
        return Boolean.TRUE.equals(ex.getProperty(CANCEL_ON_TIMEOUT, Boolean.class));
    }

    /** Checks the route inputs and the account, and records the start of the sync. */
    @Override
    public void begin(Exchange ex) {
        String accountName = SyncState.text(ex, SyncState.ACCOUNT);
        Inputs in = Inputs.of(name -> SyncState.text(ex, name));
        String connectionId = in.connectionId();
        String jobType = in.jobType();
        String onActive = in.onActiveSync();
        Duration poll = in.pollInterval();
        Duration timeout = in.waitTimeout();
        boolean wait = in.waitForEnd();
        boolean cancelOnTimeout = in.cancelOnTimeout();
        AirbyteAccount account = accounts.require(accountName);
        if (webhooksEnabled && poll.compareTo(webhookFallbackPoll) < 0) {
            poll = webhookFallbackPoll; // notifications end the wait; polling is only the fallback
        }

        ex.setProperty(CONNECTION_ID, connectionId);
        ex.setProperty(JOB_TYPE, jobType);
        ex.setProperty(ON_ACTIVE_SYNC, onActive);
        ex.setProperty(CANCEL_ON_TIMEOUT, cancelOnTimeout);
        ex.setProperty(ATTACHED, false);
        ex.setProperty(ApiCall.BASE_URL, account.baseUrl());
        ex.setProperty(ApiCall.AUTH, account.authorizer());
        ex.setProperty(ApiCall.ERROR_HINT, account.errorHint());
        ex.removeProperty(ApiCall.ACCEPT);
        ex.removeProperty(NOTIFIED);
        SyncState.start(ex, clock, poll, timeout, wait);
    }

    /** Describes {@code POST /jobs}. */
    @Override
    public void triggerRequest(Exchange ex) {
        ObjectNode body = Json.object();
        body.put("connectionId", ex.getProperty(CONNECTION_ID, String.class));
        body.put("jobType", ex.getProperty(JOB_TYPE, String.class));
        ApiCall.describe(ex, "POST", "/jobs", null, Json.write(body), "trigger a " + ex.getProperty(JOB_TYPE) + " of " + subject(ex));
        ex.setProperty(TRIGGER_SENT_AT, clock.millis());
    }

    /** Reads the new job from the trigger's answer. */
    @Override
    public void onTriggered(Exchange ex) {
        JsonNode job = Json.parse(ex.getMessage().getBody(String.class));
        Long jobId = Json.longValue(job, "jobId");
        if (jobId == null) {
            throw new IllegalStateException("Airbyte accepted the " + ex.getProperty(JOB_TYPE) + " of " + subject(ex)
                    + " but its answer has no jobId: " + Json.abbreviate(job.toString(), 200));
        }
        follow(ex, job, false);
        LOG.info("Airbyte job {} started for {}: {}", jobId, subject(ex), ex.getProperty(SyncState.STATUS));
    }

    /**
     * The trigger answered 409. {@code try-again-later} means a sync of this connection is already running:
     * attach to it (or fail, with onActiveSync=fail). Any other conflict (e.g. an inactive connection) fails.
     */
    @Override
    public boolean onTriggerConflict(Exchange ex) {
        ConflictApiException conflict = ex.getProperty(Exchange.EXCEPTION_CAUGHT, ConflictApiException.class);
        String text = (conflict.problem() + " " + conflict.detail()).toLowerCase(Locale.ROOT);
        boolean alreadyRunning = text.contains("try-again-later") || text.contains("already running");
        if (!alreadyRunning) {
            throw new SyncFailedException("Airbyte refused to sync " + subject(ex) + ": " + conflict.status() + " "
                    + conflict.problem() + " (" + conflict.detail() + "); is the connection active?", null, conflict);
        }
        if ("fail".equals(ex.getProperty(ON_ACTIVE_SYNC))) {
            throw new SyncFailedException("A sync is already running for " + subject(ex)
                    + " and onActiveSync=fail", null, conflict);
        }
        LOG.info("A sync is already running for {}: attaching to it instead of starting another", subject(ex));
        ex.setProperty(LOOKUP, "active");
        listJobsRequest(ex);
        return true;
    }

    /**
     * The trigger may or may not have reached Airbyte (5xx, 429, timeout, dropped connection). It is not sent
     * again: the connection's jobs are looked up instead.
     */
    @Override
    public void onTriggerOutcomeUnknown(Exchange ex) {
        Triggers.outcomeUnknown(ex, subject(ex), "looking up the connection's jobs");
        ex.setProperty(LOOKUP, "reconcile");
        listJobsRequest(ex);
    }

    /** Describes {@code GET /jobs} for the connection, newest first. */
    public void listJobsRequest(Exchange ex) {
        ApiCall.describe(ex, "GET", "/jobs", "connectionId=" + ex.getProperty(CONNECTION_ID)
                + "&orderBy=createdAt%7CDESC&limit=10", null, "list the jobs of " + subject(ex));
    }

    /** Attaches to the unfinished job, or, after an unknown trigger outcome, to the job that trigger created. */
    public void onJobList(Exchange ex) {
        JsonNode data = Json.parse(ex.getMessage().getBody(String.class)).path("data");
        boolean recover = "recover".equals(ex.getProperty(LOOKUP));
        boolean reconcile = recover || "reconcile".equals(ex.getProperty(LOOKUP));
        long sentAt = ex.getProperty(TRIGGER_SENT_AT, 0L, Long.class);
        JsonNode found = null;
        for (JsonNode job : data) {
            if (!AirbyteJobStatus.of(Json.text(job, "status")).isTerminal()) {
                found = job;
                break;
            }
        }
        if (found == null && reconcile) {
            for (JsonNode job : data) {
                Instant created = parseTime(Json.text(job, "startTime"));
                if (created != null && !created.isBefore(Instant.ofEpochMilli(sentAt).minus(reconcileClockSkew))) {
                    found = job;
                    break;
                }
            }
        }
        if (found == null) {
            if (recover) {
                LOG.info("{}: the runner stopped while triggering it; Airbyte shows no job since, so it is triggered now",
                        subject(ex));
                return;
            }
            if (reconcile) {
                ex.setProperty(Triggers.NOTHING_STARTED, "Could not trigger a " + ex.getProperty(JOB_TYPE) + " of "
                        + subject(ex) + ": Airbyte answered " + ex.getProperty(Triggers.ERROR) + " and no job was created");
                return;
            }
            throw new SyncFailedException("Airbyte said a sync is already running for " + subject(ex)
                    + " but lists no unfinished job for it; try again later", null);
        }
        follow(ex, found, true);
        LOG.info("Attached to Airbyte job {} of {}: {}", ex.getProperty(JOB_ID), subject(ex),
                ex.getProperty(SyncState.STATUS));
    }

    /** Describes {@code GET /jobs/{id}}. */
    @Override
    public void statusRequest(Exchange ex) {
        ApiCall.describe(ex, "GET", "/jobs/" + ex.getProperty(JOB_ID), null, null,
                "read the status of Airbyte job " + ex.getProperty(JOB_ID) + " of " + subject(ex));
    }

    /** Reads a status answer and decides: done, timed out, or poll again after syncNextPollDelay. */
    public void onJobStatus(Exchange ex) {
        JsonNode job = Json.parse(ex.getMessage().getBody(String.class));
        record(ex, job);
        String status = ex.getProperty(SyncState.STATUS, String.class);
        AirbyteJobStatus kind = AirbyteJobStatus.of(status);
        if (kind == AirbyteJobStatus.UNKNOWN) {
            warnUnknownOnce(ex, status);
        }
        SyncState.afterStatus(ex, clock, kind.isTerminal());
        String notified = (String) ex.removeProperty(NOTIFIED);
        if (notified != null && kind.isTerminal()) {
            LOG.info("Airbyte job {} of {}: {} after {}, ended by webhook (the notification said {}, the status read"
                    + " confirmed the end)", ex.getProperty(JOB_ID), subject(ex), status,
                    Durations.human(SyncState.elapsed(ex, clock)), notified);
        } else if (notified != null) {
            LOG.warn("Airbyte job {} of {}: a notification said {} but Airbyte reads it {}; the wait goes on",
                    ex.getProperty(JOB_ID), subject(ex), notified, status);
        } else {
            LOG.info("Airbyte job {} of {}: {} after {}", ex.getProperty(JOB_ID), subject(ex), status,
                    Durations.human(SyncState.elapsed(ex, clock)));
        }
    }

    /** Describes {@code DELETE /jobs/{id}} after the wait timed out, or when the sync's run asked it to stop. */
    @Override
    public void cancelRequest(Exchange ex) {
        String stop = ex.getProperty(SyncWaiter.STOP_REQUESTED, String.class);
        if (stop != null) {
            LOG.warn("Airbyte job {} of {}: cancelling it because {}", ex.getProperty(JOB_ID), subject(ex), stop);
        } else {
            LOG.warn("Airbyte job {} of {} did not finish within {}: cancelling it", ex.getProperty(JOB_ID),
                    subject(ex), SyncState.text(ex, SyncState.TIMEOUT));
        }
        ApiCall.describe(ex, "DELETE", "/jobs/" + ex.getProperty(JOB_ID), null, null,
                "cancel Airbyte job " + ex.getProperty(JOB_ID) + " of " + subject(ex));
    }

    /** Reads the cancel answer (the status may still read running; Airbyte stops the job shortly after). */
    @Override
    public void onCancelled(Exchange ex) {
        record(ex, Json.parse(ex.getMessage().getBody(String.class)));
        AirbyteJobStatus kind = AirbyteJobStatus.of(ex.getProperty(SyncState.STATUS, String.class));
        if (kind == AirbyteJobStatus.SUCCEEDED || kind == AirbyteJobStatus.FAILED) {
            // the cancel's answer is the job re-read after the signal: it had ended by itself first, and that end
            // (Airbyte's word, not the runner's wait) is the outcome
            LOG.info("Airbyte job {} of {} had already ended {} when it was to be cancelled", ex.getProperty(JOB_ID),
                    subject(ex), ex.getProperty(SyncState.STATUS));
            ex.setProperty(CANCEL_REQUESTED, false);
            ex.setProperty(SyncState.TIMED_OUT, false);
            return;
        }
        ex.setProperty(CANCEL_REQUESTED, true);
    }

    /** The job had already ended when the cancel arrived (409): read its final status once more. */
    @Override
    public void onCancelTooLate(Exchange ex) {
        LOG.info("Airbyte job {} of {} had already finished when it was to be cancelled", ex.getProperty(JOB_ID),
                subject(ex));
        ex.setProperty(CANCEL_REQUESTED, false);
        ex.setProperty(SyncState.TIMED_OUT, false);
    }

    /**
     * Leaves the result JSON as the body. A sync that failed, was cancelled or timed out throws a
     * {@link SyncFailedException} that names the job and its status and carries the same JSON; one whose run asked
     * it to stop throws a {@link SyncStoppedException} (unless Airbyte reports it succeeded or failed first). A
     * wait is reported succeeded only when Airbyte says the job succeeded.
     */
    @Override
    public void finish(Exchange ex) {
        ObjectNode result = result(ex);
        String json = Json.write(result);
        ex.getMessage().getHeaders().clear();
        ex.getMessage().setBody(json);
        String status = ex.getProperty(SyncState.STATUS, String.class);
        if (!SyncState.bool(ex, SyncState.WAITING, true)) {
            return;
        }
        if (Boolean.TRUE.equals(ex.getProperty(SyncState.TIMED_OUT, Boolean.class))) {
            boolean cancelled = Boolean.TRUE.equals(ex.getProperty(CANCEL_REQUESTED, Boolean.class));
            throw new SyncTimeoutException("Airbyte job " + ex.getProperty(JOB_ID) + " of " + subject(ex)
                    + " did not finish within " + SyncState.text(ex, SyncState.TIMEOUT) + " (last status " + status + "); "
                    + (cancelled ? "it was cancelled" : "it was left running (cancelOnTimeout=false or cancel not possible)"),
                    json);
        }
        AirbyteJobStatus kind = AirbyteJobStatus.of(status);
        String stop = ex.getProperty(SyncWaiter.STOP_REQUESTED, String.class);
        if (stop != null && kind != AirbyteJobStatus.SUCCEEDED && kind != AirbyteJobStatus.FAILED) {
            boolean cancelled = Boolean.TRUE.equals(ex.getProperty(CANCEL_REQUESTED, Boolean.class));
            throw new SyncStoppedException("Airbyte job " + ex.getProperty(JOB_ID) + " of " + subject(ex) + " "
                    + (cancelled ? "was cancelled (status " + status + ")"
                            : "could not be cancelled (Airbyte answered 409) and reads " + status)
                    + " because " + stop, stop, json);
        }
        if (kind == AirbyteJobStatus.FAILED || kind == AirbyteJobStatus.CANCELLED) {
            throw new SyncFailedException("Airbyte job " + ex.getProperty(JOB_ID) + " of " + subject(ex) + " ended "
                    + status, json);
        }
        if (kind != AirbyteJobStatus.SUCCEEDED) {
            // e.g. a cancel answered 409 (no longer running) while a re-read still shows it running
            throw new SyncFailedException("Airbyte job " + ex.getProperty(JOB_ID) + " of " + subject(ex)
                    + ": the wait ended while Airbyte reads it " + status + ", so it is not reported as succeeded",
                    json);
        }
        LOG.info("Airbyte job {} of {} {}: {} rows, {} bytes in {}", ex.getProperty(JOB_ID), subject(ex), status,
                result.path("rowsSynced").asLong(), result.path("bytesSynced").asLong(), result.path("duration").asText());
    }

    private ObjectNode result(Exchange ex) {
        JsonNode job = ex.getProperty(JOB, JsonNode.class);
        ObjectNode r = Json.object();
        r.put("provider", "airbyte");
        r.put("account", SyncState.text(ex, SyncState.ACCOUNT));
        r.put("connectionId", ex.getProperty(CONNECTION_ID, String.class));
        r.put("jobId", ex.getProperty(JOB_ID, Long.class));
        r.put("jobType", job != null && Json.text(job, "jobType") != null ? Json.text(job, "jobType")
                : ex.getProperty(JOB_TYPE, String.class));
        r.put("status", ex.getProperty(SyncState.STATUS, String.class));
        r.put("rowsSynced", job == null ? 0 : job.path("rowsSynced").asLong(0));
        r.put("bytesSynced", job == null ? 0 : job.path("bytesSynced").asLong(0));
        String apiDuration = job == null ? null : Json.text(job, "duration");
        r.put("duration", apiDuration != null ? apiDuration : SyncState.elapsed(ex, clock).withNanos(0).toString());
        r.put("waited", SyncState.elapsed(ex, clock).withNanos(0).toString());
        r.put("startTime", job == null ? null : Json.text(job, "startTime"));
        r.put("attached", Boolean.TRUE.equals(ex.getProperty(ATTACHED, Boolean.class)));
        r.put("timedOut", Boolean.TRUE.equals(ex.getProperty(SyncState.TIMED_OUT, Boolean.class)));
        r.put("cancelRequested", Boolean.TRUE.equals(ex.getProperty(CANCEL_REQUESTED, Boolean.class)));
        String stop = ex.getProperty(SyncWaiter.STOP_REQUESTED, String.class);
        if (stop != null) {
            r.put("stoppedBecause", stop);
        }
        return r;
    }

    private void follow(Exchange ex, JsonNode job, boolean attached) {
        ex.setProperty(JOB_ID, Json.longValue(job, "jobId"));
        ex.setProperty(ATTACHED, attached);
        record(ex, job);
        boolean terminal = AirbyteJobStatus.of(ex.getProperty(SyncState.STATUS, String.class)).isTerminal();
        ex.setProperty(SyncState.DONE, terminal);
        listen(ex);
        if (!terminal) {
            SyncState.afterStatus(ex, clock, false);
            ex.setProperty(SyncState.POLLS, 0);
        }
    }

    private static void record(Exchange ex, JsonNode job) {
        ex.setProperty(JOB, job);
        String status = Json.text(job, "status");
        ex.setProperty(SyncState.STATUS, status == null ? "unknown" : status);
    }

    @SuppressWarnings("unchecked")
    private static void warnUnknownOnce(Exchange ex, String status) {
        Set<String> logged = ex.getProperty(UNKNOWN_LOGGED, Set.class);
        if (logged == null) {
            logged = new HashSet<>();
            ex.setProperty(UNKNOWN_LOGGED, logged);
        }
        if (logged.add(status)) {
            LOG.warn("Airbyte job {} of {} reports status '{}', which this runner does not know; it is treated as"
                    + " not finished and polling goes on", ex.getProperty(JOB_ID), subject(ex), status);
        }
    }

    private static String subject(Exchange ex) {
        return "connection " + ex.getProperty(CONNECTION_ID) + " (Airbyte account '" + SyncState.text(ex, SyncState.ACCOUNT) + "')";
    }


    static Instant parseTime(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (RuntimeException e) {
            try {
                return Instant.parse(text);
            } catch (RuntimeException e2) {
                return null;
            }
        }
    }
}
