package io.syncrunner.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A shared secret carried in a request's path (a webhook URL such as {@code /webhooks/<provider>/<secret>}), for
 * senders that cannot sign their requests. Compared in constant time (digests of both sides, so neither the
 * content nor the length of the expected secret shows in the time taken). The secret is never part of a message.
 */
public final class PathSecret {
    private PathSecret() {
    }

    /** Whether {@code given} is the non-empty {@code expected} secret. */
    public static boolean matches(String given, String expected) {
        if (expected == null || expected.isEmpty()) {
            return false;
        }
        byte[] a = digest(given == null ? "" : given);
        byte[] b = digest(expected);
        return MessageDigest.isEqual(a, b) && given != null;
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
