package io.syncrunner.sync;

import io.syncrunner.support.RetryableApiException;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

import static org.assertj.core.api.Assertions.assertThat;

class NeverSentTest {

    @Test
    void shouldCountARefusedConnectionAnUnknownHostAndAConnectTimeoutAsNeverSent() {
        assertThat(NeverSent.test(new ConnectException("Connection refused"))).isTrue();
        assertThat(NeverSent.test(new UnknownHostException("airbyte.invalid"))).isTrue();
        assertThat(NeverSent.test(new org.apache.hc.client5.http.ConnectTimeoutException("connect timed out")))
                .isTrue();
        assertThat(NeverSent.test(new UncheckedIOException(new java.io.IOException("no connection")))).isTrue();
    }

    @Test
    void shouldCountAFailureCausedByARefusedConnectionAsNeverSent() {
        assertThat(NeverSent.test(new IllegalStateException("wrapped", new ConnectException("refused")))).isTrue();
    }

    @Test
    void shouldNotCountAnAnswerOrAReadTimeoutAsNeverSent() {
        assertThat(NeverSent.test(new RetryableApiException("trigger a sync", "POST /jobs", 503, null, null, null)))
                .isFalse();
        assertThat(NeverSent.test(new SocketTimeoutException("Read timed out"))).isFalse();
        assertThat(NeverSent.test(null)).isFalse();
    }
}
