package io.syncrunner.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.aws.secretsmanager.vault.CloudTrailReloadTriggerTask;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultContextReloadStrategy;
import org.apache.camel.vault.AwsVaultConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Proves {@link SecretsManagerStub} against the real path Camel 4.18.0 uses: the {@code aws:} properties function
 * (AWS SDK v2 SecretsManagerClient with endpoint override) and the CloudTrail based secret refresh task.
 * Also documents what Camel does with missing secrets, fields and credentials.
 */
class SecretsManagerStubTest {
    private static final String ACCESS_KEY = "AKIASTUBTEST00000001";
    private static final String REGION = "eu-west-1";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every secret value used here: none may show up in the log. */
    private static final List<String> VALUES = new ArrayList<>();

    private static SecretsManagerStub stub;

    @BeforeAll
    static void startStub() {
        stub = SecretsManagerStub.start();
    }

    @AfterAll
    static void stopStubAndScanLog() {
        stub.close();
        assertThat(LogCapture.linesContainingAny(VALUES)).as("log lines with secret values").isEmpty();
    }

    // ------------------------------------------------------------------------------------------ aws: function

    @Test
    void resolvesAFieldAndSeesTheRotatedValue() throws Exception {
        put(stub, "myapp", "{\"username\":\"alice-Q7\",\"password\":\"pw-v1-Lk2\"}");
        try (CamelContext ctx = context(stub, a -> { })) {
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:myapp#username}}")).isEqualTo("alice-Q7");
            int before = stub.getCount("myapp");
            assertThat(before).isPositive();
            assertThat(stub.lastAccessKeyId()).isEqualTo(ACCESS_KEY);
            assertThat(stub.lastRegion()).isEqualTo(REGION);

            put(stub, "myapp", "{\"username\":\"bob-Q8\",\"password\":\"pw-v2-Lk3\"}");
            // no caching in the function: every resolution is a GetSecretValue call
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:myapp#username}}")).isEqualTo("bob-Q8");
            assertThat(stub.getCount("myapp")).isEqualTo(before + 1);
        }
    }

