package io.syncrunner.fivetran;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.journal.RunJournal;
import io.syncrunner.runs.SyncRequestKind;
import io.syncrunner.support.ApiCall;
import io.syncrunner.support.ConflictApiException;
import io.syncrunner.support.Durations;
import io.syncrunner.support.Json;
import io.syncrunner.support.RequestBudget;
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
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The Fivetran knowledge behind the {@code fivetran-sync} and {@code fivetran-resync} templates: Fivetran's part of
 * the one sync flow (routes/sync-flow.yaml, {@link SyncProvider}).
 */
public final class FivetranSyncs implements SyncProvider {
    public static final String CONNECTOR_ID = "connectorId";
    public static final String OPERATION = "fivetranOperation";
    public static final String FORCE = "force";
    public static final String TABLES = "tables";
    public static final String ON_RESCHEDULED = "rescheduled";
    public static final String ON_PAUSED = "paused";
    public static final String SET_MANUAL_SCHEDULE = "setManualSchedule";

    /**
     * The connector's last completion before the trigger, an {@link Instant} at Fivetran's full precision
     * (microseconds), or null when it never synced. Never cut to epoch milliseconds: an unchanged
     * {@code ...29.613498Z} would then read as later than the baseline {@code ...29.613Z}.
     */
    public static final String BASELINE = "fivetranBaseline";
    public static final String UNPAUSE = "fivetranUnpause";
    public static final String SET_MANUAL = "fivetranSetManual";
    public static final String RETRIGGER_DUE = SyncProvider.RETRIGGER_DUE;
    public static final String TRIGGERS = "fivetranTriggers";
    public static final String SKIPPED = SyncProvider.SKIPPED;
    public static final String TRIGGER_NEEDED = "fivetranTriggerNeeded";
    public static final String ATTACHED = SyncProvider.ATTACHED;
    /** Which request before the trigger was answered: the connector read, or a PATCH. */
    private static final String PREPARING = "fivetranPreparing";
    public static final String COMPLETED_BY = "syncCompletedBy";
    private static final String CONNECTOR = "fivetranConnector";
    private static final String BUDGET = "fivetranBudget";
    /**
     * The account budget's slot reserved for this sync's next poll: given back when the poll is planned anew or sent
     * earlier (a webhook, a read due at once), so that a poll planned for later never delays one due now.
     */
    private static final String BUDGET_SLOT = "fivetranBudgetSlot";
    private static final String EVENT = "fivetranEvent";
    private static final String RESCHEDULE_LOGGED = "fivetranRescheduleLogged";
    /** When the (last) trigger was sent, an {@link Instant} at full precision: the sync it started began after it. */
    public static final String TRIGGER_SENT = "fivetranTriggerSentAt";
    /** The {@code sync_id} of the sync the trigger started, once the sync history showed it. */
    public static final String SYNC_ID = "fivetranSyncId";
    /** The sync history's record of that sync ({@link FivetranSyncHistory.Entry}), as last read. */
    private static final String HISTORY_ENTRY = "fivetranHistoryEntry";
    /** The next status read is of the sync history (not the connection). */
    private static final String HISTORY_DUE = "fivetranHistoryDue";
    /** The status request just described is a sync-history read. */
    private static final String READING_HISTORY = "fivetranReadingHistory";
    /** The cursor of the next page of the sync history being read. */
    private static final String HISTORY_CURSOR = "fivetranHistoryCursor";
    /** The first sync after the trigger among the pages read so far. */
    private static final String HISTORY_CANDIDATE = "fivetranHistoryCandidate";
    /** A sync_end webhook with a sync_id, held until the sync history shows whose sync it ended. */
    private static final String PENDING_EVENT = "fivetranPendingEvent";
    /** The 403/404 answers the sync-history read takes itself (fallback to the timestamps). */
    private static final Set<Integer> HISTORY_MISSING = Set.of(403, 404);

    private static final Logger LOG = LoggerFactory.getLogger("io.syncrunner.fivetran.sync");
    private static final Pattern CONNECTOR_PATTERN = Pattern.compile("[A-Za-z0-9_]+");
    private static final Pattern TABLE = Pattern.compile("[^.,\\s]+\\.[^.,\\s]+");

    private final FivetranAccounts accounts;
    private final Clock clock;
    private final boolean webhooksEnabled;
    private final Duration webhookFallbackPoll;
    private final FivetranSyncHistory.Availability history;

    public FivetranSyncs(FivetranAccounts accounts, Clock clock, boolean webhooksEnabled, Duration webhookFallbackPoll) {
        this(accounts, clock, webhooksEnabled, webhookFallbackPoll,
                new FivetranSyncHistory.Availability(clock, Duration.ofHours(1)));
    }

    /** @param history which accounts answered the sync history with 403/404 lately (not asked again meanwhile) */
    public FivetranSyncs(FivetranAccounts accounts, Clock clock, boolean webhooksEnabled, Duration webhookFallbackPoll,
            FivetranSyncHistory.Availability history) {
        this.accounts = accounts;
        this.clock = clock;
        this.webhooksEnabled = webhooksEnabled;
        this.webhookFallbackPoll = webhookFallbackPoll;
        this.history = history;
    }

