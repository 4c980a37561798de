package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.auth.CredentialsRejectedException;
import io.syncrunner.auth.TokenCache;
import io.syncrunner.devtools.emulator.AuthKind;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Each Airbyte deployment's way of authenticating, and the token cache, against the emulator. */
class AirbyteAuthIT extends RunnerTestSupport {
    private static final String FAST = "&pollInterval=100ms";
    private static final String WRONG_SECRET = "wrong-secret-Qp72Vn";

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        // Airbyte Cloud shape: https://api.airbyte.com/v1 + /applications/token
        p.put("airbyte.cloud.base-url", EMULATOR.cloudApiUrl());
        p.put("airbyte.cloud.client-id", CLIENT_ID);
        p.put("airbyte.cloud.client-secret", CLIENT_SECRET);
        // Self-Managed Enterprise: token from <webapp>/api/v1/applications/token (no expires_in)
        p.put("airbyte.sme.base-url", EMULATOR.selfManagedApiUrl());
        p.put("airbyte.sme.token-url", EMULATOR.baseUrl() + "/api/v1/applications/token");
        p.put("airbyte.sme.client-id", CLIENT_ID);
        p.put("airbyte.sme.client-secret", CLIENT_SECRET);
        // Server before v0.59: standalone API server, HTTP basic
        p.put("airbyte.legacy.base-url", EMULATOR.cloudApiUrl());
        p.put("airbyte.legacy.username", "airbyte");
        p.put("airbyte.legacy.password", BASIC_PASSWORD);
        // static API key
        p.put("airbyte.keyed.base-url", EMULATOR.selfManagedApiUrl());
        p.put("airbyte.keyed.api-key", API_KEY);
        // no auth
        p.put("airbyte.open.base-url", EMULATOR.selfManagedApiUrl());
        p.put("airbyte.open.auth", "none");
        // the environment variable names other Airbyte tools use (see config/application.properties)
        p.put("airbyte.envstyle.base-url", EMULATOR.selfManagedApiUrl());
        p.put("airbyte.envstyle.client-id", CLIENT_ID);
        p.put("airbyte.envstyle.client-secret", CLIENT_SECRET);
        p.put("airbyte.envstyle.use-server-auth", "TRUE");
        // wrong secret
        p.put("airbyte.wrong.base-url", EMULATOR.selfManagedApiUrl());
        p.put("airbyte.wrong.client-id", "unknown-client");
        p.put("airbyte.wrong.client-secret", secret(WRONG_SECRET));
        return p;
    }


    @AfterEach
    void restoreEmulator() {
        EMULATOR.setTokenTtl(Duration.ofMinutes(3));
        EMULATOR.setRequireAuth(true);
        // tests revoke and shorten tokens: start each one with an empty cache
        context.getRegistry().lookupByNameAndType("tokenCache", TokenCache.class).clear();
    }

    @Test
    void shouldUseClientCredentialsTokensOnAirbyteCloudStyleAccounts() {
        assertSyncUsed("cloud", AuthKind.BEARER_TOKEN, "/v1/applications/token");
    }

    @Test
    void shouldUseClientCredentialsTokensOnSelfHostedServerAccounts() {
        assertSyncUsed("test", AuthKind.BEARER_TOKEN, "/api/public/v1/applications/token");
    }

    @Test
    void shouldTakeEnterpriseTokensFromTheWebappTokenUrlEvenWithoutExpiresIn() {
        assertSyncUsed("sme", AuthKind.BEARER_TOKEN, "/api/v1/applications/token");
    }

    @Test
    void shouldUseHttpBasicOnLegacyServers() {
        assertSyncUsed("legacy", AuthKind.BASIC, null);
    }

    @Test
    void shouldSendAStaticApiKeyAsBearer() {
        assertSyncUsed("keyed", AuthKind.API_KEY, null);
    }

    @Test
    void shouldSendNoCredentialsWhenAuthIsNone() {
        EMULATOR.setRequireAuth(false);
        assertSyncUsed("open", AuthKind.NONE, null);
    }

    @Test
    void shouldTakeTokensFromTheServerWhenUseServerAuthIsTrue() {
        assertSyncUsed("envstyle", AuthKind.BEARER_TOKEN, "/api/public/v1/applications/token");
    }

    @Test
    void shouldFetchOneTokenForManyPolls() {
        long tokensBefore = EMULATOR.tokenRequests();
        String id = connection("running:1500ms,succeeded");

        JsonNode result = Json.parse(sync("account=cloud&connectionId=" + id + "&pollInterval=50ms"));

        long polls = EMULATOR.count("GET", ".*/jobs/" + result.path("jobId").asLong());
        assertThat(polls).isGreaterThanOrEqualTo(10);
        assertThat(EMULATOR.tokenRequests() - tokensBefore).as("token requests").isLessThanOrEqualTo(1);
        // one more sync of the same account still needs no new token
        Json.parse(sync("account=cloud&connectionId=" + connection("running:200ms,succeeded") + FAST));
        assertThat(EMULATOR.tokenRequests() - tokensBefore).isLessThanOrEqualTo(1);
    }

    @Test
    void shouldRefreshTheTokenBeforeItExpires() {
        EMULATOR.setTokenTtl(Duration.ofSeconds(1));
        String id = connection("running:3s,succeeded");
        long tokensBefore = EMULATOR.tokenRequests();
        int requestsBefore = EMULATOR.requests().size();

        JsonNode result = Json.parse(sync("account=cloud&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        long tokens = EMULATOR.tokenRequests() - tokensBefore;
        assertThat(tokens).as("tokens for a 3 s sync with 1 s tokens").isBetween(3L, 6L);
        List<RecordedRequest> mine = EMULATOR.requests().subList(requestsBefore, EMULATOR.requests().size());
        assertThat(mine).noneMatch(r -> r.status() == 401);
    }

    @Test
    void shouldRefreshOnceAndRepeatTheCallWhenAirbyteRejectsTheToken() throws Exception {
        String id = connection("running:1500ms,succeeded");
        Json.parse(sync("account=test&connectionId=" + connection("running:100ms,succeeded") + FAST)); // warm token
        long tokensBefore = EMULATOR.tokenRequests();
        int requestsBefore = EMULATOR.requests().size();

        Future<String> running = template.asyncRequestBody("kamelet:airbyte-sync?account=test&connectionId=" + id + FAST,
                null, String.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> EMULATOR.requests().subList(requestsBefore,
                EMULATOR.requests().size()).stream().filter(r -> r.method().equals("GET")).count() >= 2);
        EMULATOR.revokeAllTokens();
        JsonNode result = Json.parse(running.get(20, TimeUnit.SECONDS));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        List<RecordedRequest> mine = EMULATOR.requests().subList(requestsBefore, EMULATOR.requests().size());
        assertThat(mine.stream().filter(r -> r.status() == 401)).as("calls refused").hasSize(1);
        assertThat(EMULATOR.tokenRequests() - tokensBefore).as("new tokens").isEqualTo(1);
    }

    @Test
    void shouldFailClearlyWhenTheClientSecretIsWrongAndNeverShowIt() {
        String id = connection("running:100ms,succeeded");

        Throwable e = syncFailure("account=wrong&connectionId=" + id + FAST);

        assertThat(e).isInstanceOf(CredentialsRejectedException.class)
                .hasMessageContaining("Airbyte account 'wrong'").hasMessageContaining("/applications/token")
                .hasMessageContaining("401").hasMessageNotContaining(WRONG_SECRET);
        assertThat(EMULATOR.triggerCount(id)).isZero();
    }

    @Test
    void shouldFailClearlyWhenTheServerWantsCredentialsTheAccountHasNot() {
        String id = connection("running:100ms,succeeded");

        Throwable e = syncFailure("account=open&connectionId=" + id + FAST);

        assertThat(e).hasMessageContaining("401").hasMessageContaining("trigger a sync of connection " + id);
    }

    @Test
    void shouldExplainAMissingCredentialProperty() {
        context.getPropertiesComponent().addOverrideProperty("airbyte.half.base-url", EMULATOR.cloudApiUrl());
        context.getPropertiesComponent().addOverrideProperty("airbyte.half.client-id", "someone");

        Throwable e = syncFailure("account=half&connectionId=" + connection("running:100ms,succeeded"));

        assertThat(e).hasMessageContaining("Airbyte account 'half' uses client-credentials auth")
                .hasMessageContaining("airbyte.half.client-secret is not set");
    }

    private void assertSyncUsed(String account, AuthKind kind, String tokenPath) {
        String id = connection("pending:100ms,running:200ms,succeeded");
        int before = EMULATOR.requests().size();

        JsonNode result = Json.parse(sync("account=" + account + "&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        List<RecordedRequest> calls = EMULATOR.requests().subList(before, EMULATOR.requests().size());
        assertThat(calls.stream().filter(r -> !r.isTokenRequest())).isNotEmpty()
                .allMatch(r -> r.auth() == kind, "every API call authenticated with " + kind);
        if (tokenPath != null) {
            assertThat(EMULATOR.requests()).anyMatch(r -> r.isTokenRequest() && r.path().equals(tokenPath));
        } else {
            assertThat(calls).noneMatch(RecordedRequest::isTokenRequest);
        }
    }
}
