package io.syncrunner.airbyte;

import io.syncrunner.support.ApiErrorHint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The API base and token URL of an Airbyte account, from the URL as users give it (docs/airbyte-urls.md). */
class AirbyteUrlsTest {
    private static final String PROPERTY = "airbyte.onprem.base-url";

    @ParameterizedTest
    @CsvSource({
            "http://airbyte.internal:8000,     http://airbyte.internal:8000/api/public/v1",
            "https://airbyte.internal:8001,    https://airbyte.internal:8001/api/public/v1",
            "http://airbyte.internal:8006,     http://airbyte.internal:8006/v1",
            "http://airbyte.internal:9090,     http://airbyte.internal:9090/api/public/v1",
            "https://airbyte.example.com,      https://airbyte.example.com/api/public/v1",
            "http://10.0.0.7:8000/,            http://10.0.0.7:8000/api/public/v1",
            "http://10.0.0.7:8006//,           http://10.0.0.7:8006/v1",
            "'  http://airbyte.internal:8000 ', http://airbyte.internal:8000/api/public/v1",
    })
    void shouldAddTheApiPathToAServerGivenByHostAndPortOnly(String given, String expected) {
        AirbyteUrls.ApiBase base = AirbyteUrls.apiBase(given, PROPERTY);

        assertThat(base.url()).isEqualTo(expected);
        assertThat(base.derived()).as("why the path was added").isNotBlank();
    }

    @Test
    void shouldSayWhichServerThePathWasChosenFor() {
        assertThat(AirbyteUrls.apiBase("http://h:8000", PROPERTY).derived())
                .isEqualTo("Airbyte Server serves its public API under /api/public/v1");
        assertThat(AirbyteUrls.apiBase("http://h:8006", PROPERTY).derived()).contains("port 8006")
                .contains("standalone API server").endsWith("under /v1");
    }

    @ParameterizedTest
    @CsvSource({
            "http://airbyte.internal:8000/api/public/v1,   http://airbyte.internal:8000/api/public/v1",
            "http://airbyte.internal:8000/api/public/v1/,  http://airbyte.internal:8000/api/public/v1",
            "http://airbyte.internal:8000/api/public/v1//, http://airbyte.internal:8000/api/public/v1",
            "http://airbyte.internal:8006/v1,              http://airbyte.internal:8006/v1",
            "https://proxy.example.com/airbyte/api/public/v1, https://proxy.example.com/airbyte/api/public/v1",
            "http://airbyte.internal:8000/api/v1,          http://airbyte.internal:8000/api/v1",
    })
    void shouldKeepAUrlWithAPathAsGiven(String given, String expected) {
        AirbyteUrls.ApiBase base = AirbyteUrls.apiBase(given, PROPERTY);

        assertThat(base.url()).isEqualTo(expected);
        assertThat(base.derived()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://api.airbyte.com", "https://api.airbyte.com/", "https://api.airbyte.com/v1",
            "https://api.airbyte.com/v1/", "https://API.airbyte.com"})
    void shouldUseV1OnAirbyteCloudWithOrWithoutIt(String given) {
        assertThat(AirbyteUrls.apiBase(given, PROPERTY).url()).isEqualToIgnoringCase("https://api.airbyte.com/v1");
    }