    /**
     * The inputs of a Fivetran sync or resync (kamelet parameters or sync request fields), checked: each bad one
     * fails with an IllegalArgumentException naming it, before anything is sent.
     *
     * @param tables the re-sync scope ({"schema":["table",...]}), null for everything or a sync
     */
    public record Inputs(String connectorId, String operation, String rescheduled, String paused, boolean force,
            boolean setManualSchedule, boolean waitForEnd, Duration pollInterval, Duration waitTimeout, JsonNode tables) {

        /** @param input the trimmed text of an input by its name ({@link #CONNECTOR_ID}, ...), null when unset */
        public static Inputs of(Function<String, String> input) {
            String connectorId = input.apply(CONNECTOR_ID);
            if (connectorId == null || connectorId.isEmpty()) {
                throw new IllegalArgumentException("No Fivetran connector given: set the 'connectorId' parameter");
            }
            if (!CONNECTOR_PATTERN.matcher(connectorId).matches()) {
                throw new IllegalArgumentException("Fivetran connectorId '" + Json.abbreviate(connectorId, 80)
                        + "' is not a connector id (letters, digits and _ as in 'decent_dropsy')");
            }
            String operation = choice(input, OPERATION, "operation", "sync", Set.of("sync", "resync"));
            String rescheduled = choice(input, ON_RESCHEDULED, ON_RESCHEDULED, "retrigger",
                    Set.of("wait", "retrigger", "fail"));
            String paused = choice(input, ON_PAUSED, ON_PAUSED, "fail", Set.of("fail", "unpause", "skip"));
            boolean force = SyncState.bool(FORCE, input.apply(FORCE), false);
            boolean setManual = SyncState.bool(SET_MANUAL_SCHEDULE, input.apply(SET_MANUAL_SCHEDULE), false);
            boolean wait = SyncState.bool(SyncState.WAIT, input.apply(SyncState.WAIT), true);
            Duration poll = Durations.parsePositive(or(input.apply(SyncState.POLL_INTERVAL), "15s"), "pollInterval");
            Duration timeout = Durations.parsePositive(or(input.apply(SyncState.TIMEOUT), "6h"), "waitTimeout");
            JsonNode tables = "resync".equals(operation) ? scope(input.apply(TABLES)) : null;
            return new Inputs(connectorId, operation, rescheduled, paused, force, setManual, wait, poll, timeout,
                    tables);
        }

        private static String choice(Function<String, String> input, String name, String shownAs, String def,
                Set<String> allowed) {
            String v = or(input.apply(name), def).toLowerCase(Locale.ROOT);
            if (!allowed.contains(v)) {
                throw new IllegalArgumentException(shownAs + " '" + Json.abbreviate(v, 80)
                        + "' is not supported: use one of " + new java.util.TreeSet<>(allowed));
            }
            return v;
        }

        private static String or(String value, String defaultValue) {
            return value == null || value.isEmpty() ? defaultValue : value;
        }
    }

    /** The fields of a Fivetran sync request ({@code operation} is read from exchange property {@value #OPERATION}). */
    public static final class Requests implements SyncRequestKind {
        @Override
        public String provider() {
            return "fivetran";
        }

        @Override
        public String targetField() {
            return CONNECTOR_ID;
        }

        @Override
        public Map<String, String> options() {
            Map<String, String> o = new LinkedHashMap<>();
            for (String name : new String[] {FORCE, SyncState.POLL_INTERVAL, SyncState.TIMEOUT, SyncState.WAIT,
                    ON_RESCHEDULED, ON_PAUSED, SET_MANUAL_SCHEDULE, TABLES}) {
                o.put(name, name);
            }
            o.put("operation", OPERATION);
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
        return "Fivetran";
    }

    @Override
    public String stepKey(Exchange ex) {
        return "fivetran/" + SyncState.text(ex, SyncState.ACCOUNT) + "/" + ex.getProperty(CONNECTOR_ID) + "/"
                + ex.getProperty(OPERATION);
    }

    @Override
    public String triggerSubject(Exchange ex) {
        return "a " + ex.getProperty(OPERATION) + " of " + subject(ex);
    }

    /** A Fivetran sync has no id: one recorded as triggered is judged against the recorded baseline. */
    @Override
    public boolean canAttach(RunJournal.Step step) {
        return true;
    }

    /**
     * The baseline, and for the sync history the trigger's time (the journal keeps epoch milliseconds: a sync that
     * started in the same millisecond before the trigger could be taken for its own) and the sync id, if known.
     */
    @Override
    public void restore(Exchange ex, RunJournal.Step s, boolean attach) {
        ex.setProperty(BASELINE, s.baseline());
        ex.setProperty(TRIGGER_SENT, s.triggerSentAt() == null ? null : Instant.ofEpochMilli(s.triggerSentAt()));
        ex.setProperty(SYNC_ID, s.jobId());
    }

    @Override
    public void onAttach(Exchange ex) {
        onResume(ex);
    }

    @Override
    public String syncId(Exchange ex) {
        return ex.getProperty(SYNC_ID, String.class);
    }

    @Override
    public Instant baseline(Exchange ex) {
        return ex.getProperty(BASELINE, Instant.class);
    }

    /** Before the trigger the connector is read (its setup, pause and the baseline). */
    @Override
    public boolean prepare(Exchange ex) {
        ex.setProperty(PREPARING, "read");
        readRequest(ex);
        return true;
    }

    /** After the read: the baseline; then the PATCHes asked for (unpause, manual schedule), one at a time. */
    @Override
    public boolean onPrepared(Exchange ex) {
        if ("read".equals(ex.getProperty(PREPARING))) {
            ex.setProperty(PREPARING, "patch");
            onBaseline(ex);
            if (Boolean.TRUE.equals(ex.getProperty(SKIPPED, Boolean.class))) {
                return false;
            }
        }
        if (Boolean.TRUE.equals(ex.getProperty(UNPAUSE, Boolean.class))) {
            unpauseRequest(ex);
            return true;
        }
        if (Boolean.TRUE.equals(ex.getProperty(SET_MANUAL, Boolean.class))) {
            manualScheduleRequest(ex);
            return true;
        }
        ex.removeProperty(PREPARING);
        return false;
    }

    @Override
    public void onLookup(Exchange ex) {
        onReconcile(ex);
    }

    @Override
    public void recoverRequest(Exchange ex) {
        readRequest(ex);
    }

    @Override
    public boolean onRecovered(Exchange ex) {
        onRecover(ex);
        return !Boolean.TRUE.equals(ex.getProperty(TRIGGER_NEEDED, Boolean.class));
    }

