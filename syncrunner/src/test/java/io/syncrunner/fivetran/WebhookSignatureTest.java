package io.syncrunner.fivetran;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookSignatureTest {
    private static final byte[] BODY = "{\"event\":\"sync_end\",\"connector_id\":\"decent_dropsy\"}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void shouldAcceptTheHmacOfTheRawBodyInEitherLetterCase() {
        String sig = WebhookSignature.sign(BODY, "s3cret");
        assertThat(sig).hasSize(64).matches("[0-9a-f]+");
        assertThat(WebhookSignature.verify(BODY, sig, "s3cret")).isTrue();
        assertThat(WebhookSignature.verify(BODY, sig.toUpperCase(Locale.ROOT), "s3cret")).isTrue();
    }

    @Test
    void shouldRejectAWrongMissingOrReSerializedSignature() {
        String sig = WebhookSignature.sign(BODY, "s3cret");
        assertThat(WebhookSignature.verify(BODY, sig, "other")).isFalse();
        assertThat(WebhookSignature.verify(BODY, null, "s3cret")).isFalse();
        assertThat(WebhookSignature.verify(BODY, "", "s3cret")).isFalse();
        byte[] trailingNewline = (new String(BODY, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignature.verify(trailingNewline, sig, "s3cret")).isFalse();
    }

    @Test
    void shouldRejectEverythingWhenNoSecretIsConfigured() {
        assertThat(WebhookSignature.verify(BODY, WebhookSignature.sign(BODY, "x"), "")).isFalse();
        assertThat(WebhookSignature.verify(BODY, WebhookSignature.sign(BODY, "x"), null)).isFalse();
    }
}
