package io.syncrunner.observability;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AuthKind;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Properties;

import static io.syncrunner.observability.ObservabilityHttp.check;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code syncrunner.health.authenticated=true} the readiness check of an account is the authenticated read
 * of the {@code check} command: a wrong Fivetran secret makes the runner not ready, naming the fix and not the
 * secret; the accounts with good credentials stay UP; results are reused, not fetched on every probe.
 */
class AuthenticatedReadinessIT extends FivetranTestSupport {
    private static final String WRONG_SECRET = "wrong-readiness-secret-Mf28Kd";

    @Override
    protected Properties fivetranProperties() {
        Properties p = new Properties();
        p.put("syncrunner.health.authenticated", "true");
        p.put("fivetran.wrong.base-url", FIVETRAN.baseUrl());
        p.put("fivetran.wrong.api-key", FIVETRAN_KEY);
        p.put("fivetran.wrong.api-secret", secret(WRONG_SECRET));
        return p;
    }

    @Test
    void shouldBeNotReadyWhenAFivetranSecretIsWrongNamingTheFixButNotTheSecret() {
        ObservabilityHttp http = new ObservabilityHttp(httpPort());

        HttpResponse<String> ready = http.get("/observe/health/ready");

        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
        JsonNode r = Json.parse(ready.body());
        JsonNode wrong = check(r, "fivetran-account-wrong");
        assertThat(wrong.path("status").asText()).isEqualTo("DOWN");
        assertThat(wrong.path("message").asText()).isEqualTo("Fivetran account 'wrong': the API answered 401 to GET "
                + java.net.URI.create(FIVETRAN.baseUrl()).getAuthority() + ": check fivetran.wrong.api-key and api-secret");
        assertThat(check(r, "fivetran-account-test").path("status").asText()).isEqualTo("UP");
        JsonNode airbyte = check(r, "airbyte-account-test");
        assertThat(airbyte.path("status").asText()).isEqualTo("UP");
        assertThat(airbyte.path("message").asText()).startsWith("Airbyte account 'test': GET 127.0.0.1:")
                .contains(" answered 200 in ");
        // authenticated reads, not the unauthenticated /health probe
        assertThat(EMULATOR.requests()).filteredOn(q -> q.apiPath().equals("/workspaces"))
                .extracting(RecordedRequest::auth).contains(AuthKind.BEARER_TOKEN);
        assertThat(http.get("/observe/health/live").statusCode()).isEqualTo(200);
        String shown = ready.body() + http.get("/observe/health?exposureLevel=full&data=true").body();
        for (String secret : secrets()) {
            assertThat(shown).doesNotContain(secret);
        }
    }

    @Test
    void shouldReuseAnAuthenticatedResultInsteadOfReadingOnEveryProbe() {
        ObservabilityHttp http = new ObservabilityHttp(httpPort());
        http.get("/observe/health/ready");
        long before = FIVETRAN.count("GET", ".*/account/info");

        for (int i = 0; i < 5; i++) {
            http.get("/observe/health/ready");
        }

        // kept for syncrunner.health.authenticated-cache (60 s): none of the five probes read again
        assertThat(FIVETRAN.count("GET", ".*/account/info") - before).isZero();
    }
}
