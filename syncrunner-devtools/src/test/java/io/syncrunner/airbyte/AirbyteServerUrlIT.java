package io.syncrunner.airbyte;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.auth.CredentialsRejectedException;
import io.syncrunner.devtools.emulator.AuthKind;
import io.syncrunner.devtools.emulator.FaultRule;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.support.ApiRejectedException;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Airbyte accounts configured the way users give the URL (docs/airbyte-urls.md), booted in the real runner
 * against the emulator, which serves the public API under /api/public/v1 (Airbyte Server) and /v1.
 */
class AirbyteServerUrlIT extends RunnerTestSupport {
    private static final String FAST = "&pollInterval=100ms";

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        // host and port only, as the seed integration page asks for it (with a trailing slash, as pasted)
        p.put("airbyte.bare.base-url", EMULATOR.baseUrl() + "/");
        p.put("airbyte.bare.client-id", CLIENT_ID);
        p.put("airbyte.bare.client-secret", CLIENT_SECRET);
        p.put("airbyte.bare.use-server-auth", "TRUE");
        // the same, only for the log test (log lines are collected JVM-wide: the name is this class's own)
        p.put("airbyte.logged-once.base-url", EMULATOR.baseUrl());
        p.put("airbyte.logged-once.client-id", CLIENT_ID);
        p.put("airbyte.logged-once.client-secret", CLIENT_SECRET);
        // a path Airbyte does not serve: the token endpoint answers 404
        p.put("airbyte.wrongpath.base-url", EMULATOR.baseUrl() + "/api");
        p.put("airbyte.wrongpath.client-id", CLIENT_ID);
        p.put("airbyte.wrongpath.client-secret", CLIENT_SECRET);
        // the same with basic auth: the trigger answers 404
        p.put("airbyte.nopath.base-url", EMULATOR.baseUrl() + "/api/public");
        p.put("airbyte.nopath.username", "airbyte");
        p.put("airbyte.nopath.password", BASIC_PASSWORD);
        // the alias host, with auth spelled as AIRBYTE_AUTH_TYPE spells it; a client id is set too
        p.put("airbyte.aliased.host", EMULATOR.baseUrl());
        p.put("airbyte.aliased.auth", "basic");
        p.put("airbyte.aliased.client-id", "not-used");
        p.put("airbyte.aliased.username", "airbyte");
        p.put("airbyte.aliased.password", BASIC_PASSWORD);
        return p;
    }

    @Test
    void shouldSyncAgainstTheServerPathWhenGivenHostAndPortOnly() {
        String id = connection("pending:100ms,running:200ms,succeeded");
        int before = EMULATOR.requests().size();

        JsonNode result = Json.parse(sync("account=bare&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        List<RecordedRequest> calls = EMULATOR.requests().subList(before, EMULATOR.requests().size());
        assertThat(calls).filteredOn(r -> !r.isTokenRequest()).isNotEmpty()
                .allMatch(r -> r.path().startsWith("/api/public/v1/jobs"), "every call under /api/public/v1")
                .allMatch(r -> r.auth() == AuthKind.BEARER_TOKEN, "with a token");
        assertThat(EMULATOR.requests()).anyMatch(r -> r.isTokenRequest()
                && r.path().equals("/api/public/v1/applications/token"));
        assertThat(EMULATOR.triggerCount(id)).isEqualTo(1);
    }

    @Test
    void shouldLogTheUrlsDerivedForAnAccountOnce() {
        sync("account=logged-once&connectionId=" + connection("running:100ms,succeeded") + FAST);
        sync("account=logged-once&connectionId=" + connection("running:100ms,succeeded") + FAST);

        List<String> lines = LogCapture.lines().stream()
                .filter(l -> l.contains("Airbyte account 'logged-once': API base")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("API base " + EMULATOR.baseUrl() + "/api/public/v1 (from"
                        + " airbyte.logged-once.base-url=" + EMULATOR.baseUrl() + ", host and port only: Airbyte Server"
                        + " serves its public API under /api/public/v1)")
                .contains("client-credentials auth")
                .contains("token URL " + EMULATOR.baseUrl() + "/api/public/v1/applications/token");
    }

    @Test
    void shouldNameTheUrlAndTheServerPathWhenTheTokenEndpointAnswers404() {
        String id = connection("running:100ms,succeeded");

        Throwable e = syncFailure("account=wrongpath&connectionId=" + id + FAST);

        assertThat(e).isInstanceOf(CredentialsRejectedException.class)
                .hasMessageContaining("Airbyte account 'wrongpath'")
                .hasMessageContaining("POST " + EMULATOR.baseUrl() + "/api/applications/token answered 404: Airbyte"
                        + " Server serves its public API under /api/public/v1 (set airbyte.wrongpath.base-url="
                        + EMULATOR.baseUrl() + "/api/public/v1, or give host and port only)")
                .hasMessageNotContaining("secret is wrong")
                .hasMessageNotContaining(CLIENT_SECRET);
        assertThat(EMULATOR.triggerCount(id)).isZero();
    }

    @Test
    void shouldNameTheUrlAndTheServerPathWhenAJobEndpointAnswers404() {
        String id = connection("running:100ms,succeeded");

        Throwable e = syncFailure("account=nopath&connectionId=" + id + FAST);

        assertThat(e).isInstanceOf(ApiRejectedException.class)
                .hasMessageContaining("trigger a sync of connection " + id)
                .hasMessageContaining("POST " + EMULATOR.baseUrl() + "/api/public/jobs answered 404: Airbyte Server"
                        + " serves its public API under /api/public/v1 (set airbyte.nopath.base-url=" + EMULATOR.baseUrl()
                        + "/api/public/v1, or give host and port only)");
        assertThat(EMULATOR.triggerCount(id)).isZero();
    }

    @Test
    void shouldAddNothingToA404AboutTheJobUnderTheRightPath() {
        String id = connection("running:100ms,succeeded");
        EMULATOR.faults().add(FaultRule.on("POST", "/jobs").times(1).respond(404));

        Throwable e = syncFailure("account=bare&connectionId=" + id + FAST);

        assertThat(e).hasMessageContaining("answered 404").hasMessageNotContaining("serves its public API");
    }

    @Test
    void shouldTakeTheUrlFromTheHostAliasAndTheAuthModeAsAirbyteAuthTypeSpellsIt() {
        String id = connection("pending:100ms,running:200ms,succeeded");
        int before = EMULATOR.requests().size();

        JsonNode result = Json.parse(sync("account=aliased&connectionId=" + id + FAST));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        List<RecordedRequest> calls = EMULATOR.requests().subList(before, EMULATOR.requests().size());
        assertThat(calls).isNotEmpty().noneMatch(RecordedRequest::isTokenRequest)
                .allMatch(r -> r.auth() == AuthKind.BASIC, "basic auth, although a client id is set")
                .allMatch(r -> r.path().startsWith("/api/public/v1/"), "under /api/public/v1");
    }

    @Test
    void shouldTellWhereAnAccountsApiIsWithoutItsCredentials() {
        AirbyteAccounts accounts = context.getRegistry().lookupByNameAndType("airbyteAccounts", AirbyteAccounts.class);

        assertThat(accounts.baseUrl("bare")).isEqualTo(EMULATOR.baseUrl() + "/api/public/v1");
        assertThat(accounts.baseUrl("aliased")).isEqualTo(EMULATOR.baseUrl() + "/api/public/v1");
        assertThat(accounts.baseUrl("wrongpath")).isEqualTo(EMULATOR.baseUrl() + "/api");
    }

    @Test
    void shouldRejectABaseUrlThatIsNotAUrlNamingTheProperty() {
        context.getPropertiesComponent().addOverrideProperty("airbyte.hostonly.base-url", "airbyte.internal:8000");
        String id = connection("running:100ms,succeeded");

        Throwable e = syncFailure("account=hostonly&connectionId=" + id);

        assertThat(e).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("airbyte.hostonly.base-url='airbyte.internal:8000' is not an Airbyte URL"
                        + " (it has no http:// or https://)");
        assertThat(EMULATOR.triggerCount(id)).isZero();
    }
}