    /** The connection, or the sync history when it is due ({@link #onStatus} reads either). */
    @Override
    public void statusRequest(Exchange ex) {
        if (Boolean.TRUE.equals(ex.getProperty(HISTORY_DUE, Boolean.class)) && historyUsable(ex)) {
            historyRequest(ex);
        } else {
            ex.removeProperty(READING_HISTORY);
            readRequest(ex);
        }
    }

    /** Whether the sync history can tell this sync: after a trigger of ours, on an account that has it. */
    private boolean historyUsable(Exchange ex) {
        return ex.getProperty(TRIGGER_SENT) != null && !Boolean.TRUE.equals(ex.getProperty(ATTACHED, Boolean.class))
                && history.usable(SyncState.text(ex, SyncState.ACCOUNT));
    }

    /** Describes {@code GET /v1/connections/{id}/sync-history} from the trigger to now (one page). */
    public void historyRequest(Exchange ex) {
        spend(ex);
        ApiCall.describe(ex, "GET", "/v1/connections/" + ex.getProperty(CONNECTOR_ID) + "/sync-history",
                FivetranSyncHistory.query(ex.getProperty(TRIGGER_SENT, Instant.class), clock.instant(),
                        ex.getProperty(HISTORY_CURSOR, String.class)), null, "read the sync history of " + subject(ex));
        ex.setProperty(ApiCall.READ_STATUSES, HISTORY_MISSING);
        ex.setProperty(READING_HISTORY, true);
    }

    @Override
    public void onSignal(Exchange ex) {
        onWebhook(ex);
    }

    /** Fivetran has no endpoint to cancel a sync. */
    @Override
    public boolean canCancel() {
        return false;
    }

    @Override
    public boolean cancelOnTimeout(Exchange ex) {
        return false;
    }

    @Override
    public void cancelRequest(Exchange ex) {
        throw new UnsupportedOperationException("Fivetran has no endpoint to cancel a sync");
    }

    @Override
    public void onCancelled(Exchange ex) {
        throw new UnsupportedOperationException("Fivetran has no endpoint to cancel a sync");
    }

    @Override
    public void onCancelTooLate(Exchange ex) {
        throw new UnsupportedOperationException("Fivetran has no endpoint to cancel a sync");
    }

    /** Checks the route inputs and the account, and records the start of the sync. */
    @Override
    public void begin(Exchange ex) {
        Inputs in = Inputs.of(name -> SyncState.text(ex, name));
        String connectorId = in.connectorId();
        String operation = in.operation();
        ex.setProperty(ON_RESCHEDULED, in.rescheduled());
        ex.setProperty(ON_PAUSED, in.paused());
        ex.setProperty(FORCE, in.force());
        ex.setProperty(SET_MANUAL_SCHEDULE, in.setManualSchedule());
        boolean wait = in.waitForEnd();
        Duration poll = in.pollInterval();
        Duration timeout = in.waitTimeout();
        if ("resync".equals(operation)) {
            ex.setProperty(TABLES, in.tables());
        }
        FivetranAccounts.Account account = accounts.require(SyncState.text(ex, SyncState.ACCOUNT));
        if (webhooksEnabled && poll.compareTo(webhookFallbackPoll) < 0) {
            poll = webhookFallbackPoll; // webhooks complete the wait; polling is only the fallback
        }
        ex.setProperty(CONNECTOR_ID, connectorId);
        ex.setProperty(OPERATION, operation);
        ex.setProperty(ApiCall.BASE_URL, account.baseUrl());
        ex.setProperty(ApiCall.AUTH, account.authorizer());
        ex.setProperty(ApiCall.ACCEPT, "application/json;version=2");
        ex.removeProperty(ApiCall.ERROR_HINT); // another provider's step earlier in the same exchange may have set one
        ex.setProperty(BUDGET, account.budget());
        ex.setProperty(SyncWaiter.WAKE_KEY, webhooksEnabled ? wakeKey(connectorId) : null);
        ex.setProperty(TRIGGERS, 0);
        ex.setProperty(ATTACHED, false);
        ex.setProperty(SKIPPED, false);
        ex.setProperty(COMPLETED_BY, null);
        for (String p : new String[] {BUDGET_SLOT, TRIGGER_SENT, SYNC_ID, HISTORY_ENTRY, HISTORY_DUE, HISTORY_CURSOR,
                HISTORY_CANDIDATE, PENDING_EVENT, READING_HISTORY, EVENT}) {
            ex.removeProperty(p); // another sync earlier on the same exchange may have left them
        }
        SyncState.start(ex, clock, poll, timeout, wait);
    }

    /** The key a webhook of this connector wakes waiting syncs with. */
    public static String wakeKey(String connectorId) {
        return "fivetran:" + connectorId;
    }

    /** Describes {@code GET /v1/connections/{id}}. */
    public void readRequest(Exchange ex) {
        spend(ex);
        ApiCall.describe(ex, "GET", "/v1/connections/" + ex.getProperty(CONNECTOR_ID), null, null,
                "read " + subject(ex));
    }

    /**
     * Before the trigger: a connector whose setup is not complete fails; a paused one follows the {@code paused}
     * policy; the baseline (the later of succeeded_at and failed_at) is recorded.
     */
    public void onBaseline(Exchange ex) {
        FivetranConnector c = record(ex);
        if (!c.isConnected()) {
            throw new SyncFailedException(subject(ex) + " cannot sync: its setup_state is '" + c.setupState()
                    + "', not 'connected'; finish or repair its setup in Fivetran", null);
        }
        ex.setProperty(UNPAUSE, false);
        if (c.paused()) {
            switch (ex.getProperty(ON_PAUSED, String.class)) {
                case "skip" -> {
                    LOG.info("{} is paused: skipped (paused=skip)", subject(ex));
                    ex.setProperty(SKIPPED, true);
                    ex.setProperty(SyncState.STATUS, "skipped");
                    ex.setProperty(SyncState.DONE, true);
                    return;
                }
                case "unpause" -> ex.setProperty(UNPAUSE, true);
                default -> throw new SyncFailedException(subject(ex) + " is paused: it was not synced (set paused="
                        + "unpause to resume it first, or paused=skip to pass over it)", null);
            }
        }
        ex.setProperty(BASELINE, c.lastCompletion());
        ex.setProperty(SET_MANUAL, Boolean.TRUE.equals(ex.getProperty(SET_MANUAL_SCHEDULE, Boolean.class))
                && !c.isManualSchedule());
    }

