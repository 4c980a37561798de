package io.syncrunner.fivetran;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Fivetran's webhook signature: header {@code X-Fivetran-Signature-256} is the hex HMAC-SHA256 of the raw
 * request body keyed with the webhook secret. Fivetran's letter case is not documented, so hex is compared
 * case-insensitively, in constant time, over the body bytes exactly as received.
 */
public final class WebhookSignature {
    public static final String HEADER = "X-Fivetran-Signature-256";

    private WebhookSignature() {
    }

    public static String sign(byte[] body, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    public static boolean verify(byte[] body, String signature, String secret) {
        if (signature == null || secret == null || secret.isEmpty() || body == null) {
            return false;
        }
        byte[] expected = sign(body, secret).getBytes(StandardCharsets.US_ASCII);
        byte[] actual = signature.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, actual);
    }
}
