package io.syncrunner.auth;

import io.syncrunner.support.Credential;

import java.time.Duration;
import java.time.Instant;

/** A bearer token and when it stops being valid. toString never shows the token. */
public record AccessToken(String value, Instant issuedAt, Instant expiresAt) {

    /** Usable at {@code now} if it stays valid for the refresh margin: min(maxMargin, a fifth of its lifetime). */
    public boolean usableAt(Instant now, Duration maxMargin) {
        Duration lifetime = Duration.between(issuedAt, expiresAt);
        Duration margin = lifetime.dividedBy(5);
        if (margin.compareTo(maxMargin) > 0) {
            margin = maxMargin;
        }
        return now.plus(margin).isBefore(expiresAt);
    }

    public Credential credential() {
        return new Credential("Bearer " + value);
    }

    @Override
    public String toString() {
        return "AccessToken[expiresAt=" + expiresAt + "]";
    }
}
