package io.syncrunner.durability;

import io.syncrunner.testsupport.EmbeddedPostgresSupport;
import io.syncrunner.testsupport.RunnerProcess;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two runners (own JVMs, one PostgreSQL journal) consume the same SQS queue (ElasticMQ in the test JVM): they
 * compete for its messages, and every requested sync runs once, on one of them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.extension.ExtendWith(io.syncrunner.testsupport.Contention.class)
class ClusterQueueIT {
    private static final String QUEUE = "cluster-requests";
    private final SyncFleet fleet = new SyncFleet().add(20, 10, Duration.ofSeconds(2));
    private final EmbeddedPostgresSupport postgres = new EmbeddedPostgresSupport().start();
    private final int sqsPort = freePort();
    private final SQSRestServer sqs = SQSRestServerBuilder.withPort(sqsPort).withInterface("127.0.0.1").start();

    @AfterAll
    void close() {
        fleet.close();
        postgres.close();
        sqs.stopAndWait();
    }

    @io.syncrunner.testsupport.Contention.UnderLoad
    void shouldRunEachQueuedSyncOnceWithTwoRunnersCompetingForTheMessages() throws Exception {
        sqs.waitUntilStarted();
        try (SqsClient client = SqsClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + sqsPort))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "y"))).build();
             RunnerProcess a = node("queue-a").start(); RunnerProcess b = node("queue-b").start()) {
            String url = client.createQueue(q -> q.queueName(QUEUE)).queueUrl();
            for (String request : fleet.requests()) {
                client.sendMessage(m -> m.queueUrl(url).messageBody(request));
            }

            await().atMost(Duration.ofSeconds(60)).until(() -> {
                fleet.learnRuns(a);
                return fleet.runs.size() == fleet.targetCount() && fleet.finished(a) == fleet.targetCount();
            });
            SyncFleet.Verdict v = fleet.verdict(a);
            long acceptedByA = a.logLines("accepted from the queue").size();
            long acceptedByB = b.logLines("accepted from the queue").size();
            System.out.printf("CLUSTER QUEUE TEST: runners=2 syncs=%d acceptedBy={queue-a=%d, queue-b=%d}"
                    + " duplicates=%d lost=%d wrongState=%d%n", v.syncs(), acceptedByA, acceptedByB, v.duplicates(),
                    v.lost(), v.wrongState());
            io.syncrunner.testsupport.Contention.tally(v.syncs(), v.lost(), v.duplicates());
            assertThat(v.problems()).isEmpty();
            assertThat(acceptedByA + acceptedByB).isEqualTo(fleet.targetCount());
            assertThat(acceptedByA).as("runner a took some messages").isPositive();
            assertThat(acceptedByB).as("runner b took some messages").isPositive();
        }
    }

    private RunnerProcess.Builder node(String nodeId) {
        return fleet.clusterNode(postgres, nodeId)
                .property("syncrunner.sqs.enabled", "true")
                .property("syncrunner.sqs.queue", QUEUE)
                .property("syncrunner.sqs.auto-create-queue", "true")
                .property("camel.component.aws2-sqs.access-key", "elasticmq")
                .property("camel.component.aws2-sqs.secret-key", "elasticmq")
                .property("camel.component.aws2-sqs.use-default-credentials-provider", "false")
                .property("camel.component.aws2-sqs.override-endpoint", "true")
                .property("camel.component.aws2-sqs.uri-endpoint-override", "http://127.0.0.1:" + sqsPort);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
