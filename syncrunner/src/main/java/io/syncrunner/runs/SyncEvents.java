package io.syncrunner.runs;

import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;

/**
 * Told when a sync step of a run begins and ends (called by the sync flow's journal steps, io.syncrunner.sync
 * .SyncSteps). Provider-neutral: what a provider knows more is in the result JSON. Not told for a step replayed from
 * the journal (it had ended before a restart), nor when the runner's shutdown cuts a step off or another runner took
 * the run over (the step is carried on there, and told again: a listener sees {@link #started} once more with the
 * same run id and step key).
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
        public void ended(Step step, Outcome outcome, String result, String error) {
        }
    };

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

    void started(Step step);

    /**
     * @param result the result JSON (null when the failure carries none)
     * @param error  the failure's message (null when it succeeded)
     */
    void ended(Step step, Outcome outcome, String result, String error);

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
            public void ended(Step step, Outcome outcome, String result, String error) {
                for (SyncEvents l : copy) {
                    try {
                        l.ended(step, outcome, result, error);
                    } catch (RuntimeException e) {
                        LoggerFactory.getLogger(SyncEvents.class).warn("A sync events listener failed on the end of"
                                + " step {}: {}", step.stepKey(), e.toString());
                    }
                }
            }
        };
    }
}