    /** Describes {@code PATCH /v1/connections/{id}} with {"paused": false}. */
    public void unpauseRequest(Exchange ex) {
        LOG.info("{} is paused: resuming it before the sync (paused=unpause)", subject(ex));
        patch(ex, "paused", false, "resume " + subject(ex));
        ex.setProperty(UNPAUSE, false);
    }

    /** Describes {@code PATCH /v1/connections/{id}} with {"schedule_type": "manual"}. */
    public void manualScheduleRequest(Exchange ex) {
        LOG.info("{}: setting its schedule to manual (setManualSchedule=true)", subject(ex));
        patch(ex, "schedule_type", "manual", "set the schedule of " + subject(ex) + " to manual");
        ex.setProperty(SET_MANUAL, false);
    }

    /** Describes the trigger: {@code POST /v1/connections/{id}/sync} or {@code /resync}. */
    @Override
    public void triggerRequest(Exchange ex) {
        spend(ex);
        ObjectNode body = Json.object();
        String op = ex.getProperty(OPERATION, String.class);
        if ("resync".equals(op)) {
            JsonNode scope = ex.getProperty(TABLES, JsonNode.class);
            if (scope != null) {
                body.set("scope", scope);
            }
        } else {
            body.put("force", ex.getProperty(FORCE, Boolean.class));
        }
        ApiCall.describe(ex, "POST", "/v1/connections/" + ex.getProperty(CONNECTOR_ID) + "/" + op, null,
                Json.write(body), "trigger a " + op + " of " + subject(ex));
        ex.setProperty(SyncWaiter.SIGNALS_SINCE, SyncWaiter.signalMark());
        // the sync this trigger starts is the first that starts after the first trigger: a re-trigger of a
        // rescheduled sync continues that sync, and a trigger sent again started nothing before
        if (ex.getProperty(TRIGGER_SENT) == null) {
            ex.setProperty(TRIGGER_SENT, clock.instant());
        }
    }

    /** The trigger was accepted: wait for the timestamps to move. */
    @Override
    public void onTriggered(Exchange ex) {
        ex.setProperty(TRIGGERS, ex.getProperty(TRIGGERS, 0, Integer.class) + 1);
        ex.setProperty(SyncState.STATUS, "syncing");
        ex.setProperty(RETRIGGER_DUE, false);
        LOG.info("Fivetran {} of {} triggered", ex.getProperty(OPERATION), subject(ex));
        nextPoll(ex);
    }

    /** 409: a sync of the connector is already running; it will move the timestamps, so wait for it. */
    @Override
    public boolean onTriggerConflict(Exchange ex) {
        ConflictApiException conflict = ex.getProperty(Exchange.EXCEPTION_CAUGHT, ConflictApiException.class);
        LOG.info("{}: Fivetran answered 409 ({}); following the sync already in progress", subject(ex),
                conflict.detail());
        ex.setProperty(ATTACHED, true);
        ex.setProperty(SyncState.STATUS, "syncing");
        ex.setProperty(RETRIGGER_DUE, false);
        nextPoll(ex);
        return false;
    }

    /** The trigger may have reached Fivetran: it is not re-sent; the connector is read instead. */
    @Override
    public void onTriggerOutcomeUnknown(Exchange ex) {
        Triggers.outcomeUnknown(ex, subject(ex), "reading the connector instead");
        readRequest(ex);
    }

    /**
     * After an unknown trigger outcome: follow the sync if one runs or ended since the baseline; else the trigger
     * started nothing, which {@link Triggers#requireStarted} turns into a re-send.
     */
    public void onReconcile(Exchange ex) {
        if (followIfSyncing(ex, record(ex))) {
            return;
        }
        ex.setProperty(Triggers.NOTHING_STARTED, "Could not trigger a " + ex.getProperty(OPERATION) + " of "
                + subject(ex) + ": Fivetran answered " + ex.getProperty(Triggers.ERROR)
                + " and the connector shows no sync since");
    }

    /**
     * Carrying on after a restart, the journal says the trigger may have been sent: follow the sync if the connector
     * shows one since the recorded baseline; else nothing was started, and {@value #TRIGGER_NEEDED} asks for the
     * trigger.
     */
    public void onRecover(Exchange ex) {
        boolean following = followIfSyncing(ex, record(ex));
        ex.setProperty(TRIGGER_NEEDED, !following);
        if (!following) {
            LOG.info("{}: the runner stopped while triggering it; Fivetran shows no sync since, so it is triggered now",
                    subject(ex));
        }
    }

    /** Carrying on after a restart, the journal says the sync was accepted: read the connector at once. */
    public void onResume(Exchange ex) {
        ex.setProperty(SyncState.STATUS, "syncing");
        ex.setProperty(RETRIGGER_DUE, false);
        ex.setProperty(SyncWaiter.SIGNALS_SINCE, SyncWaiter.signalMark());
        ex.setProperty(SyncState.NEXT_POLL_DELAY, 0L);
    }

    private boolean followIfSyncing(Exchange ex, FivetranConnector c) {
        FivetranCompletion.Outcome outcome = FivetranCompletion.evaluate(baseline(ex), c);
        if ("syncing".equalsIgnoreCase(c.syncState()) || outcome == FivetranCompletion.Outcome.SUCCEEDED
                || outcome == FivetranCompletion.Outcome.FAILED) {
            LOG.info("{} is syncing after all: following it", subject(ex));
            ex.setProperty(ATTACHED, true);
            ex.setProperty(SyncState.STATUS, "syncing");
            ex.setProperty(RETRIGGER_DUE, false);
            nextPoll(ex);
            ex.setProperty(SyncState.NEXT_POLL_DELAY, 0L);
            return true;
        }
        return false;
    }

