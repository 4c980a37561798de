package io.syncrunner.sync;

import io.syncrunner.journal.RunJournal;
import io.syncrunner.runs.SyncRequestKind;
import org.apache.camel.Exchange;

import java.time.Instant;

/**
 * One provider's part of the one sync flow (routes/sync-flow.yaml, bean {@code syncFlow}): what its API's requests
 * and answers mean. The flow owns the order, the journal, the waiting, the retries and the trigger rule (never
 * blindly re-sent); a provider only describes requests ({@link io.syncrunner.support.ApiCall#describe}) and reads
 * answers (the message body). Methods that describe a request are followed by that request (on an exchange of its
 * own), then by the method that reads its answer. Per-sync state lives in exchange properties.
 */
public interface SyncProvider {
    /** Exchange property: the sync attached to one already running instead of starting its own. */
    String ATTACHED = "syncAttached";
    /** Exchange property: the sync was passed over before its trigger (nothing to wait for). */
    String SKIPPED = "syncSkipped";
    /** Exchange property: the provider wants its trigger sent again now (in the wait). */
    String RETRIGGER_DUE = "syncRetriggerDue";
    /**
     * Exchange property: set by {@link #onSignal} when the signal's word is not taken alone; the flow then reads the
     * sync's status once at once ({@link #statusRequest}, {@link #onStatus}), and that read decides.
     */
    String STATUS_READ_NEEDED = "syncStatusReadNeeded";

    /** The inputs of a request (the provider's id is {@code kind().provider()}). */
    SyncRequestKind kind();

    /** The provider's name in messages ("Airbyte"). */
    String displayName();

    /** Checks the inputs (exchange properties) and the account, and sets what the flow needs (no request yet). */
    void begin(Exchange ex);

    /** The journal step of this sync: provider/account/target/operation. */
    String stepKey(Exchange ex);

    /** What the trigger does, for messages ("a sync of connection ..."). */
    String triggerSubject(Exchange ex);

    // ---- carried on from the journal

    /** Whether a step recorded as triggered can be followed without looking (it names the sync it follows). */
    boolean canAttach(RunJournal.Step step);

    /** Restores what the journal recorded of the step ({@code attach}: following it; else it may have been sent). */
    void restore(Exchange ex, RunJournal.Step step, boolean attach);

    /** Carrying on a sync the journal says was started: the wait follows it. */
    void onAttach(Exchange ex);

    /** The id the provider gave the running sync, journaled with it (null when it has none). */
    String syncId(Exchange ex);

    /** What the journal keeps to judge the sync's end after a restart (null when nothing). */
    Instant baseline(Exchange ex);

    // ---- before the trigger

    /** Describes the first request made before a trigger, or returns false when none is needed. */
    boolean prepare(Exchange ex);

    /**
     * Reads the answer of the request {@link #prepare} (or this method) described; describes the next one, or
     * returns false. May set {@value #SKIPPED}.
     */
    boolean onPrepared(Exchange ex);

    // ---- the trigger (routes/sync-flow.yaml, sync-trigger-once)

    /** Describes the trigger request. */
    void triggerRequest(Exchange ex);

    /** Reads the trigger's answer: the sync runs. */
    void onTriggered(Exchange ex);

    /** The trigger answered 409: describes a lookup to follow, returns false when none is needed (or throws). */
    boolean onTriggerConflict(Exchange ex);

    /**
     * The trigger's outcome is unknown (it is not re-sent): describes the lookup that shows whether it started a
     * sync.
     */
    void onTriggerOutcomeUnknown(Exchange ex);

    /**
     * Reads the lookup's answer (after a conflict or an unknown outcome): follows the sync it shows, or sets
     * {@link io.syncrunner.support.Triggers#NOTHING_STARTED}.
     */
    void onLookup(Exchange ex);

    /** Carrying on a step whose trigger may have been sent: describes the request that shows what it started. */
    void recoverRequest(Exchange ex);

    /** Reads the answer of {@link #recoverRequest}: true when a sync runs (followed now), false to trigger. */
    boolean onRecovered(Exchange ex);

    // ---- the wait

    /** Describes the status request. */
    void statusRequest(Exchange ex);

    /** Reads the status answer: done ({@code syncDone}), timed out, or when to poll next. */
    void onStatus(Exchange ex);

    /**
     * The provider told the runner (a webhook) the sync ended; its payload is {@code syncSignal}. May set
     * {@link #STATUS_READ_NEEDED} to have the status read once to confirm it.
     */
    void onSignal(Exchange ex);

    /** The sync's run asked it to stop (the wait ends; {@link #canCancel} decides whether it is cancelled). */
    void onStopRequested(Exchange ex);

    /** Before a re-trigger the provider asked for ({@value #RETRIGGER_DUE}). */
    void onRetrigger(Exchange ex);

    // ---- cancel and finish

    /** Whether the provider can cancel a sync at all. */
    boolean canCancel();

    /** Whether a timed-out wait cancels the sync. */
    boolean cancelOnTimeout(Exchange ex);

    /** Describes the cancel request. */
    void cancelRequest(Exchange ex);

    /** Reads the cancel's answer. */
    void onCancelled(Exchange ex);

    /** The cancel answered 409: the sync had ended first (its status is read once more). */
    void onCancelTooLate(Exchange ex);

    /** Leaves the result JSON as the body, or throws the failure (which carries it). */
    void finish(Exchange ex);
}
