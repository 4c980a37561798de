package io.syncrunner.airbyte;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class AirbyteJobStatusTest {

    @ParameterizedTest
    @ValueSource(strings = {"pending", "queued", "running", "incomplete", "RUNNING"})
    void shouldKeepWaitingOnStatusesThatAreNotFinal(String status) {
        assertThat(AirbyteJobStatus.of(status)).isEqualTo(AirbyteJobStatus.IN_PROGRESS);
        assertThat(AirbyteJobStatus.of(status).isTerminal()).isFalse();
    }

    @Test
    void shouldTreatOnlySucceededFailedAndCancelledAsFinal() {
        assertThat(AirbyteJobStatus.of("succeeded")).isEqualTo(AirbyteJobStatus.SUCCEEDED);
        assertThat(AirbyteJobStatus.of("failed")).isEqualTo(AirbyteJobStatus.FAILED);
        assertThat(AirbyteJobStatus.of("cancelled")).isEqualTo(AirbyteJobStatus.CANCELLED);
        assertThat(AirbyteJobStatus.of("failed").isTerminal()).isTrue();
    }

    @Test
    void shouldTreatAnUnknownStatusAsNotFinished() {
        assertThat(AirbyteJobStatus.of("paused_for_quota")).isEqualTo(AirbyteJobStatus.UNKNOWN);
        assertThat(AirbyteJobStatus.of("paused_for_quota").isTerminal()).isFalse();
        assertThat(AirbyteJobStatus.of(null).isTerminal()).isFalse();
    }
}