    /**
     * After a wait: a webhook's {@code sync_end} completes the sync at once; otherwise the connector just read
     * decides (finished, rescheduled, paused, still running), and the next wait is planned.
     */
    @Override
    public void onStatus(Exchange ex) {
        if (Boolean.TRUE.equals(ex.getProperty(READING_HISTORY, Boolean.class))) {
            ex.removeProperty(READING_HISTORY);
            onHistory(ex);
            return;
        }
        FivetranConnector c = record(ex);
        if (!historyUsable(ex)) {
            decide(ex, c);
            return;
        }
        FivetranCompletion.Outcome outcome = FivetranCompletion.evaluate(baseline(ex), c);
        FivetranSyncHistory.Entry entry = ex.getProperty(HISTORY_ENTRY, FivetranSyncHistory.Entry.class);
        if (outcome == FivetranCompletion.Outcome.SUCCEEDED || outcome == FivetranCompletion.Outcome.FAILED) {
            // the connection shows an end since the baseline: the sync history tells whether it is this sync's
            if (entry != null && entry.ended() && confirmed(entry, c)) {
                conclude(ex, entry);
                return;
            }
            ex.setProperty(SyncState.STATUS, "syncing");
            ex.setProperty(HISTORY_DUE, true);
            pollNow(ex, true); // the history tells whose end it is, also past the deadline
            return;
        }
        decide(ex, c);
        if (ex.getProperty(SYNC_ID) == null && "syncing".equalsIgnoreCase(c.syncState())
                && !Boolean.TRUE.equals(ex.getProperty(SyncState.DONE, Boolean.class))
                && !Boolean.TRUE.equals(ex.getProperty(RETRIGGER_DUE, Boolean.class))) {
            ex.setProperty(HISTORY_DUE, true); // a sync runs: the history names it
            pollNow(ex);
        }
    }

    /**
     * Reads a page of the sync history: the first sync that started after the trigger is this one. When the history
     * shows it ended, that is the outcome, once the connection confirms it (its succeeded_at or failed_at at or
     * after the sync's start); an end otherwise (e.g. stopped by a forced sync) fails it as it is. 403/404: the
     * account has no sync history (remembered a while, logged once); the connection's timestamps decide.
     */
    public void onHistory(Exchange ex) {
        String account = SyncState.text(ex, SyncState.ACCOUNT);
        int status = ex.getProperty(ApiCall.STATUS, 200, Integer.class);
        if (HISTORY_MISSING.contains(status)) {
            if (history.refused(account)) {
                LOG.warn("Fivetran account '{}' answered {} to the sync history ({}): its syncs are judged by the"
                        + " connection's succeeded_at/failed_at; asked again in {}", account, status, subject(ex),
                        Durations.human(history.memory()));
            }
            ex.removeProperty(HISTORY_DUE);
            ex.removeProperty(HISTORY_CURSOR);
            ex.removeProperty(HISTORY_CANDIDATE);
            JsonNode pending = ex.getProperty(PENDING_EVENT, JsonNode.class);
            ex.removeProperty(PENDING_EVENT);
            if (pending != null) {
                endByTimestamps(ex, pending);
                return;
            }
            FivetranConnector c = ex.getProperty(CONNECTOR, FivetranConnector.class);
            if (c != null) {
                decide(ex, c);
            } else {
                nextPoll(ex);
            }
            return;
        }
        FivetranSyncHistory.Page page = FivetranSyncHistory.page(Json.parse(ex.getMessage().getBody(String.class)));
        Instant trigger = ex.getProperty(TRIGGER_SENT, Instant.class);
        FivetranSyncHistory.Entry first = FivetranSyncHistory.firstAfter(trigger,
                ex.getProperty(HISTORY_CANDIDATE, FivetranSyncHistory.Entry.class), page.entries());
        if (page.nextCursor() != null) {
            ex.setProperty(HISTORY_CURSOR, page.nextCursor());
            ex.setProperty(HISTORY_CANDIDATE, first);
            pollNow(ex);
            return;
        }
        ex.removeProperty(HISTORY_CURSOR);
        ex.removeProperty(HISTORY_CANDIDATE);
        if (first != null) {
            if (!first.syncId().equals(ex.getProperty(SYNC_ID))) {
                LOG.info("{}: the {} triggered at {} is Fivetran sync {} (started {})", subject(ex),
                        ex.getProperty(OPERATION), trigger, first.syncId(), first.start());
            }
            ex.setProperty(SYNC_ID, first.syncId());
            ex.setProperty(HISTORY_ENTRY, first);
        }
        JsonNode pending = ex.getProperty(PENDING_EVENT, JsonNode.class);
        if (pending != null) {
            ex.removeProperty(PENDING_EVENT);
            if (first != null && first.syncId().equals(Json.text(pending, "sync_id"))) {
                completeByWebhook(ex, pending);
                return;
            }
            ignoreOtherSync(ex, pending);
        }
        FivetranConnector c = ex.getProperty(CONNECTOR, FivetranConnector.class);
        if (first != null && first.ended()) {
            if (first.outcome() == FivetranSyncHistory.Outcome.ENDED_OTHERWISE || c != null && confirmed(first, c)) {
                conclude(ex, first);
                return;
            }
            ex.removeProperty(HISTORY_DUE); // the connection confirms it: read next
        } else {
            // not started or not ended yet: while the connection shows an end since the baseline (another sync's),
            // it tells nothing more, so the history is read again
            boolean connectionShowsEnd = c != null && isEnd(FivetranCompletion.evaluate(baseline(ex), c));
            ex.setProperty(HISTORY_DUE, connectionShowsEnd);
        }
        ex.setProperty(SyncState.STATUS, first == null ? "syncing" : first.ended() ? "ending" : "syncing");
        nextPoll(ex);
    }

    private static boolean isEnd(FivetranCompletion.Outcome o) {
        return o == FivetranCompletion.Outcome.SUCCEEDED || o == FivetranCompletion.Outcome.FAILED;
    }

