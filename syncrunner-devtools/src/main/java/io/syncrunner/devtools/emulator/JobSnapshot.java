package io.syncrunner.devtools.emulator;

import java.time.Instant;
import java.util.Optional;

/**
 * A point-in-time view of one emulated job.
 *
 * @param jobId             job id (increasing from 1)
 * @param connectionId      connection the job belongs to
 * @param jobType           sync, reset or clear
 * @param status            status at the time of the snapshot
 * @param createdAt         creation time (what the API reports as startTime)
 * @param scheduledFinishAt when the job reaches (or reached) its terminal status, per script and cancellation
 * @param terminal          whether the status is terminal at the time of the snapshot
 * @param cancelRequested   whether a DELETE /jobs/{id} was accepted for this job
 * @param rowsSynced        rows reported (0 unless succeeded)
 * @param bytesSynced       bytes reported (0 unless succeeded)
 * @param script            the script the job follows
 */
public record JobSnapshot(long jobId, String connectionId, String jobType, String status, Instant createdAt,
                          Instant scheduledFinishAt, boolean terminal, boolean cancelRequested, long rowsSynced,
                          long bytesSynced, String script) {

    /** The instant the job reached its terminal status, or empty while it is still running. */
    public Optional<Instant> finishedAt() {
        return terminal ? Optional.of(scheduledFinishAt) : Optional.empty();
    }
}
