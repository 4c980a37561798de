package io.syncrunner.runs;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/** Who may read the status page, decided by {@link SyncApi#authorizeStatusPage} (no runner needed). */
class StatusPageAuthorizationTest {
    private static final String TOKEN = "test-status-token-Uf26Zo";
    private final DefaultCamelContext context = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        context.close();
    }

    private Exchange request(SyncApi api, String authorization) {
        Exchange ex = new DefaultExchange(context);
        if (authorization != null) {
            ex.getMessage().setHeader("Authorization", authorization);
        }
        api.authorizeStatusPage(ex);
        return ex;
    }

    @Test
    void shouldLeaveThePageOpenWhileNoTokenIsSet() {
        SyncApi api = new SyncApi(null, () -> "", Clock.systemUTC(), true);

        Exchange ex = request(api, null);

        assertThat(ex.getProperty(SyncApi.AUTHORIZED, Boolean.class)).isTrue();
        assertThat(ex.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isNull();
    }

    @Test
    void shouldLeaveThePageOpenWhenTheOptionIsOff() {
        SyncApi api = new SyncApi(null, () -> TOKEN, Clock.systemUTC(), false);

        assertThat(request(api, null).getProperty(SyncApi.AUTHORIZED, Boolean.class)).isTrue();
    }

    @Test
    void shouldAskForTheTokenOnceOneIsSet() {
        SyncApi api = new SyncApi(null, () -> TOKEN, Clock.systemUTC(), true);

        Exchange refused = request(api, null);
        assertThat(refused.getProperty(SyncApi.AUTHORIZED, Boolean.class)).isFalse();
        assertThat(refused.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(401);
        assertThat(refused.getMessage().getHeader("WWW-Authenticate", String.class)).startsWith("Basic ");
        assertThat(refused.getMessage().getBody(String.class)).doesNotContain(TOKEN);

        assertThat(request(api, "Bearer " + TOKEN).getProperty(SyncApi.AUTHORIZED, Boolean.class)).isTrue();
        assertThat(request(api, basic("x", TOKEN)).getProperty(SyncApi.AUTHORIZED, Boolean.class))
                .isTrue();
        assertThat(request(api, "Bearer ").getProperty(SyncApi.AUTHORIZED, Boolean.class)).isFalse();
        assertThat(request(api, basic("x", "")).getProperty(SyncApi.AUTHORIZED, Boolean.class))
                .isFalse();
        assertThat(request(api, "Basic eA==").getProperty(SyncApi.AUTHORIZED, Boolean.class))
                .as("no colon in the decoded pair").isFalse();
    }

    private static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
