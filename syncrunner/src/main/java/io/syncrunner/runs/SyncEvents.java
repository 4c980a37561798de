package io.syncrunner.runs;

import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Told when a sync step of a run begins and ends (called by the sync flow's journal steps, io.syncrunner.sync
 * .SyncSteps). Provider-neutral: what a provider knows more is in the result JSON. Not told for a step replayed from
 * the journal (it had ended before a restart), nor when the runner's shutdown cuts a step off or another runner took
 * the run over (the step is carried on there, and told again: a listener sees {@link #started} once more with the
 * same run id and step key).
 *
 * <p>Listeners: OpenLineage run events (io.syncrunner.lineage) and alerts on failed syncs (io.syncrunner.alerts). The
 * step's {@link Ended} is also left on the exchange ({@value #ENDED}) for a route's own alert (the notify-on-failure
 * template).
 *
 * <p>Listeners are called on the sync's thread: they must return at once (hand work to a thread of their own) and
 * should not throw (a listener that throws is logged and the sync goes on).
 */
public interface SyncEvents {
    /** Nobody listens. */
    SyncEvents NONE = new SyncEvents() {
        @Override
        public void started(Step step) {
        }

        @Override
        public void ended(Ended end) {
        }
    };

    /** Exchange property: the {@link Ended} of the last sync step that ended on this exchange. */
    String ENDED = "syncEnded";
    /** Exchange property a route may set: the provider's web page of the synced target (shown in alerts). */
    String UI_URL = "syncUiUrl";

    /**
     * One sync step.
     *
     * @param runId     the journal's run id (a UUID)
     * @param stepKey   the journal's step key (provider/account/target/operation)
     * @param provider  the provider's id
     * @param account   the account's name
     * @param target    what is synced (the provider's connection or connector id)
     * @param workflow  the workflow the run belongs to, or null for a run of its own (a sync request, a template)
     * @param startedAt when the step started (its first start, for a step carried on after a restart)
     */
    record Step(String runId, String stepKey, String provider, String account, String target, String workflow,
            Instant startedAt) {
    }

    /** How a step ended. */
    enum Outcome {
        /** The sync succeeded. */
        SUCCEEDED,
        /** Triggered and not waited for ({@code wait=false}). */
        TRIGGERED,
        /** Passed over before its trigger (e.g. a paused connector left paused). */
        SKIPPED,
        /** The sync, its trigger or the flow failed. */
        FAILED,
        /** The wait reached its timeout (the result says whether the sync was cancelled). */
        TIMED_OUT,
        /** The sync was cancelled (the provider reports it so). */
        CANCELLED,
        /** The run asked it to stop (e.g. another branch of its workflow failed). */
        STOPPED
    }

    /**
     * How one sync step ended.
     *
     * @param result the result JSON (null when the failure carries none)
     * @param error  the failure's message (null when it succeeded)
     * @param syncId the provider's id of the sync (an Airbyte job id, a Fivetran sync id), null when it has none
     * @param uiUrl  the provider's page of the target when known (exchange property {@value #UI_URL}), else null
     * @param at     when it ended
     */
    record Ended(Step step, Outcome outcome, String result, String error, String syncId, String uiUrl, Instant at) {
        /** Failed, timed out, cancelled or stopped: what a person is alerted to. */
        public boolean failed() {
            return outcome != Outcome.SUCCEEDED && outcome != Outcome.TRIGGERED && outcome != Outcome.SKIPPED;
        }

        /** The result's status ({@code succeeded}, {@code failed}, {@code cancelled}...), else the outcome's word. */
        public String status() {
            String status = result == null ? null : io.syncrunner.support.Json.text(
                    io.syncrunner.support.Json.parseLenient(result), "status");
            return status != null && !(failed() && "succeeded".equals(status)) ? status
                    : outcome.name().toLowerCase(Locale.ROOT);
        }

        /** From the step's (first) start to its end. */
        public Duration duration() {
            return step.startedAt() == null || at == null || at.isBefore(step.startedAt()) ? Duration.ZERO
                    : Duration.between(step.startedAt(), at);
        }
    }

    void started(Step step);

    void ended(Ended end);

    /** Every listener of the list, in order; one that throws does not keep the others from hearing. */
    static SyncEvents all(List<SyncEvents> listeners) {
        List<SyncEvents> copy = listeners.stream().filter(l -> l != NONE).toList();
        if (copy.isEmpty()) {
            return NONE;
        }
        return new SyncEvents() {
            @Override
            public void started(Step step) {
                for (SyncEvents l : copy) {
                    try {
                        l.started(step);
                    } catch (RuntimeException e) {
                        LoggerFactory.getLogger(SyncEvents.class).warn("A sync events listener failed on the start of"
                                + " step {}: {}", step.stepKey(), e.toString());
                    }
                }
            }

            @Override
            public void ended(Ended end) {
                for (SyncEvents l : copy) {
                    try {
                        l.ended(end);
                    } catch (RuntimeException e) {
                        LoggerFactory.getLogger(SyncEvents.class).warn("A sync events listener failed on the end of"
                                + " step {}: {}", end.step().stepKey(), e.toString());
                    }
                }
            }
        };
    }
}
