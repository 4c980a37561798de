package io.syncrunner.runs;

import io.syncrunner.support.SyncFailedException;

/**
 * A branch of a workflow run failed. The message names the failed branch and the branches stopped because of it;
 * {@link #result()} lists every branch's outcome.
 */
public class WorkflowFailedException extends SyncFailedException {
    public WorkflowFailedException(String message, String result) {
        super(message, result);
    }
}