    /** The connection shows the record's end: its succeeded_at (or failed_at) at or after the sync's start. */
    static boolean confirmed(FivetranSyncHistory.Entry entry, FivetranConnector c) {
        Instant at = switch (entry.outcome()) {
            case SUCCEEDED -> c.succeededAt();
            case FAILED -> c.failedAt();
            default -> null;
        };
        return at != null && !at.isBefore(entry.start());
    }

    /** The sync history's record ended the sync. */
    private void conclude(Exchange ex, FivetranSyncHistory.Entry entry) {
        ex.removeProperty(HISTORY_DUE);
        ex.setProperty(SyncState.STATUS, entry.outcome() == FivetranSyncHistory.Outcome.SUCCEEDED ? "succeeded"
                : "failed");
        ex.setProperty(COMPLETED_BY, "poll");
        SyncState.afterStatus(ex, clock, true);
        LOG.info("Fivetran {} of {}: {} (sync {} {}{}) after {}", ex.getProperty(OPERATION), subject(ex),
                ex.getProperty(SyncState.STATUS), entry.syncId(), entry.status(),
                entry.reason() == null ? "" : ": " + entry.reason(), Durations.human(SyncState.elapsed(ex, clock)));
    }

    /** A poll right away (still within the account's request budget). */
    private void pollNow(Exchange ex) {
        pollNow(ex, false);
    }

    /**
     * A poll right away; with {@code pastDeadline} also when the wait's deadline has passed: the sync-history read
     * that tells whose end the connection just showed. The end was seen within the wait; the timeout decides only
     * while no end was seen (else a busy runner or a slow answer would report a sync that ended as timed out). The
     * history's answer decides then as at any other time; a wait for more (a sync not ended yet) times out.
     */
    private void pollNow(Exchange ex, boolean pastDeadline) {
        if (Boolean.TRUE.equals(ex.getProperty(SyncState.DONE, Boolean.class))) {
            return;
        }
        SyncState.afterStatus(ex, clock, false);
        if (Boolean.TRUE.equals(ex.getProperty(SyncState.TIMED_OUT, Boolean.class))) {
            if (!pastDeadline) {
                return;
            }
            ex.removeProperty(SyncState.TIMED_OUT);
        }
        long now = clock.millis();
        long allowed = plan(ex, now);
        long deadline = ex.getProperty(SyncState.DEADLINE, Long.class);
        ex.setProperty(SyncState.NEXT_POLL_DELAY, Math.max(0, Math.min(allowed, deadline) - now));
    }

    /** Reserves the next poll's slot at {@code wantedAt} (giving back the one planned before); when it may be sent. */
    private static long plan(Exchange ex, long wantedAt) {
        RequestBudget budget = ex.getProperty(BUDGET, RequestBudget.class);
        if (budget == null) {
            return wantedAt;
        }
        long slot = budget.replace(ex.getProperty(BUDGET_SLOT, Long.class), wantedAt);
        ex.setProperty(BUDGET_SLOT, slot);
        return slot;
    }

    /**
     * A {@code sync_end} webhook of the connector: with a {@code sync_id}, it ends the wait only when it is this
     * sync's (known from the sync history, which is read first when it is not known yet); without one (or without
     * the sync history), when it was created after the baseline.
     */
    public void onWebhook(Exchange ex) {
        JsonNode event = ex.getProperty(SyncWaiter.SIGNAL, JsonNode.class);
        String eventSyncId = Json.text(event, "sync_id");
        String ours = ex.getProperty(SYNC_ID, String.class);
        if (eventSyncId != null && !eventSyncId.isBlank() && (ours != null || historyUsable(ex))) {
            ex.setProperty(SyncWaiter.SIGNALS_SINCE, SyncWaiter.signalMark());
            if (eventSyncId.equals(ours)) {
                completeByWebhook(ex, event);
            } else if (ours != null) {
                ignoreOtherSync(ex, event);
                nextPoll(ex);
            } else {
                ex.setProperty(PENDING_EVENT, event);
                ex.setProperty(HISTORY_DUE, true);
                pollNow(ex);
            }
            return;
        }
        endByTimestamps(ex, event);
    }

    private void ignoreOtherSync(Exchange ex, JsonNode event) {
        String ours = ex.getProperty(SYNC_ID, String.class);
        LOG.info("{}: ignored a sync_end webhook of sync {}, {}", subject(ex),
                Json.abbreviate(Json.text(event, "sync_id"), 80), ours == null
                        ? "while no sync has started since the trigger" : "not this " + ex.getProperty(OPERATION)
                        + "'s sync " + ours);
    }

    /** Today's rule for a webhook that cannot be matched by sync_id: it ends the wait if created after the baseline. */
    private void endByTimestamps(Exchange ex, JsonNode event) {
        Instant created = createdOf(event);
        Instant baseline = baseline(ex);
        if (created != null && baseline != null && !created.isAfter(baseline)) {
            // the end of an earlier sync (a repeated or late delivery): not this one's; keep waiting
            LOG.info("{}: ignored a sync_end webhook created {}, not after the completion {} that preceded this {}",
                    subject(ex), created, baseline, ex.getProperty(OPERATION));
            ex.setProperty(SyncWaiter.SIGNALS_SINCE, SyncWaiter.signalMark());
            nextPoll(ex);
            return;
        }
        completeByWebhook(ex, event);
    }

    private void completeByWebhook(Exchange ex, JsonNode event) {
        ex.removeProperty(HISTORY_DUE);
        ex.setProperty(EVENT, event);
        String eventSyncId = Json.text(event, "sync_id");
        if (ex.getProperty(SYNC_ID) == null && eventSyncId != null && !eventSyncId.isBlank()) {
            ex.setProperty(SYNC_ID, eventSyncId);
        }
        String status = Json.text(event.path("data"), "status");
        boolean ok = status != null && status.toUpperCase(Locale.ROOT).startsWith("SUCCESS");
        ex.setProperty(SyncState.STATUS, ok ? "succeeded" : "failed");
        ex.setProperty(COMPLETED_BY, "webhook");
        LOG.info("Fivetran {} of {}: {} (sync_end webhook, status {}) after {}", ex.getProperty(OPERATION), subject(ex),
                ex.getProperty(SyncState.STATUS), status, Durations.human(SyncState.elapsed(ex, clock)));
        SyncState.afterStatus(ex, clock, true);
    }

