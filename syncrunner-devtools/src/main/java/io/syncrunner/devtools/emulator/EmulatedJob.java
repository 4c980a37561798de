package io.syncrunner.devtools.emulator;

import java.time.Duration;
import java.time.Instant;

/** Internal state of one job; its status is computed lazily from the creation time and the script. */
final class EmulatedJob {

    final long id;
    final String connectionId;
    final String jobType;
    final Instant createdAt;
    final JobScript script;
    final long rows;
    final long bytes;
    private final Instant naturalEnd;
    private volatile Instant cancelRequestedAt;
    private volatile Instant cancelEffectiveAt;

    EmulatedJob(long id, String connectionId, String jobType, Instant createdAt, JobScript script, long rows, long bytes) {
        this.id = id;
        this.connectionId = connectionId;
        this.jobType = jobType;
        this.createdAt = createdAt;
        this.script = script;
        this.rows = rows;
        this.bytes = bytes;
        this.naturalEnd = createdAt.plus(script.totalDuration());
    }

    /** The cancel instant if it takes effect before the script ends, else null. */
    private Instant effectiveCancel() {
        Instant c = cancelEffectiveAt;
        return c != null && c.isBefore(naturalEnd) ? c : null;
    }

    String statusAt(Instant now) {
        Instant c = effectiveCancel();
        if (c != null && !now.isBefore(c)) {
            return "cancelled";
        }
        Duration elapsed = now.isBefore(createdAt) ? Duration.ZERO : Duration.between(createdAt, now);
        return script.statusAt(elapsed);
    }

    boolean isTerminalAt(Instant now) {
        return !now.isBefore(terminalAt());
    }

    /** When the job reaches its terminal status (may be in the future). */
    Instant terminalAt() {
        Instant c = effectiveCancel();
        return c != null ? c : naturalEnd;
    }

    /** Time of the last status change at or before now. */
    Instant lastUpdatedAt(Instant now) {
        Instant c = effectiveCancel();
        if (c != null && !now.isBefore(c)) {
            return c;
        }
        Duration elapsed = now.isBefore(createdAt) ? Duration.ZERO : Duration.between(createdAt, now);
        return createdAt.plus(script.lastChangeAt(elapsed));
    }

    boolean cancelRequested() {
        return cancelRequestedAt != null;
    }

    /**
     * Requests cancellation at {@code now}; returns false if the job is already terminal. A repeated request keeps
     * the first cancel time.
     */
    synchronized boolean requestCancel(Instant now, Duration delay) {
        if (isTerminalAt(now)) {
            return false;
        }
        if (cancelRequestedAt == null) {
            cancelRequestedAt = now;
            cancelEffectiveAt = now.plus(delay);
        }
        return true;
    }

    JobSnapshot snapshot(Instant now) {
        String status = statusAt(now);
        boolean succeeded = "succeeded".equals(status);
        return new JobSnapshot(id, connectionId, jobType, status, createdAt, terminalAt(), isTerminalAt(now),
                cancelRequested(), succeeded ? rows : 0, succeeded ? bytes : 0, script.toString());
    }
}
