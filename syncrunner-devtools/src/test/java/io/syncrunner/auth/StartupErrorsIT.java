package io.syncrunner.auth;

import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.SecretsManagerStub;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A setting that cannot be resolved stops the runner at startup with a message that names the account, the
 * property and where its value was looked for, and never shows a value.
 */
class StartupErrorsIT {
    private static final String PLAIN_SECRET_VALUE = "plain-text-secret-Rv84Nq";
    private static SecretsManagerStub aws;

    @BeforeAll
    static void startAws() {
        LogCapture.registerSecrets(java.util.List.of(PLAIN_SECRET_VALUE));
        aws = SecretsManagerStub.start();
        aws.putSecret("airbyte/plain", PLAIN_SECRET_VALUE);
        aws.putSecret("airbyte/partial", "{\"client_id\":\"someone\"}");
    }

    @AfterAll
    static void stopAws() {
        aws.close();
        assertThat(LogCapture.linesContainingAny(java.util.List.of(PLAIN_SECRET_VALUE))).isEmpty();
    }

    private static String startupFailure(Map<String, String> properties) {
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:config/application.properties");
        main.addOverrideProperty("example.workflow.enabled", "false");
        main.addOverrideProperty("camel.main.routes-reload-enabled", "false");
        main.addOverrideProperty("camel.server.port", "0");
        main.addOverrideProperty("camel.vault.aws.access-key", "AKIASYNCRUNNERTEST");
        main.addOverrideProperty("camel.vault.aws.secret-key", "stub-aws-secret-key");
        main.addOverrideProperty("camel.vault.aws.default-credentials-provider", "false");
        main.addOverrideProperty("camel.vault.aws.override-endpoint", "true");
        main.addOverrideProperty("camel.vault.aws.uri-endpoint-override", aws.endpoint());
        properties.forEach(main::addOverrideProperty);
        try {
            main.start();
            return null;
        } catch (Exception e) {
            StringBuilder all = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                all.append(t.getMessage()).append('\n');
            }
            return all.toString();
        } finally {
            try {
                main.stop();
            } catch (Exception ignored) {
                // it did not start
            }
        }
    }

    @Test
    void shouldNameAMissingEnvironmentVariable() {
        String message = startupFailure(Map.of("airbyte.broken.base-url", "http://127.0.0.1:1/v1",
                "airbyte.broken.client-id", "someone",
                "airbyte.broken.client-secret", "{{env:SYNCRUNNER_NOT_SET_ANYWHERE}}"));

        assertThat(message).isNotNull().contains("Airbyte account 'broken'")
                .contains("airbyte.broken.client-secret").contains("environment variable SYNCRUNNER_NOT_SET_ANYWHERE")
                .contains("not set");
    }

    @Test
    void shouldNameAMissingSecret() {
        String message = startupFailure(Map.of("fivetran.broken.api-key", "key",
                "fivetran.broken.api-secret", "{{aws:fivetran/does-not-exist#api_secret}}"));

        assertThat(message).isNotNull().contains("Fivetran account 'broken'").contains("fivetran.broken.api-secret")
                .contains("AWS Secrets Manager secret 'fivetran/does-not-exist'").contains("not found");
    }

    @Test
    void shouldSayASecretIsNotJsonWithoutShowingIt() {
        String message = startupFailure(Map.of("airbyte.broken.base-url", "http://127.0.0.1:1/v1",
                "airbyte.broken.client-id", "someone",
                "airbyte.broken.client-secret", "{{aws:airbyte/plain#client_secret}}"));

        assertThat(message).isNotNull().contains("airbyte.broken.client-secret")
                .contains("secret 'airbyte/plain'").contains("not a JSON object").doesNotContain(PLAIN_SECRET_VALUE);
    }

    @Test
    void shouldNameAFieldTheSecretLacks() {
        String message = startupFailure(Map.of("airbyte.broken.base-url", "http://127.0.0.1:1/v1",
                "airbyte.broken.client-id", "{{aws:airbyte/partial#client_id}}",
                "airbyte.broken.client-secret", "{{aws:airbyte/partial#client_secret}}"));

        assertThat(message).isNotNull().contains("airbyte.broken.client-secret")
                .contains("field 'client_secret'").contains("secret 'airbyte/partial'");
    }

    @Test
    void shouldListEveryProblemAtOnce() {
        String message = startupFailure(Map.of("airbyte.one.base-url", "http://127.0.0.1:1/v1",
                "airbyte.one.username", "airbyte", "airbyte.one.password", "{{env:SYNCRUNNER_NOT_SET_1}}",
                "fivetran.two.api-key", "{{env:SYNCRUNNER_NOT_SET_2}}", "fivetran.two.api-secret", "x"));

        assertThat(message).isNotNull().contains("2 account setting(s)").contains("SYNCRUNNER_NOT_SET_1")
                .contains("SYNCRUNNER_NOT_SET_2");
    }

    @Test
    void shouldCheckAnAccountDefinedOnlyBySystemPropertiesAtStartup() {
        System.setProperty("airbyte.sysprops.base-url", "http://127.0.0.1:1/v1");
        System.setProperty("airbyte.sysprops.client-id", "someone");
        System.setProperty("airbyte.sysprops.client-secret", "{{env:SYNCRUNNER_NOT_SET_FOR_SYSPROPS}}");
        try {
            String message = startupFailure(Map.of());

            assertThat(message).isNotNull().contains("Airbyte account 'sysprops'")
                    .contains("airbyte.sysprops.client-secret")
                    .contains("environment variable SYNCRUNNER_NOT_SET_FOR_SYSPROPS");
        } finally {
            System.clearProperty("airbyte.sysprops.base-url");
            System.clearProperty("airbyte.sysprops.client-id");
            System.clearProperty("airbyte.sysprops.client-secret");
        }
    }

    @Test
    void shouldReleaseTheHttpPortOfAStartItRefused() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String message = startupFailure(Map.of("camel.server.port", String.valueOf(port),
                "airbyte.broken.base-url", "http://127.0.0.1:1/v1", "airbyte.broken.client-id", "someone",
                "airbyte.broken.client-secret", "{{env:SYNCRUNNER_NOT_SET_ANYWHERE}}"));
        assertThat(message).isNotNull().contains("Airbyte account 'broken'");

        // the HTTP server had started before the check refused the start: it is closed again (with its vert.x,
        // the Quartz scheduler and the journal's pool; LeftoversCheck checks the threads of this class)
        try (ServerSocket again = new ServerSocket()) {
            again.setReuseAddress(true); // as vert.x binds
            again.bind(new InetSocketAddress("0.0.0.0", port));
        }
    }

    @Test
    void shouldStartWhenEverySettingResolves() {
        assertThat(startupFailure(Map.of("airbyte.fine.base-url", "http://127.0.0.1:1/v1",
                "airbyte.fine.client-id", "{{env:SYNCRUNNER_TEST_CLIENT_ID}}",
                "airbyte.fine.client-secret", "{{env:SYNCRUNNER_TEST_CLIENT_SECRET}}"))).isNull();
    }
}