    /**
     * The sync's run asked it to stop (another branch of its workflow failed). Fivetran has no endpoint to cancel a
     * sync: the wait ends here and the sync may go on in Fivetran; {@link #finish} says so.
     */
    @Override
    public void onStopRequested(Exchange ex) {
        LOG.warn("Fivetran {} of {}: no longer waited for because {}; Fivetran has no endpoint to cancel a sync, so it"
                + " may still be running", ex.getProperty(OPERATION), subject(ex),
                ex.getProperty(SyncWaiter.STOP_REQUESTED));
    }

    private void decide(Exchange ex, FivetranConnector c) {
        FivetranCompletion.Outcome outcome = FivetranCompletion.evaluate(baseline(ex), c);
        switch (outcome) {
            case SUCCEEDED, FAILED -> {
                ex.setProperty(SyncState.STATUS, outcome == FivetranCompletion.Outcome.SUCCEEDED ? "succeeded" : "failed");
                ex.setProperty(COMPLETED_BY, "poll");
                SyncState.afterStatus(ex, clock, true);
            }
            case PAUSED -> throw new SyncFailedException(subject(ex) + " was paused while its sync was awaited;"
                    + " it will not run until resumed", result(ex));
            case RESCHEDULED -> rescheduled(ex, c);
            default -> {
                ex.setProperty(SyncState.STATUS, c.syncState() == null ? "syncing" : c.syncState());
                nextPoll(ex);
            }
        }
        LOG.info("Fivetran {} of {}: {} after {}", ex.getProperty(OPERATION), subject(ex),
                ex.getProperty(SyncState.STATUS), Durations.human(SyncState.elapsed(ex, clock)));
    }

    private void rescheduled(Exchange ex, FivetranConnector c) {
        ex.setProperty(SyncState.STATUS, "rescheduled");
        String policy = ex.getProperty(ON_RESCHEDULED, String.class);
        String when = c.rescheduledFor() == null ? "later" : c.rescheduledFor().toString();
        if ("fail".equals(policy)) {
            throw new SyncFailedException(subject(ex) + " was rescheduled by Fivetran for " + when
                    + " (waiting for source API quota) and rescheduled=fail", result(ex));
        }
        nextPoll(ex);
        if (!"retrigger".equals(policy) || !c.isManualSchedule()) {
            if (ex.getProperty(RESCHEDULE_LOGGED) == null) {
                ex.setProperty(RESCHEDULE_LOGGED, true);
                LOG.warn("{} was rescheduled for {}{}", subject(ex), when, c.isManualSchedule()
                        ? "; with a manual schedule Fivetran will not resume it by itself (rescheduled=wait)"
                        : "; Fivetran resumes it then by itself");
            }
            return;
        }
        if (Boolean.TRUE.equals(ex.getProperty(SyncState.TIMED_OUT, Boolean.class))) {
            return;
        }
        Instant now = clock.instant();
        Instant at = c.rescheduledFor() == null ? now : c.rescheduledFor();
        long deadline = ex.getProperty(SyncState.DEADLINE, Long.class);
        if (!at.isAfter(Instant.ofEpochMilli(deadline))) {
            ex.setProperty(SyncState.NEXT_POLL_DELAY, millisUntil(now, at));
            ex.setProperty(RETRIGGER_DUE, true);
            ex.setProperty(SyncWaiter.WAKE_KEY, null);
            LOG.info("{} was rescheduled for {}; with a manual schedule it must be triggered again then:"
                    + " re-triggering at that time", subject(ex), when);
        } else {
            ex.setProperty(SyncState.NEXT_POLL_DELAY, millisUntil(now, Instant.ofEpochMilli(deadline)));
        }
    }

    /** Whole milliseconds from now until {@code at}, rounded up (never before it), 0 when it has passed. */
    static long millisUntil(Instant now, Instant at) {
        Duration d = Duration.between(now, at);
        if (d.isNegative()) {
            return 0;
        }
        long millis = d.toMillis();
        return d.equals(Duration.ofMillis(millis)) ? millis : millis + 1;
    }

    /** Before the re-trigger of a rescheduled manual sync. */
    @Override
    public void onRetrigger(Exchange ex) {
        LOG.info("Re-triggering the rescheduled {} of {}", ex.getProperty(OPERATION), subject(ex));
        ex.setProperty(SyncWaiter.WAKE_KEY, webhooksEnabled ? wakeKey(ex.getProperty(CONNECTOR_ID, String.class)) : null);
    }

    /**
     * Leaves the result JSON as the body; a failed or timed-out sync throws a {@link SyncFailedException} that
     * carries the same JSON.
     */
    @Override
    public void finish(Exchange ex) {
        String json = result(ex);
        ex.getMessage().getHeaders().clear();
        ex.getMessage().setBody(json);
        if (!SyncState.bool(ex, SyncState.WAITING, true) || Boolean.TRUE.equals(ex.getProperty(SKIPPED))) {
            return;
        }
        String stop = ex.getProperty(SyncWaiter.STOP_REQUESTED, String.class);
        if (stop != null && !Boolean.TRUE.equals(ex.getProperty(SyncState.DONE, Boolean.class))) {
            throw new SyncStoppedException("Stopped waiting for the Fivetran " + ex.getProperty(OPERATION) + " of "
                    + subject(ex) + " (last state " + ex.getProperty(SyncState.STATUS) + ") because " + stop
                    + "; Fivetran has no endpoint to cancel a sync, so it may still be running", stop, json);
        }
        if (Boolean.TRUE.equals(ex.getProperty(SyncState.TIMED_OUT, Boolean.class))) {
            throw new SyncTimeoutException("Fivetran " + ex.getProperty(OPERATION) + " of " + subject(ex)
                    + " did not finish within " + SyncState.text(ex, SyncState.TIMEOUT) + " (last state "
                    + ex.getProperty(SyncState.STATUS) + "); Fivetran has no endpoint to cancel a sync, so it may"
                    + " still be running", json);
        }
        if ("failed".equals(ex.getProperty(SyncState.STATUS))) {
            throw new SyncFailedException("Fivetran " + ex.getProperty(OPERATION) + " of " + subject(ex) + " failed",
                    json);
        }
        LOG.info("Fivetran {} of {} succeeded in {}", ex.getProperty(OPERATION), subject(ex),
                Durations.human(SyncState.elapsed(ex, clock)));
    }

