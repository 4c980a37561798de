package io.syncrunner.testsupport;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeededRotationTest {

    private static List<Integer> sequence(SeededRotation rotation, String path, int length) {
        List<Integer> picks = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            picks.add(rotation.pick("GET", path, ""));
        }
        return picks;
    }

    private static SeededRotation rotation(String seed) {
        return new SeededRotation(seed, 4, (method, path, body) -> path.startsWith("/run/")
                ? new SeededRotation.Request(Integer.parseInt(path.substring(5)), method) : null);
    }

    @Test
    void shouldSendSuccessiveRequestsOfARunToDifferentMocks() {
        List<Integer> picks = sequence(rotation("s-1"), "/run/7", 50);
        for (int i = 1; i < picks.size(); i++) {
            assertThat(picks.get(i)).as("request %d", i).isNotEqualTo(picks.get(i - 1));
        }
        assertThat(new HashSet<>(picks)).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void shouldGiveTheSameSequenceForTheSameSeedWhateverTheOrderOfRequests() {
        SeededRotation interleaved = rotation("s-1");
        List<Integer> seven = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            seven.add(interleaved.pick("GET", "/run/7", ""));
            interleaved.pick("GET", "/run/8", "");
        }
        assertThat(seven).isEqualTo(sequence(rotation("s-1"), "/run/7", 20));
        for (int n = 0; n < 20; n++) {
            assertThat(SeededRotation.index("s-1", 4, 7, "GET", n)).isEqualTo(seven.get(n));
        }
        assertThat(sequence(rotation("s-2"), "/run/7", 20)).isNotEqualTo(seven);
    }

    @Test
    void shouldStartConsecutiveRunsAtDifferentMocks() {
        SeededRotation rotation = rotation("s-1");
        Set<Integer> first = new HashSet<>();
        for (int run = 12; run < 16; run++) {
            first.add(rotation.pick("POST", "/run/" + run, ""));
        }
        assertThat(first).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void shouldSendRequestsAboutNoRunToTheFirstMock() {
        assertThat(sequence(rotation("s-1"), "/token", 5)).containsOnly(0);
    }

    @Test
    void shouldRefuseARotationOverFewerThanTwoMocks() {
        assertThatThrownBy(() -> new SeededRotation("s", 1, (m, p, b) -> null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 mocks");
    }
}
