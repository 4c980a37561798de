package io.syncrunner.auth;

import java.time.Duration;

/**
 * What a provider tells the generic checks about its accounts: the property that defines one, where an
 * unauthenticated reachability probe goes, and one authenticated cheap read that proves the settings and the
 * credentials work (the {@code check} command; the readiness checks with {@code syncrunner.health.authenticated}).
 */
public interface AccountProbe {

    /** The outcome of a check; {@code detail} names the fix when it failed, and never shows a secret. */
    record Result(boolean ok, String detail) {
        public static Result ok(String detail) {
            return new Result(true, detail);
        }

        public static Result failed(String detail) {
            return new Result(false, detail);
        }
    }

    /** The provider's name in messages ("Airbyte"); lower-cased in check ids and account qualifiers. */
    String provider();

    /** The property whose presence defines an account, with %s for its name ({@code "airbyte.%s.base-url"}). */
    String definingKeyFormat();

    /** Resolves every setting of the account, secrets included; an IllegalArgumentException names what is wrong. */
    void checkSettings(String account);

    /** The URL an unauthenticated reachability probe GETs (any HTTP answer means reachable). */
    String reachabilityUrl(String account);

    /** One authenticated read (a token first, where the account uses them); never throws. */
    Result check(String account, Duration timeout);

    /** The lower-case id used in check ids and qualified account names ({@code airbyte:prod}). */
    default String id() {
        return provider().toLowerCase(java.util.Locale.ROOT);
    }
}