    private String result(Exchange ex) {
        FivetranConnector c = ex.getProperty(CONNECTOR, FivetranConnector.class);
        JsonNode event = ex.getProperty(EVENT, JsonNode.class);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("provider", "fivetran");
        r.put("account", SyncState.text(ex, SyncState.ACCOUNT));
        r.put("connectorId", ex.getProperty(CONNECTOR_ID, String.class));
        r.put("operation", ex.getProperty(OPERATION, String.class));
        r.put("status", ex.getProperty(SyncState.STATUS, String.class));
        r.put("succeededAt", c == null || c.succeededAt() == null ? null : c.succeededAt().toString());
        r.put("failedAt", c == null || c.failedAt() == null ? null : c.failedAt().toString());
        r.put("duration", SyncState.elapsed(ex, clock).withNanos(0).toString());
        r.put("triggers", ex.getProperty(TRIGGERS, 0, Integer.class));
        r.put("attached", Boolean.TRUE.equals(ex.getProperty(ATTACHED, Boolean.class)));
        r.put("completedBy", ex.getProperty(COMPLETED_BY, String.class));
        String syncId = ex.getProperty(SYNC_ID, String.class);
        r.put("syncId", syncId != null ? syncId : event == null ? null : Json.text(event, "sync_id"));
        FivetranSyncHistory.Entry entry = ex.getProperty(HISTORY_ENTRY, FivetranSyncHistory.Entry.class);
        if (entry != null && entry.syncId().equals(syncId)) {
            r.put("syncStartedAt", entry.start().toString());
            r.put("syncEndedAt", entry.end() == null ? null : entry.end().toString());
            if (entry.reason() != null) {
                r.put("syncReason", entry.reason());
            }
        }
        r.put("timedOut", Boolean.TRUE.equals(ex.getProperty(SyncState.TIMED_OUT, Boolean.class)));
        String stop = ex.getProperty(SyncWaiter.STOP_REQUESTED, String.class);
        if (stop != null) {
            r.put("stoppedBecause", stop);
            r.put("cancelRequested", false);
            r.put("note", "Fivetran has no endpoint to cancel a sync: the runner stopped waiting; it may still run");
        }
        return Json.write(r);
    }

    private FivetranConnector record(Exchange ex) {
        FivetranConnector c = FivetranConnector.of(Json.parse(ex.getMessage().getBody(String.class)));
        ex.setProperty(CONNECTOR, c);
        return c;
    }

    /** Plans the next wait: the poll interval (shortened at the deadline), later if the account's budget is spent. */
    private void nextPoll(Exchange ex) {
        SyncState.afterStatus(ex, clock, false);
        Long delay = ex.getProperty(SyncState.NEXT_POLL_DELAY, Long.class);
        if (delay != null && ex.getProperty(BUDGET) != null && !Boolean.TRUE.equals(ex.getProperty(SyncState.TIMED_OUT))) {
            long now = clock.millis();
            long allowed = plan(ex, now + delay);
            long deadline = ex.getProperty(SyncState.DEADLINE, Long.class);
            ex.setProperty(SyncState.NEXT_POLL_DELAY, Math.max(0, Math.min(allowed, deadline) - now));
        }
    }

    /**
     * Every request counts against the budget when it is sent (now, whatever the budget says); a poll sent now uses
     * the slot planned for it, which is given back.
     */
    private void spend(Exchange ex) {
        RequestBudget budget = ex.getProperty(BUDGET, RequestBudget.class);
        if (budget != null) {
            budget.replace(ex.getProperty(BUDGET_SLOT, Long.class), clock.millis());
            ex.removeProperty(BUDGET_SLOT);
        }
    }

    private void patch(Exchange ex, String field, Object value, String action) {
        spend(ex);
        ObjectNode body = Json.object();
        body.set(field, Json.MAPPER.valueToTree(value));
        ApiCall.describe(ex, "PATCH", "/v1/connections/" + ex.getProperty(CONNECTOR_ID), null, Json.write(body), action);
    }

    /** The event's {@code created} time, null when it has none or it is not an ISO-8601 instant. */
    private static Instant createdOf(JsonNode event) {
        String created = Json.text(event, "created");
        try {
            return created == null ? null : Instant.parse(created);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }



    /** "public.orders, public.customers" → {"public":["orders","customers"]}; empty → null (everything). */
    static JsonNode scope(String tables) {
        if (tables == null || tables.isBlank()) {
            return null;
        }
        ObjectNode scope = Json.object();
        for (String t : tables.split(",")) {
            String table = t.trim();
            if (!TABLE.matcher(table).matches()) {
                throw new IllegalArgumentException("tables: '" + table + "' is not schema.table;"
                        + " write e.g. tables=public.orders,public.customers");
            }
            int dot = table.indexOf('.');
            ArrayNode list = scope.has(table.substring(0, dot)) ? (ArrayNode) scope.get(table.substring(0, dot))
                    : scope.putArray(table.substring(0, dot));
            list.add(table.substring(dot + 1));
        }
        return scope;
    }

    private static String subject(Exchange ex) {
        return "Fivetran connector " + ex.getProperty(CONNECTOR_ID) + " (account '" + SyncState.text(ex, SyncState.ACCOUNT)
                + "')";
    }

}
