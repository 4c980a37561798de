package io.syncrunner.observability;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static io.syncrunner.observability.ObservabilityHttp.check;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An account whose API cannot be reached makes the runner not ready, naming the account and the reason; the
 * runner stays alive, and the other accounts' checks stay UP.
 */
class UnreachableAccountHealthIT extends RunnerTestSupport {
    private static final int CLOSED = closedPort();
    private static final String FIVETRAN_SECRET = "unreachable-fivetran-secret-Qv72Ns";
    /**
     * Written into a base URL below. Not one of {@link #secrets()}: Camel's startup summary lists the override
     * properties, base URLs unmasked, so a credential in a URL reaches the log; what is tested here is that the
     * health check neither sends nor shows it.
     */
    private static final String URL_PASSWORD = "url-password-Tb61Xe";

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("airbyte.down.base-url", "http://127.0.0.1:" + CLOSED + "/api/public/v1");
        p.put("airbyte.down.auth", "none");
        // credentials written into a URL are neither sent nor shown
        p.put("fivetran.gone.base-url", "http://probe-user:" + URL_PASSWORD + "@127.0.0.1:" + CLOSED + "/?token="
                + URL_PASSWORD);
        p.put("fivetran.gone.api-key", "gone-key");
        p.put("fivetran.gone.api-secret", secret(FIVETRAN_SECRET));
        return p;
    }


    @Test
    void shouldBeNotReadyNamingTheUnreachableAccountsButStayAlive() {
        ObservabilityHttp http = new ObservabilityHttp(httpPort());

        HttpResponse<String> ready = http.get("/observe/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
        JsonNode r = Json.parse(ready.body());
        assertThat(r.path("status").asText()).isEqualTo("DOWN");
        JsonNode down = check(r, "airbyte-account-down");
        assertThat(down.path("status").asText()).isEqualTo("DOWN");
        assertThat(down.path("message").asText()).startsWith("Airbyte account 'down': the API at 127.0.0.1:" + CLOSED
                + " did not answer: connection refused");
        JsonNode gone = check(r, "fivetran-account-gone");
        assertThat(gone.path("status").asText()).isEqualTo("DOWN");
        assertThat(gone.path("message").asText()).startsWith("Fivetran account 'gone': the API at 127.0.0.1:" + CLOSED
                + " did not answer");
        assertThat(check(r, "airbyte-account-test").path("status").asText()).isEqualTo("UP");

        HttpResponse<String> live = http.get("/observe/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(Json.parse(live.body()).path("status").asText()).isEqualTo("UP");

        HttpResponse<String> all = http.get("/observe/health?exposureLevel=full&data=true&stackTrace=true");
        assertThat(all.statusCode()).isEqualTo(503);
        String shown = all.body() + ready.body() + http.metrics();
        for (String secret : secrets()) {
            assertThat(shown).doesNotContain(secret);
        }
        assertThat(shown).doesNotContain(URL_PASSWORD).doesNotContain("probe-user");
    }
}
