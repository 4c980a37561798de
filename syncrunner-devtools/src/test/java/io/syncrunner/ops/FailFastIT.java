package io.syncrunner.ops;

import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A runner that cannot do its work exits at once, non-zero, with one line that names the problem: its HTTP port
 * taken, its journal unreachable, a setting that is not what it must be. Each case is a real runner process; the
 * bound of {@link #EXIT_WITHIN} covers the JVM start on a loaded 2-core machine (the runner itself gives up within
 * a few seconds: the journal is tried for 3 s).
 */
class FailFastIT {
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(20);
    private static final String URL_PASSWORD = "journal-url-password-Kd72Qe";
    private static final String PROPERTY_PASSWORD = "journal-property-password-Vn39Tx";

    /** Starts a runner that must fail; returns its output after asserting the exit and the one line. */
    private static String failedStart(String name, RunnerProcess.Builder builder, String... named) throws Exception {
        try (RunnerProcess runner = builder.launch()) {
            long started = System.nanoTime();
            boolean ended = runner.process().waitFor(EXIT_WITHIN.toSeconds() + 40, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            String log = runner.log();
            List<String> lines = runner.logLines("The runner cannot start");
            System.out.printf("FAIL FAST %s: exit=%s after %d ms: %s%n", name,
                    ended ? runner.process().exitValue() : "still running", millis, lines);
            assertThat(ended).as("exited; end of log:\n" + runner.logTail(30)).isTrue();
            assertThat(runner.process().exitValue()).isNotZero();
            assertThat(Duration.ofMillis(millis)).as("time to exit").isLessThan(EXIT_WITHIN);
            assertThat(lines).as(log).hasSize(1);
            assertThat(lines.get(0)).contains(named);
            assertThat(log).as("no stack trace for a known problem").doesNotContain("\tat ");
            return log;
        }
    }

    private static RunnerProcess.Builder runner(String name) {
        return RunnerProcess.builder(name).property("syncrunner.check-accounts-at-startup", "true");
    }

    @Test
    void shouldExitNamingThePortWhenTheHttpPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            failedStart("port", runner("port-taken").port(port), "127.0.0.1:" + port, "camel.server.port",
                    "in use");
        }
    }

    @Test
    void shouldExitNamingTheJournalWithoutItsPasswordWhenTheJournalIsUnreachable() throws Exception {
        int closed = RunnerProcess.freePort();
        String url = "jdbc:postgresql://127.0.0.1:" + closed + "/syncrunner";
        String log = failedStart("journal", runner("journal-unreachable")
                .property("syncrunner.journal.url", url + "?user=runner&password=" + URL_PASSWORD)
                .property("syncrunner.journal.password", PROPERTY_PASSWORD), url, "journal");
        assertThat(log).doesNotContain(URL_PASSWORD).doesNotContain(PROPERTY_PASSWORD);
    }

    @Test
    void shouldExitNamingASettingThatIsNotANumber() throws Exception {
        failedStart("number", runner("bad-number").property("syncrunner.wait.threads", "lots"),
                "syncrunner.wait.threads", "'lots'", "not a whole number");
    }

    @Test
    void shouldExitNamingALogFormatThatIsNeitherTextNorJson() throws Exception {
        // logback.xml has a console appender for text and json only: with another value nothing would be logged
        failedStart("log-format", runner("bad-log-format").property("syncrunner.log.format", "yaml"),
                "syncrunner.log.format", "'yaml'", "text or json");
    }

    @Test
    void shouldExitNamingASettingThatIsNotADuration() throws Exception {
        failedStart("duration", runner("bad-duration").property("syncrunner.journal.lease", "forever"),
                "syncrunner.journal.lease", "'forever'", "not a duration");
    }

    @Test
    void shouldExitNamingASettingThatIsNotABoolean() throws Exception {
        failedStart("boolean", runner("bad-boolean").property("syncrunner.http.async-reads", "yes please"),
                "syncrunner.http.async-reads", "'yes please'", "not true or false");
    }

    @Test
    void shouldExitNamingAnUnknownAirbyteAuthMode() throws Exception {
        failedStart("auth", runner("bad-auth").property("airbyte.x.base-url", "http://127.0.0.1:1/v1")
                        .property("airbyte.x.auth", "kerberos"),
                "Airbyte account 'x'", "airbyte.x.auth", "'kerberos'", "not an auth mode");
    }

    @Test
    void shouldExitNamingAnAlertChannelThatIsNotEmailSlackOrNone() throws Exception {
        failedStart("alert-channel", runner("bad-alert-channel").property("syncrunner.alerts.on-failure", "pager"),
                "syncrunner.alerts.on-failure", "'pager'", "not an alert channel", "email, slack or none");
    }

    @Test
    void shouldExitNamingTheMissingWebhookUrlWhenAlertsGoToSlack() throws Exception {
        failedStart("alert-webhook", runner("no-alert-webhook").property("syncrunner.alerts.on-stale", "slack"),
                "syncrunner.alerts.slack.webhook-url");
    }

    @Test
    void shouldExitNamingTheMissingPublicUrlOrSecretWhenAirbyteWebhookRegistrationIsOn() throws Exception {
        failedStart("airbyte-register-url", runner("no-airbyte-public-url")
                .property("airbyte.webhooks.register", "true")
                .property("airbyte.webhooks.secret", "airbyte-hook-secret-Wd81"), "airbyte.webhooks.public-url");
        failedStart("airbyte-register-secret", runner("no-airbyte-secret")
                .property("airbyte.webhooks.register", "true")
                .property("airbyte.webhooks.public-url", "https://runner.example.com/webhooks/airbyte"),
                "airbyte.webhooks.secret");
    }

    @Test
    void shouldExitNamingACamelSettingThatIsNotANumber() throws Exception {
        failedStart("camel-number", runner("bad-camel-number").property("camel.component.http.connect-timeout",
                "ten seconds"), "camel.component.http.connect-timeout", "ten seconds");
    }
}
