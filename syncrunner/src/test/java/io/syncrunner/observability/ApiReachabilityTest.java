package io.syncrunner.observability;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ApiReachabilityTest {

    @Test
    void shouldDropUserInfoQueryAndFragmentFromTheUrlItUsesAndShows() {
        assertThat(ApiReachability.safeUrl("https://user:s3cret@api.example.com:8443/api/public/v1?key=s3cret#x"))
                .isEqualTo("https://api.example.com:8443/api/public/v1");
        assertThat(ApiReachability.safeUrl("https://api.fivetran.com")).isEqualTo("https://api.fivetran.com");
        assertThat(ApiReachability.safeUrl("not a url with s3cret")).isEqualTo("(not a URL)");
        assertThat(ApiReachability.where("https://api.example.com:8443/v1")).isEqualTo("api.example.com:8443");
        assertThat(ApiReachability.where("https://api.fivetran.com/v1")).isEqualTo("api.fivetran.com");
    }

    @Test
    void shouldKeepMessagesFitForJson() {
        assertThat(ApiReachability.clean("a \"b\" \\ c\nd")).isEqualTo("a 'b' / c d");
    }

    @Test
    void shouldReportAClosedPortAsUnreachableWithTheReason() {
        int closed;
        try (var s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        ApiReachability r = new ApiReachability(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(5));
        ApiReachability.Result result = r.check("a", "http://127.0.0.1:" + closed + "/health");
        assertThat(result.reachable()).isFalse();
        assertThat(result.detail()).isEqualTo("the API at 127.0.0.1:" + closed
                + " did not answer: connection refused or failed");
        assertThat(r.check("a", "http://127.0.0.1:" + closed + "/health")).as("cached").isSameAs(result);
    }
}
