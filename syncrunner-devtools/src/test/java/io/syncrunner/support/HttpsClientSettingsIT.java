package io.syncrunner.support;

import io.syncrunner.testsupport.RunnerTestSupport;
import org.apache.camel.component.http.HttpComponent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every vendor API is called on an https:// URL, which camel-http serves with a second component, "https": it must
 * carry the same settings as "http" (no hidden retries of its own, the same timeouts and pool), or a real API call
 * could be retried behind the error handlers' back or hang without a timeout.
 */
class HttpsClientSettingsIT extends RunnerTestSupport {

    @Test
    void shouldGiveHttpsUrlsTheSameRetriesTimeoutsAndPoolAsHttpOnes() {
        HttpComponent http = context.getComponent("http", HttpComponent.class);
        HttpComponent https = context.getComponent("https", HttpComponent.class);

        assertThat(https).isNotSameAs(http);
        assertThat(http.isAutomaticRetriesDisabled()).isTrue();
        assertThat(https.isAutomaticRetriesDisabled()).as("automatic retries off for https too").isTrue();
        assertThat(https.getConnectTimeout()).isEqualTo(http.getConnectTimeout());
        assertThat(https.getConnectionRequestTimeout()).isEqualTo(http.getConnectionRequestTimeout());
        assertThat(https.getResponseTimeout()).isEqualTo(http.getResponseTimeout());
        assertThat(https.getSoTimeout()).isEqualTo(http.getSoTimeout());
        assertThat(https.getMaxTotalConnections()).isEqualTo(http.getMaxTotalConnections());
        assertThat(https.getConnectionsPerRoute()).isEqualTo(http.getConnectionsPerRoute());
        assertThat(String.valueOf(https.getResponseTimeout())).contains("60");
    }
}
