package io.syncrunner;

import io.syncrunner.testsupport.LogCapture;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs last (junit-platform.properties orders classes by @Order): scans every log line the whole test suite
 * produced — the runner's, Camel's, the emulators' — for every secret value the tests registered, and keeps
 * the log in target/test-logs/suite.log.
 */
@Order(Integer.MAX_VALUE)
class WholeSuiteLogScanTest {

    @Test
    void shouldFindNoTestSecretInAnyLogLineOfTheWholeSuite() throws IOException {
        List<String> lines = LogCapture.lines();
        Set<String> secrets = LogCapture.secrets();
        Path out = Path.of("target", "test-logs", "suite.log");
        Files.createDirectories(out.getParent());
        Files.write(out, lines);

        assertThat(secrets).as("secrets registered by the tests that ran").isNotEmpty();
        assertThat(lines).as("log lines captured").isNotEmpty();
        assertThat(LogCapture.linesContainingAny(List.copyOf(secrets))).as("log lines showing a secret").isEmpty();
    }
}