    @Test
    void wholeSecretAndVersionSyntax() throws Exception {
        String v1 = put(stub, "versioned", "{\"user\":\"v1-user-Hh3\"}");
        put(stub, "versioned", "{\"user\":\"v2-user-Hh4\"}");
        try (CamelContext ctx = context(stub, a -> { })) {
            // without #field the whole SecretString
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:versioned}}")).isEqualTo("{\"user\":\"v2-user-Hh4\"}");
            // name#field@VersionId (Camel sends it as VersionId)
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:versioned#user@" + v1 + "}}")).isEqualTo("v1-user-Hh3");
            assertThatThrownBy(() -> ctx.resolvePropertyPlaceholders("{{aws:versioned#user@nosuchversion}}"))
                    .hasMessageContaining("can't find the specified secret value for VersionId: nosuchversion");
            // a default also covers an unknown version
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:versioned#user:dd@nosuchversion}}")).isEqualTo("dd");
        }
    }

    @Test
    void missingSecretNamesTheSecretUnlessThereIsADefault() throws Exception {
        try (CamelContext ctx = context(stub, a -> { })) {
            assertThatThrownBy(() -> ctx.resolvePropertyPlaceholders("{{aws:no-such-secret#username}}"))
                    .hasMessageStartingWith("Error getting secret from vault using key: no-such-secret due to: "
                            + "Secrets Manager can't find the specified secret. (Service: SecretsManager, Status Code: 400")
                    .hasRootCauseInstanceOf(ResourceNotFoundException.class);
            assertThat(stub.getCount("no-such-secret")).isEqualTo(1);
            // the function swallows any SecretsManagerException when a default is given
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:no-such-secret#username:dflt}}")).isEqualTo("dflt");
        }
    }

    @Test
    void missingFieldGivesTheDefaultOrFailsWithoutOne() throws Exception {
        put(stub, "fields", "{\"username\":\"carol-Z1\",\"port\":5432}");
        try (CamelContext ctx = context(stub, a -> { })) {
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:fields#nope:dflt}}")).isEqualTo("dflt");
            assertThatThrownBy(() -> ctx.resolvePropertyPlaceholders("{{aws:fields#nope}}"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Property with key [aws:fields#nope] using function [aws] returned null value which is "
                            + "not allowed, from input: {{aws:fields#nope}}");
            // only JSON strings count (JsonNode.textValue()): a number field is "missing" as well
            assertThatThrownBy(() -> ctx.resolvePropertyPlaceholders("{{aws:fields#port}}"))
                    .hasMessageContaining("returned null value");
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:fields#port:1}}")).isEqualTo("1");
        }
    }

    @Test
    void nonJsonSecretWithAFieldFailsAndEchoesTheValue() throws Exception {
        put(stub, "plain", "plainValue-Xy7");
        try (CamelContext ctx = context(stub, a -> { })) {
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:plain}}")).isEqualTo("plainValue-Xy7");
            // Camel 4.18.0: Jackson's parse error names the first token, i.e. (part of) the secret value,
            // and a default does not help (it is not a SecretsManagerException). Never log this message as is.
            assertThatThrownBy(() -> ctx.resolvePropertyPlaceholders("{{aws:plain#user:dflt}}"))
                    .hasMessageStartingWith("Error getting secret from vault using key: plain due to: "
                            + "Unrecognized token 'plainValue': was expecting");
        }
    }

    @Test
    void emptyAccessKeyFailsAtFirstUseWithoutCallingAws() throws Exception {
        put(stub, "nokey", "{\"a\":\"nokey-value-Pp0\"}");
        try (CamelContext ctx = context(stub, a -> a.setAccessKey(""))) {
            // the context starts; the function is created on the first {{aws:...}}
            assertThatThrownBy(() -> ctx.resolvePropertyPlaceholders("{{aws:nokey#a}}"))
                    .hasMessage("Using the AWS Secrets Manager Properties Function requires setting AWS credentials "
                            + "as application properties or environment variables");
            // also with a default
            assertThatThrownBy(() -> ctx.resolvePropertyPlaceholders("{{aws:nokey#a:dflt}}"))
                    .hasMessageContaining("requires setting AWS credentials");
        }
        try (CamelContext ctx = context(stub, a -> a.setRegion(""))) {
            assertThatThrownBy(() -> ctx.resolvePropertyPlaceholders("{{aws:nokey#a}}"))
                    .hasMessageContaining("requires setting AWS credentials");
        }
        assertThat(stub.getCount("nokey")).isZero();
    }

    @Test
    void explicitKeysWinOverDefaultCredentialsProvider() throws Exception {
        put(stub, "both", "{\"a\":\"both-value-Mm1\"}");
        try (CamelContext ctx = context(stub, a -> a.setDefaultCredentialsProvider(true))) {
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:both#a}}")).isEqualTo("both-value-Mm1");
            assertThat(stub.lastAccessKeyId()).isEqualTo(ACCESS_KEY);
        }
    }

    @Test
    void defaultCredentialsProviderAloneUsesTheSdkChain() throws Exception {
        put(stub, "chain", "{\"a\":\"chain-value-Nn2\"}");
        // the SDK chain reads the aws.accessKeyId / aws.secretAccessKey JVM properties first
        System.setProperty("aws.accessKeyId", "AKIASYSPROPERTY00001");
        System.setProperty("aws.secretAccessKey", "sysprop-secret");
        try (CamelContext ctx = context(stub, a -> {
            a.setAccessKey(null);
            a.setSecretKey(null);
            a.setDefaultCredentialsProvider(true);
        })) {
            assertThat(ctx.resolvePropertyPlaceholders("{{aws:chain#a}}")).isEqualTo("chain-value-Nn2");
            assertThat(stub.lastAccessKeyId()).isEqualTo("AKIASYSPROPERTY00001");
            assertThat(stub.lastRegion()).isEqualTo(REGION);
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }

    // ------------------------------------------------------------------------------------------ refresh task

    @Test
    void refreshTaskSeesARotationAndReloadsTheRoutes() throws Exception {
        try (SecretsManagerStub own = SecretsManagerStub.start()) {
            put(own, "myapp", "{\"username\":\"dave-R1\"}");
            try (CamelContext ctx = context(own, a -> a.setSecrets("myapp"))) {
                DefaultContextReloadStrategy reload = new DefaultContextReloadStrategy();
                ctx.addService(reload);
                ctx.addRoutes(new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("direct:who").routeId("who").setBody(constant("{{aws:myapp#username}}"));
                    }
                });
                assertThat(ctx.createProducerTemplate().requestBody("direct:who", "", String.class)).isEqualTo("dave-R1");

                CloudTrailReloadTriggerTask task = task(ctx, true);
                try {
                    task.run(); // first poll: no StartTime, sees only CreateSecret -> no reload
                    assertThat(own.lookupEventsCount()).isEqualTo(1);
                    assertThat(own.lastLookupStartTime()).isNull();
                    assertThat(task.getUpdates()).isEmpty();
                    Instant created = own.events().get(0).eventTime();

                    waitForNextSecond(created);
                    put(own, "myapp", "{\"username\":\"erin-R2\"}");
                    task.run();
                    assertThat(own.lookupEventsCount()).isEqualTo(2);
                    // StartTime = EventTime of the newest event seen so far + 1 s
                    assertThat(own.lastLookupStartTime()).isEqualTo(created.plusSeconds(1));
                    assertThat(task.getUpdates()).containsOnlyKeys("myapp");
                    assertThat(reload.getReloadCounter()).isEqualTo(1);
                    assertThat(ctx.createProducerTemplate().requestBody("direct:who", "", String.class))
                            .isEqualTo("erin-R2");

                    task.run(); // nothing new
                    assertThat(reload.getReloadCounter()).isEqualTo(1);
                } finally {
                    task.stop();
                }
            }
        }
    }

    @Test
    void whichEventsTriggerAnUpdate() throws Exception {
        try (SecretsManagerStub own = SecretsManagerStub.start()) {
            Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);
            own.recordEvent("app-a", "CreateSecret", t);
            own.recordEvent("app-b", "DeleteSecret", t.plusSeconds(1));
            own.recordEvent("app-c", "GetSecretValue", t.plusSeconds(2));
            own.recordEvent("app-d", "UpdateSecret", t.plusSeconds(3));
            own.recordEvent("other", "PutSecretValue", t.plusSeconds(4));
            // matching is resourceName.contains(secret): "app-e" also matches "app-e-prod"
            own.recordEvent("app-e-prod", "PutSecretValue", t.plusSeconds(5));
            try (CamelContext ctx = context(own, a -> a.setSecrets("app-a,app-b,app-c,app-d,app-e"))) {
                CloudTrailReloadTriggerTask task = task(ctx, false);
                try {
                    // the first poll has no StartTime, so it reports rotations from before the start
                    // (real CloudTrail: the last 90 days) -> with reload enabled, a reload right after startup
                    task.run();
                    assertThat(task.getUpdates()).containsOnlyKeys("app-d", "app-e-prod");
                    assertThat(task.getUpdates().get("app-d")).isEqualTo(t.plusSeconds(3));
                } finally {
                    task.stop();
                }
            }
        }
    }

    @Test
    void anEventWithinOneSecondOfTheNewestSeenIsMissed() throws Exception {
        try (SecretsManagerStub own = SecretsManagerStub.start()) {
            Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);
            own.recordEvent("late", "CreateSecret", t);
            try (CamelContext ctx = context(own, a -> a.setSecrets("late"))) {
                CloudTrailReloadTriggerTask task = task(ctx, false);
                try {
                    task.run();
                    own.recordEvent("late", "PutSecretValue", t); // same second as the newest seen event
                    task.run();
                    assertThat(own.lastLookupStartTime()).isEqualTo(t.plusSeconds(1));
                    assertThat(task.getUpdates()).isEmpty();
                    own.recordEvent("late", "PutSecretValue", t.plusSeconds(1));
                    task.run();
                    assertThat(task.getUpdates()).containsOnlyKeys("late");
                } finally {
                    task.stop();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ wire level

    @Test
    void getSecretValueOnTheWire() throws Exception {
        String v1 = put(stub, "wire", "{\"k\":\"wire-v1-Aa1\"}");
        HttpResponse<String> r = post(SecretsManagerStub.GET_SECRET_VALUE, "{\"SecretId\":\"wire\"}", true);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-amz-json-1.1");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("Name").asText()).isEqualTo("wire");
        assertThat(body.get("ARN").asText()).startsWith("arn:aws:secretsmanager:" + REGION + ":123456789012:secret:wire-");
        assertThat(body.get("VersionId").asText()).isEqualTo(v1);
        assertThat(body.get("SecretString").asText()).isEqualTo("{\"k\":\"wire-v1-Aa1\"}");
        assertThat(body.get("VersionStages").toString()).isEqualTo("[\"AWSCURRENT\"]");
        assertThat(body.get("CreatedDate").isNumber()).isTrue();
        assertThat(stub.lastAccessKeyId()).isEqualTo(ACCESS_KEY);
        assertThat(stub.lastRegion()).isEqualTo(REGION);

        r = post(SecretsManagerStub.GET_SECRET_VALUE, "{\"SecretId\":\"wire-missing\"}", true);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("__type").asText()).isEqualTo("ResourceNotFoundException");
        assertThat(JSON.readTree(r.body()).get("message").asText())
                .isEqualTo("Secrets Manager can't find the specified secret.");

        r = post(SecretsManagerStub.GET_SECRET_VALUE, "{\"SecretId\":\"wire\"}", false);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("MissingAuthenticationTokenException");

        r = post("secretsmanager.CreateSecret", "{}", true);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"__type\":\"UnknownOperationException\"}");
    }

    @Test
    void lookupEventsOnTheWire() throws Exception {
        try (SecretsManagerStub own = SecretsManagerStub.start()) {
            Instant t = Instant.parse("2026-01-02T03:04:05Z");
            own.recordEvent("s1", "PutSecretValue", t);
            own.recordEvent("s2", "UpdateSecret", t.plusSeconds(10));
            HttpResponse<String> r = post(own, SecretsManagerStub.LOOKUP_EVENTS,
                    "{\"LookupAttributes\":[{\"AttributeKey\":\"EventSource\",\"AttributeValue\":\"secretsmanager.amazonaws.com\"}],"
                            + "\"StartTime\":" + t.getEpochSecond() + ".5,\"MaxResults\":100}");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode events = JSON.readTree(r.body()).get("Events");
            assertThat(events).hasSize(1); // s1 is before StartTime
            JsonNode e = events.get(0);
            assertThat(e.get("EventName").asText()).isEqualTo("UpdateSecret");
            assertThat(e.get("EventSource").asText()).isEqualTo("secretsmanager.amazonaws.com");
            assertThat(e.get("EventTime").decimalValue().longValue()).isEqualTo(t.plusSeconds(10).getEpochSecond());
            assertThat(e.get("Resources").get(0).get("ResourceName").asText()).isEqualTo("s2");
            assertThat(e.get("Resources").get(0).get("ResourceType").asText()).isEqualTo("AWS::SecretsManager::Secret");
            JsonNode detail = JSON.readTree(e.get("CloudTrailEvent").asText());
            assertThat(detail.get("requestParameters").get("secretId").asText()).isEqualTo("s2");
            assertThat(detail.get("eventTime").asText()).isEqualTo("2026-01-02T03:04:15Z");
            assertThat(own.lookupEventsCount()).isEqualTo(1);
            assertThat(own.lastLookupStartTime()).isEqualTo(t.plusMillis(500));

            // no StartTime: everything, newest first
            r = post(own, SecretsManagerStub.LOOKUP_EVENTS, "{}");
            events = JSON.readTree(r.body()).get("Events");
            assertThat(events).hasSize(2);
            assertThat(events.get(0).get("Resources").get(0).get("ResourceName").asText()).isEqualTo("s2");
        }
    }

    @Test
    void sdkClientByArnStageAndAfterDelete() {
        String v1 = put(stub, "sdk", "{\"k\":\"sdk-v1-Bb1\"}");
        String v2 = put(stub, "sdk", "{\"k\":\"sdk-v2-Bb2\"}");
        assertThat(stub.currentVersionId("sdk")).isEqualTo(v2);
        try (SecretsManagerClient client = SecretsManagerClient.builder()
                .endpointOverride(URI.create(stub.endpoint()))
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, "x")))
                .build()) {
            GetSecretValueResponse byArn = client.getSecretValue(b -> b.secretId(stub.arn("sdk", REGION)));
            assertThat(byArn.versionId()).isEqualTo(v2);
            assertThat(byArn.versionStages()).containsExactly("AWSCURRENT");
            assertThat(byArn.createdDate()).isNotNull();

            GetSecretValueResponse previous = client.getSecretValue(b -> b.secretId("sdk").versionStage("AWSPREVIOUS"));
            assertThat(previous.versionId()).isEqualTo(v1);
            assertThat(previous.secretString()).isEqualTo("{\"k\":\"sdk-v1-Bb1\"}");
            assertThat(previous.versionStages()).containsExactly("AWSPREVIOUS");

            assertThat(stub.deleteSecret("sdk")).isTrue();
            assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId("sdk")))
                    .isInstanceOf(ResourceNotFoundException.class);
            assertThat(stub.events().stream().filter(e -> e.secretName().equals("sdk"))
                    .map(SecretsManagerStub.RecordedEvent::eventName))
                    .containsExactly("CreateSecret", "PutSecretValue", "DeleteSecret");
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static String put(SecretsManagerStub target, String name, String value) {
        VALUES.add(value);
        try {
            JSON.readTree(value).fields().forEachRemaining(f -> {
                if (f.getValue().isTextual()) {
                    VALUES.add(f.getValue().asText());
                }
            });
        } catch (java.io.IOException notJson) {
            // a plain secret: the whole value is in VALUES
        }
        return target.putSecret(name, value);
    }

    /** A started context with the AWS vault pointed at the stub (properties, never CAMEL_VAULT_AWS_* env vars). */
    private static CamelContext context(SecretsManagerStub target, Consumer<AwsVaultConfiguration> tweak) {
        DefaultCamelContext ctx = new DefaultCamelContext();
        AwsVaultConfiguration aws = ctx.getVaultConfiguration().aws();
        aws.setAccessKey(ACCESS_KEY);
        aws.setSecretKey("stub-secret-key");
        aws.setRegion(REGION);
        aws.setOverrideEndpoint(true);
        aws.setUriEndpointOverride(target.endpoint());
        tweak.accept(aws);
        ctx.start();
        return ctx;
    }

    /** Camel's refresh task, driven by hand (camel-main schedules it every refreshPeriod). */
    private static CloudTrailReloadTriggerTask task(CamelContext ctx, boolean reloadEnabled) {
        CloudTrailReloadTriggerTask task = new CloudTrailReloadTriggerTask();
        task.setCamelContext(ctx);
        task.setReloadEnabled(reloadEnabled);
        task.start();
        return task;
    }

    private static void waitForNextSecond(Instant seen) throws InterruptedException {
        Instant next = seen.plusSeconds(1);
        while (Instant.now().isBefore(next)) {
            Thread.sleep(20);
        }
    }

    private static HttpResponse<String> post(String target, String body, boolean signed) throws Exception {
        return post(stub, target, body, signed);
    }

    private static HttpResponse<String> post(SecretsManagerStub to, String target, String body) throws Exception {
        return post(to, target, body, true);
    }

    private static HttpResponse<String> post(SecretsManagerStub to, String target, String body, boolean signed)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(to.endpoint() + "/"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", target)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signed) {
            b.header("Authorization", "AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY + "/20260102/" + REGION
                    + "/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=00");
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
