package io.syncrunner.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AuthKind;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
import io.syncrunner.testsupport.RunnerProcess;
import io.syncrunner.testsupport.SecretsManagerStub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Credentials from environment variables, from AWS Secrets Manager (the real AWS SDK path, against a local
 * Secrets Manager endpoint), and both mixed; and a rotation of the secrets while syncs are running.
 */
class CredentialSourcesIT extends FivetranTestSupport {
    private static final String ROTATED_CLIENT_SECRET = "rotated-client-secret-Ux55Pe";
    private static final String ROTATED_FIVETRAN_SECRET = "rotated-fivetran-secret-Jd08Ko";
    private static final String AWS_SECRET_KEY = "stub-aws-secret-key-Qz31";
    private static SecretsManagerStub aws;

    @Override
    protected Properties fivetranProperties() {
        if (aws == null) {
            aws = SecretsManagerStub.start();
            aws.putSecret("airbyte/api-credentials", "{\"client_id\":\"" + CLIENT_ID + "\",\"client_secret\":\""
                    + CLIENT_SECRET + "\",\"workspace_id\":\"w1\",\"api_url\":\"" + EMULATOR.selfManagedApiUrl() + "\"}");
            aws.putSecret("fivetran/api", "{\"api_key\":\"" + FIVETRAN_KEY + "\",\"api_secret\":\"" + FIVETRAN_SECRET + "\"}");
        }
        secret(ROTATED_CLIENT_SECRET);
        secret(ROTATED_FIVETRAN_SECRET);
        // an account given only as JVM system properties (-D), its API key too: no property file has it
        System.setProperty("airbyte.fromsysprops.base-url", EMULATOR.selfManagedApiUrl());
        System.setProperty("airbyte.fromsysprops.api-key", API_KEY);
        Properties p = new Properties();
        p.put("camel.vault.aws.access-key", "AKIASYNCRUNNERTEST");
        p.put("camel.vault.aws.secret-key", secret(AWS_SECRET_KEY));
        p.put("camel.vault.aws.region", "eu-west-1");
        p.put("camel.vault.aws.default-credentials-provider", "false");
        p.put("camel.vault.aws.override-endpoint", "true");
        p.put("camel.vault.aws.uri-endpoint-override", aws.endpoint());
        // AWS mode: everything from the secret airbyte/api-credentials, the base URL included
        p.put("airbyte.fromaws.base-url", "{{aws:airbyte/api-credentials#api_url}}");
        p.put("airbyte.fromaws.client-id", "{{aws:airbyte/api-credentials#client_id}}");
        p.put("airbyte.fromaws.client-secret", "{{aws:airbyte/api-credentials#client_secret}}");
        // env mode
        p.put("airbyte.fromenv.base-url", EMULATOR.selfManagedApiUrl());
        p.put("airbyte.fromenv.client-id", "{{env:SYNCRUNNER_TEST_CLIENT_ID}}");
        p.put("airbyte.fromenv.client-secret", "{{env:SYNCRUNNER_TEST_CLIENT_SECRET}}");
        // both mixed: the key from the environment, the secret from AWS
        p.put("fivetran.mixed.base-url", FIVETRAN.baseUrl());
        p.put("fivetran.mixed.api-key", "{{env:SYNCRUNNER_TEST_FIVETRAN_KEY}}");
        p.put("fivetran.mixed.api-secret", "{{aws:fivetran/api#api_secret}}");
        return p;
    }

    @AfterAll
    static void stopAws() {
        System.clearProperty("airbyte.fromsysprops.base-url");
        System.clearProperty("airbyte.fromsysprops.api-key");
        if (aws != null) {
            aws.close();
        }
        EMULATOR.addClientCredentials(CLIENT_ID, CLIENT_SECRET);
        FIVETRAN.addApiKey(FIVETRAN_KEY, FIVETRAN_SECRET);
    }


    @Test
    void shouldTakeEveryAirbyteSettingFromAwsSecretsManager() {
        JsonNode result = Json.parse(sync("account=fromaws&connectionId=" + connection("running:300ms,succeeded")
                + "&pollInterval=100ms"));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(aws.getCount("airbyte/api-credentials")).isPositive();
        assertThat(aws.lastAccessKeyId()).isEqualTo("AKIASYNCRUNNERTEST");
        assertThat(aws.lastRegion()).isEqualTo("eu-west-1");
    }

    @Test
    void shouldTakeCredentialsFromEnvironmentVariables() {
        JsonNode result = Json.parse(sync("account=fromenv&connectionId=" + connection("running:300ms,succeeded")
                + "&pollInterval=100ms"));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
    }

    @Test
    void shouldUseAnAccountAndItsApiKeyGivenOnlyAsSystemProperties() {
        long before = EMULATOR.requests().size();

        JsonNode result = Json.parse(sync("account=fromsysprops&connectionId=" + connection("running:300ms,succeeded")
                + "&pollInterval=100ms"));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        // the calls were authenticated with the key from -D (an unauthenticated call would have been answered 401)
        var calls = EMULATOR.requests().subList((int) before, EMULATOR.requests().size()).stream()
                .filter(r -> !r.apiPath().equals("/health")).toList();
        assertThat(calls).isNotEmpty().allSatisfy(r -> assertThat(r.auth()).isEqualTo(AuthKind.API_KEY));
    }

