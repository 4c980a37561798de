package io.syncrunner.observability;

import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketException;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAbortsTest {

    @Test
    void shouldTakeOnlyFailuresThatMeanTheClientWentAway() {
        assertThat(ClientAborts.clientGone(new SocketException("Connection reset"))).isTrue();
        assertThat(ClientAborts.clientGone(new IOException("Connection reset by peer"))).isTrue();
        assertThat(ClientAborts.clientGone(new IOException("Broken pipe"))).isTrue();
        assertThat(ClientAborts.clientGone(new HttpClosedException("Connection was closed"))).isTrue();
        assertThat(ClientAborts.clientGone(new RuntimeException("wrapped", new SocketException("Connection reset"))))
                .isTrue();
        assertThat(ClientAborts.clientGone(new VertxException("Connection was closed", true))).isTrue();
    }

    @Test
    void shouldLeaveEveryOtherFailureToBeLoggedAsBefore() {
        assertThat(ClientAborts.clientGone(new IllegalStateException("Connection reset"))).isFalse();
        assertThat(ClientAborts.clientGone(new IOException("No space left on device"))).isFalse();
        assertThat(ClientAborts.clientGone(new NullPointerException())).isFalse();
        assertThat(ClientAborts.clientGone(null)).isFalse();
    }
}
