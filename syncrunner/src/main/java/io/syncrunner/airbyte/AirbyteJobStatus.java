package io.syncrunner.airbyte;

import java.util.Locale;
import java.util.Set;

/**
 * What an Airbyte job status means for a waiting sync. Only {@code succeeded}, {@code failed} and
 * {@code cancelled} are terminal; {@code pending}, {@code queued}, {@code running} and {@code incomplete}
 * (an attempt failed and another follows) are not, and neither is any status this version does not know:
 * Airbyte added {@code queued} in 2026 and may add more, so an unknown status means "keep waiting".
 */
public enum AirbyteJobStatus {
    SUCCEEDED, FAILED, CANCELLED, IN_PROGRESS, UNKNOWN;

    private static final Set<String> IN_PROGRESS_STATUSES = Set.of("pending", "queued", "running", "incomplete");

    public static AirbyteJobStatus of(String status) {
        if (status == null) {
            return UNKNOWN;
        }
        String s = status.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "succeeded" -> SUCCEEDED;
            case "failed" -> FAILED;
            case "cancelled" -> CANCELLED;
            default -> IN_PROGRESS_STATUSES.contains(s) ? IN_PROGRESS : UNKNOWN;
        };
    }

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