    @Test
    void shouldGiveAnAccountDefinedOnlyBySystemPropertiesAReadinessCheck() throws Exception {
        var answer = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url("/observe/health/ready")))
                .timeout(Duration.ofSeconds(10)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());

        JsonNode check = null;
        for (JsonNode c : Json.parse(answer.body()).path("checks")) {
            if (c.path("name").asText().equals("airbyte-account-fromsysprops")) {
                check = c;
            }
        }
        assertThat(check).as(answer.body()).isNotNull();
        assertThat(check.path("status").asText()).isEqualTo("UP");
        assertThat(check.path("message").asText()).startsWith("Airbyte account 'fromsysprops': the API at 127.0.0.1:"
                + java.net.URI.create(EMULATOR.baseUrl()).getPort());
    }

    @Test
    void shouldLetAValueGivenOnTheCommandLineWinOverTheSettingsFile() throws Exception {
        // the file says airbyte.default.base-url={{env:AIRBYTE_BASE_URL:https://api.airbyte.com/v1}}
        try (RunnerProcess runner = RunnerProcess.builder("command-line-settings")
                .arg("--airbyte.default.base-url=" + EMULATOR.selfManagedApiUrl())
                .arg("--airbyte.default.client-id=" + CLIENT_ID)
                .arg("--airbyte.default.client-secret=" + CLIENT_SECRET)
                .start()) {
            var answer = HTTP.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(runner.baseUrl() + "/observe/health/ready")).timeout(Duration.ofSeconds(10))
                    .GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());

            JsonNode check = null;
            for (JsonNode c : Json.parse(answer.body()).path("checks")) {
                if (c.path("name").asText().equals("airbyte-account-default")) {
                    check = c;
                }
            }
            assertThat(check).as(answer.body()).isNotNull();
            assertThat(check.path("message").asText()).startsWith("Airbyte account 'default': the API at 127.0.0.1:"
                    + java.net.URI.create(EMULATOR.baseUrl()).getPort() + " answered HTTP 200");
            assertThat(runner.log()).doesNotContain(CLIENT_SECRET);
        }
    }

    @Test
    void shouldMixEnvironmentAndAwsSecretsInOneAccount() {
        String id = add(connector("syncing:300ms,succeeded"));

        JsonNode result = Json.parse(fivetranSync("account=mixed&connectorId=" + id + "&pollInterval=100ms"));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(aws.getCount("fivetran/api")).isPositive();
    }

    @Test
    void shouldUseRotatedSecretsWithoutARestartAndWithoutFailingSyncsInFlight() throws Exception {
        String connectionId = connection("running:2500ms,succeeded");
        String connectorId = add(connector("syncing:2500ms,succeeded"));
        Future<String> airbyte = template.asyncRequestBody("kamelet:airbyte-sync?account=fromaws&connectionId="
                + connectionId + "&pollInterval=100ms", null, String.class);
        Future<String> fivetran = template.asyncRequestBody("kamelet:fivetran-sync?account=mixed&connectorId="
                + connectorId + "&pollInterval=100ms", null, String.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> EMULATOR.count("GET", ".*/jobs/\\d+") > 0
                && FIVETRAN.count("GET", ".*/connections/" + connectorId) > 1);
        int airbyteReadsBefore = aws.getCount("airbyte/api-credentials");
        int fivetranReadsBefore = aws.getCount("fivetran/api");

        // rotate: the secret store gets the new values, the providers stop accepting the old ones
        aws.putSecret("airbyte/api-credentials", "{\"client_id\":\"" + CLIENT_ID + "\",\"client_secret\":\""
                + ROTATED_CLIENT_SECRET + "\",\"api_url\":\"" + EMULATOR.selfManagedApiUrl() + "\"}");
        aws.putSecret("fivetran/api", "{\"api_key\":\"" + FIVETRAN_KEY + "\",\"api_secret\":\"" + ROTATED_FIVETRAN_SECRET + "\"}");
        EMULATOR.addClientCredentials(CLIENT_ID, ROTATED_CLIENT_SECRET);
        EMULATOR.revokeAllTokens();
        FIVETRAN.addApiKey(FIVETRAN_KEY, ROTATED_FIVETRAN_SECRET);

        assertThat(Json.parse(airbyte.get(30, TimeUnit.SECONDS)).path("status").asText()).isEqualTo("succeeded");
        assertThat(Json.parse(fivetran.get(30, TimeUnit.SECONDS)).path("status").asText()).isEqualTo("succeeded");
        assertThat(aws.getCount("airbyte/api-credentials")).as("the client secret was read again")
                .isGreaterThan(airbyteReadsBefore);
        assertThat(aws.getCount("fivetran/api")).as("the Fivetran secret was read again")
                .isGreaterThan(fivetranReadsBefore);
    }
}
