package io.syncrunner.runs;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.apache.camel.ConsumerTemplate;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Sync requests from an SQS queue (ElasticMQ in the test JVM), and the dead-letter queue for bad ones. */
class SyncQueueIT extends RunnerTestSupport {
    private static final String QUEUE = "requests-test";
    private static final String DLQ = "requests-test-dlq";
    private static SQSRestServer sqs;
    private static int sqsPort;

    @Override
    protected Properties moreProperties() {
        if (sqs == null) {
            sqsPort = closedPort();
            sqs = SQSRestServerBuilder.withPort(sqsPort).withInterface("127.0.0.1").start();
            sqs.waitUntilStarted();
        }
        Properties p = new Properties();
        p.put("syncrunner.sqs.enabled", "true");
        p.put("syncrunner.sqs.queue", QUEUE);
        p.put("syncrunner.sqs.dead-letter-queue", DLQ);
        p.put("syncrunner.sqs.auto-create-queue", "true");
        p.put("camel.component.aws2-sqs.access-key", "elasticmq");
        p.put("camel.component.aws2-sqs.secret-key", "elasticmq");
        p.put("camel.component.aws2-sqs.use-default-credentials-provider", "false");
        p.put("camel.component.aws2-sqs.override-endpoint", "true");
        p.put("camel.component.aws2-sqs.uri-endpoint-override", "http://127.0.0.1:" + sqsPort);
        return p;
    }

    /** The runner (and so its SQS consumer) stops before the server it polls: no poll of a stopped ElasticMQ. */
    @AfterAll
    void stopSqs() {
        context.stop();
        if (sqs != null) {
            sqs.stopAndWait();
            sqs = null;
        }
    }

    private void send(String body) {
        template.sendBody("aws2-sqs:" + QUEUE + "?autoCreateQueue=true", body);
    }

    @Test
    void shouldRunTheSyncRequestedByAMessage() {
        String id = connection("running:300ms,succeeded");

        send("{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + id + "\",\"pollInterval\":\"100ms\"}");

        await().atMost(Duration.ofSeconds(30)).until(() -> EMULATOR.jobs().stream()
                .anyMatch(j -> j.connectionId().equals(id) && j.status().equals("succeeded")));
        SyncRuns runs = context.getRegistry().lookupByNameAndType("syncRuns", SyncRuns.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.list(r -> r.request().target().equals(id)
                && r.state().equals(SyncRun.SUCCEEDED)).size() == 1);
        assertThat(EMULATOR.triggerCount(id)).isEqualTo(1);
    }

    @Test
    void shouldStartNothingTwiceWhenTheSameMessageIsDeliveredAgain() {
        String id = connection("running:300ms,succeeded");
        SyncRuns runs = context.getRegistry().lookupByNameAndType("syncRuns", SyncRuns.class);
        String body = "{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + id + "\"}";
        org.apache.camel.Exchange delivery = new org.apache.camel.support.DefaultExchange(context);
        delivery.getMessage().setHeader("CamelAwsSqsMessageId", "message-" + id);
        delivery.getMessage().setBody(body);
        org.apache.camel.Exchange again = delivery.copy();

        SyncRuns.Acceptance first = runs.acceptMessage(delivery);
        SyncRuns.Acceptance second = runs.acceptMessage(again);

        assertThat(first.duplicate()).isFalse();
        assertThat(second.duplicate()).as("the redelivered message").isTrue();
        assertThat(second.run().runId()).isEqualTo(first.run().runId());
        assertThat(first.run().request().idempotencyKey()).isEqualTo("sqs:message-" + id);
    }

    @Test
    void shouldSendAPoisonMessageToTheDeadLetterQueueWithTheReason() {
        send("{\"provider\":\"airbyte\",\"account\":\"test\"");
        send("{\"provider\":\"airbyte\",\"account\":\"nope\",\"connectionId\":\"0b5e8d3c-7a41-4f9e-b2c6-000000000001\"}");

        ConsumerTemplate consumer = context.createConsumerTemplate();
        JsonNode first = Json.parse(consumer.receiveBody("aws2-sqs:" + DLQ + "?autoCreateQueue=true", 20_000, String.class));
        JsonNode second = Json.parse(consumer.receiveBody("aws2-sqs:" + DLQ + "?autoCreateQueue=true", 20_000, String.class));

        assertThat(first.path("reason").asText()).contains("not valid JSON");
        assertThat(first.path("message").asText()).isEqualTo("{\"provider\":\"airbyte\",\"account\":\"test\"");
        assertThat(second.path("reason").asText()).contains("Unknown Airbyte account 'nope'");
    }

    @Test
    void shouldStartOneSyncForMessagesWithTheSameIdempotencyKey() {
        String id = connection("running:500ms,succeeded");
        String body = "{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\"" + id
                + "\",\"pollInterval\":\"100ms\",\"idempotencyKey\":\"queue-" + id + "\"}";

        send(body);
        send(body);
        send(body);

        SyncRuns runs = context.getRegistry().lookupByNameAndType("syncRuns", SyncRuns.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.list(r -> r.request().target().equals(id)
                && r.finished()).size() == 1);
        assertThat(runs.list(r -> r.request().target().equals(id))).hasSize(1);
        assertThat(EMULATOR.triggerCount(id)).isEqualTo(1);
    }
}
