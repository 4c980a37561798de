package io.syncrunner.observability;

import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The start log of the real runner (its production logback.xml and config/application.properties, with the
 * bundled emulators as the README's first command has them) fits on one screen: Camel's property summaries and the
 * libraries' set-up chatter are not in it.
 */
class StartLogIT {
    /** INFO lines from the first to Camel's "started" line; the runner wrote about 200 before they were cut. */
    private static final int AT_MOST_INFO_LINES = 30;

    @Test
    void shouldStartWithAScreenOfInfoLinesAndNoPropertySummary() {
        try (RunnerProcess runner = RunnerProcess.builder("start-log").start()) {
            List<String> lines = runner.log().lines().toList();
            int started = -1;
            for (int i = 0; i < lines.size() && started < 0; i++) {
                if (lines.get(i).matches(".*Apache Camel \\S+ \\(.*\\) started in .*")) {
                    started = i;
                }
            }
            assertThat(started).as(runner.log()).isNotNegative();
            List<String> startLog = lines.subList(0, started + 1);
            List<String> info = startLog.stream().filter(l -> l.matches("\\S+ INFO .*")).toList();
            System.out.printf("START LOG: %d INFO lines up to the start (%d lines in all)%n", info.size(),
                    startLog.size());

            assertThat(info).as(String.join("\n", startLog)).hasSizeLessThanOrEqualTo(AT_MOST_INFO_LINES);
            assertThat(startLog).as("only log lines: no logback status report (it prints one on a warning)")
                    .hasSameSizeAs(info);
            assertThat(info).as("what the start log still says").anySatisfy(l -> assertThat(l).contains("Run journal"))
                    .anySatisfy(l -> assertThat(l).contains("Checked the settings of"));
            assertThat(runner.log()).as("Camel's property summaries")
                    .doesNotContain("Auto-configuration summary").doesNotContain("Property-placeholders summary")
                    .doesNotContain("[application.properties]")
                    .as("Quartz's and Hikari's set-up lines")
                    .doesNotContain("Scheduler meta-data").doesNotContain("Start completed");
        }
    }
}