    @ParameterizedTest
    @CsvSource({
            "http://gateway.internal:9000,  /,              http://gateway.internal:9000",
            "http://gateway.internal:9000/, /airbyte/api/,  http://gateway.internal:9000/airbyte/api",
            "http://gateway.internal:8006,  api/public/v1,  http://gateway.internal:8006/api/public/v1",
            "http://gateway.internal:9000/v1, /other,       http://gateway.internal:9000/v1",
    })
    void shouldAddTheApiPathTheUserSetToHostAndPortOnly(String given, String apiPath, String expected) {
        assertThat(AirbyteUrls.apiBase(given, PROPERTY, Optional.of(apiPath)).url()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "airbyte.internal:8000 | it has no http:// or https://",
            "localhost             | it has no http:// or https://",
            "ftp://airbyte.internal:8000 | use http or https",
            "http:///api/public/v1 | it has no host",
            "http://               | ''",
            "http://bad host:8000  | ''",
    })
    void shouldRejectWhatIsNotAUrlNamingTheProperty(String given, String why) {
        assertThatThrownBy(() -> AirbyteUrls.apiBase(given, PROPERTY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(PROPERTY + "='" + given.trim() + "' is not an Airbyte URL")
                .hasMessageContaining(why)
                .hasMessageContaining("e.g. http://airbyte.internal:8000");
    }

    @Test
    void shouldRejectAnEmptyUrl() {
        assertThatThrownBy(() -> AirbyteUrls.apiBase("  ", PROPERTY)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(PROPERTY + "='' is not an Airbyte URL");
    }

    @Test
    void shouldNotRepeatUserInfoOfAUrlThatIsRejected() {
        assertThatThrownBy(() -> AirbyteUrls.apiBase("ftp://airbyte:s3cret-Pw@host:8000", PROPERTY))
                .hasMessageNotContaining("s3cret-Pw").hasMessageContaining("ftp://host:8000");
    }

    @Test
    void shouldDeriveTheTokenUrlFromTheBase() {
        assertThat(AirbyteUrls.defaultTokenUrl("http://h:8000/api/public/v1", Optional.empty()))
                .isEqualTo("http://h:8000/api/public/v1/applications/token");
        assertThat(AirbyteUrls.defaultTokenUrl("http://h:8000/api/public/v1", Optional.of("TRUE")))
                .isEqualTo("http://h:8000/api/public/v1/applications/token");
        assertThat(AirbyteUrls.defaultTokenUrl("https://api.airbyte.com/v1", Optional.empty()))
                .isEqualTo("https://api.airbyte.com/v1/applications/token");
        assertThat(AirbyteUrls.defaultTokenUrl("http://h:8000/api/public/v1", Optional.of("FALSE")))
                .isEqualTo(AirbyteUrls.CLOUD_TOKEN_URL);
    }

    @Test
    void shouldExplainATokenEndpoint404UnderAPathAirbyteDoesNotServe() {
        ApiErrorHint hint = AirbyteUrls.notFoundHint("x", "http://host:8000/api");

        assertThat(hint.explain("POST", "http://host:8000/api/applications/token", 404)).isEqualTo(
                "POST http://host:8000/api/applications/token answered 404: Airbyte Server serves its public API"
                        + " under /api/public/v1 (set airbyte.x.base-url=http://host:8000/api/public/v1, or give host"
                        + " and port only)");
        assertThat(AirbyteUrls.notFoundHint("old", "http://host:8006/api/public/v1")
                .explain("GET", "http://host:8006/api/public/v1/jobs/7", 404))
                .contains("the standalone API server (port 8006) serves its API under /v1")
                .contains("airbyte.old.base-url=http://host:8006/v1");
    }

    @Test
    void shouldExplainAJobEndpoint404OnlyWhenTheBasePathIsNotAnAirbytePath() {
        assertThat(AirbyteUrls.notFoundHint("x", "http://host:8000/api/public")
                .explain("POST", "http://host:8000/api/public/jobs", 404))
                .startsWith("POST http://host:8000/api/public/jobs answered 404: Airbyte Server serves its public API"
                        + " under /api/public/v1");
        // under the right path, a 404 is about the job or connection asked for
        assertThat(AirbyteUrls.notFoundHint("x", "http://host:8000/api/public/v1")
                .explain("GET", "http://host:8000/api/public/v1/jobs/7", 404)).isNull();
        assertThat(AirbyteUrls.notFoundHint("x", "https://api.airbyte.com/v1")
                .explain("GET", "https://api.airbyte.com/v1/jobs/7", 404)).isNull();
    }

    @Test
    void shouldPointAtTheServerPathWhenAServerTokenEndpointUnderV1Answers404() {
        assertThat(AirbyteUrls.notFoundHint("x", "http://host:8000/v1")
                .explain("POST", "http://host:8000/v1/applications/token", 404))
                .contains("Airbyte Server v0.57 and later serves its public API and its tokens under /api/public/v1")
                .contains("airbyte.x.base-url=http://host:8000/api/public/v1")
                .contains("basic auth (airbyte.x.username and airbyte.x.password)");
    }

    @Test
    void shouldNameTheEnterpriseTokenUrlWhenTheServerPathHasNoTokenEndpoint() {
        assertThat(AirbyteUrls.notFoundHint("sme", "https://webapp.example.com/api/public/v1")
                .explain("POST", "https://webapp.example.com/api/public/v1/applications/token", 404))
                .startsWith("POST https://webapp.example.com/api/public/v1/applications/token answered 404")
                .contains("airbyte.sme.token-url=https://webapp.example.com/api/v1/applications/token")
                .contains("auth=none");
    }

    @Test
    void shouldAddNothingToOtherStatuses() {
        ApiErrorHint hint = AirbyteUrls.notFoundHint("x", "http://host:8000/api");

        assertThat(hint.explain("POST", "http://host:8000/api/applications/token", 401)).isNull();
        assertThat(hint.explain("GET", "http://host:8000/api/jobs/1", 500)).isNull();
    }
}
