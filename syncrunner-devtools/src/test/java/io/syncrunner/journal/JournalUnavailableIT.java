package io.syncrunner.journal;

import com.zaxxer.hikari.HikariDataSource;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.RunnerTestSupport;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** A request that cannot be written to the run journal is refused, and nothing runs. */
class JournalUnavailableIT extends RunnerTestSupport {
    private static final String TOKEN = "journal-api-token-Rt52Nd";

    @Override
    protected String apiToken() {
        return TOKEN;
    }

    @Test
    void shouldRefuseASyncRequestWith503AndStartNothingWhenTheJournalIsUnavailable() throws Exception {
        String id = connection("running:200ms,succeeded");
        context.getRegistry().lookupByNameAndType("journalDataSource", HikariDataSource.class).close();

        HttpResponse<String> r = postSync("{\"provider\":\"airbyte\",\"account\":\"test\",\"connectionId\":\""
                + id + "\"}", TOKEN, "application/json");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(Json.parse(r.body()).path("error").asText())
                .isEqualTo("The request was not accepted (nothing will run): the run journal is unavailable;"
                        + " send it again later");
        assertThat(EMULATOR.triggerCount(id)).isZero();
    }
}
