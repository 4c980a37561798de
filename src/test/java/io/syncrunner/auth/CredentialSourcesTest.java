package io.syncrunner.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
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
class CredentialSourcesTest extends FivetranTestSupport {
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
