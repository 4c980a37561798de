package io.syncrunner.observability;

import io.syncrunner.fivetran.WebhookSignature;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that drop their connection mid-request (half a request sent, or a full one and gone before the answer)
 * are not errors of the runner: they are counted, and the log gets at most one WARN with the count per interval
 * instead of an ERROR with a stack trace each (a log-flood vector).
 */
class AbortedRequestsLogIT extends RunnerTestSupport {
    private static final int CLIENTS = 100;
    private static final String WEBHOOK_SECRET = "aborted-requests-webhook-secret-8Jk1";
    private static final Pattern REPORT = Pattern.compile(
            "WARN .*ClientAborts - (\\d+) clients? closed (?:its|their) connection before the answer in the last 2s");

    @Override
    protected String apiToken() {
        return "aborted-requests-token-5Gh2";
    }

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("fivetran.webhooks.enabled", "true");
        p.put("fivetran.webhooks.secret", secret(WEBHOOK_SECRET));
        p.put("syncrunner.http.aborted-log-interval", "2s");
        return p;
    }

    @Test
    void shouldCountClientsThatClosedTheirConnectionBeforeTheAnswerInOneWarnPerIntervalWithoutStackTraces()
            throws Exception {
        String connection = connection("pending:100ms,succeeded");
        int logStart = LogCapture.size();
        // one idempotency key: the full requests that are read start one run between them
        String syncBody = "{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + connection
                + "\",\"idempotencyKey\":\"aborted-requests\"}";
        String webhookBody = "{\"event\":\"sync_start\",\"connector_id\":\"nobody_syncs_this\",\"data\":{}}";
        for (int i = 0; i < CLIENTS; i++) {
            boolean api = i % 2 == 0;
            boolean half = i % 4 < 2;
            String body = api ? syncBody : webhookBody;
            String head = "POST " + (api ? "/api/syncs" : "/webhooks/fivetran") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n"
                    + (api ? "Authorization: Bearer " + apiToken() + "\r\n"
                            : WebhookSignature.HEADER + ": " + WebhookSignature.sign(
                                    body.getBytes(StandardCharsets.UTF_8), WEBHOOK_SECRET) + "\r\n")
                    + "\r\n";
            try (Socket s = new Socket("127.0.0.1", httpPort())) {
                OutputStream out = s.getOutputStream();
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write((half ? body.substring(0, body.length() / 2) : body).getBytes(StandardCharsets.UTF_8));
                out.flush();
                s.setSoLinger(true, 0); // closed with a reset, before reading anything, as a client that gives up
            }
        }

        // the half requests at least are seen to end with a reset; their count is reported once the interval ends
        await().atMost(Duration.ofSeconds(20)).until(() -> reported(LogCapture.linesSince(logStart)) >= CLIENTS / 2);
        List<String> lines = LogCapture.linesSince(logStart);
        assertThat(lines).as("ERROR lines").noneMatch(l -> l.contains(" ERROR "));
        assertThat(lines).as("stack traces").noneMatch(l -> l.contains("\tat ") || l.contains("SocketException"));
        long reports = lines.stream().filter(l -> REPORT.matcher(l).find()).count();
        assertThat(reports).as("one WARN per 2 s interval at most, over the few seconds of the test")
                .isBetween(1L, 5L);
        assertThat(reported(lines)).isLessThanOrEqualTo(CLIENTS);
    }

    @Test
    void shouldStillAnswerAndLogNormallyAfterwards() throws Exception {
        assertThat(postSync("{}", apiToken(), "application/json").statusCode()).isEqualTo(400);
    }

    private static long reported(List<String> lines) {
        long n = 0;
        for (String l : lines) {
            Matcher m = REPORT.matcher(l);
            if (m.find()) {
                n += Long.parseLong(m.group(1));
            }
        }
        return n;
    }
}
