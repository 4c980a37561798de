package io.syncrunner.airbyte;

import io.syncrunner.support.ApiCallException;
import io.syncrunner.support.ApiErrorHint;
import io.syncrunner.support.Json;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * Where an Airbyte account's public API and token endpoint are, from the URL as users give it (see
 * docs/airbyte-urls.md):
 * <ul>
 * <li>host and port only ({@code scheme://host[:port]}, no path): Airbyte Cloud ({@code api.airbyte.com}) gets
 * {@code /v1}; a server gets {@code /api/public/v1} (Airbyte Server v0.57 and later, ports 8000 and 8001 and any
 * other), or {@code /v1} on port 8006 (the standalone API server of older versions)</li>
 * <li>a URL with a path is the API base as given (trailing slashes trimmed)</li>
 * <li>{@code api-path} set: host and port only get that path instead ({@code /}: none, for an API served at the
 * root of a gateway or proxy)</li>
 * </ul>
 * The token URL follows from the base: {@code <base>/applications/token}, or Airbyte Cloud's when
 * {@code use-server-auth} says false.
 */
public final class AirbyteUrls {
    public static final String CLOUD_HOST = "api.airbyte.com";
    public static final String CLOUD_BASE_URL = "https://" + CLOUD_HOST + "/v1";
    public static final String CLOUD_TOKEN_URL = CLOUD_BASE_URL + "/applications/token";
    /** Where Airbyte Server (v0.57 and later, Core and Enterprise) serves its public API. */
    public static final String SERVER_API_PATH = "/api/public/v1";
    /** Where Airbyte Cloud and the standalone API server of older versions serve it. */
    public static final String V1_API_PATH = "/v1";
    /** The standalone API server's port (Airbyte before v0.59; removed in v0.63.9). */
    public static final int STANDALONE_API_PORT = 8006;
    /** Self-Managed Enterprise's token endpoint, on the webapp's host. */
    public static final String ENTERPRISE_TOKEN_PATH = "/api/v1/applications/token";
    private static final String TOKEN_PATH = "/applications/token";

    private AirbyteUrls() {
    }

    /**
     * The API base of a URL as given.
     *
     * @param given   the URL as the property has it
     * @param url     the API base used
     * @param derived why a path was added (null when the URL was used as given)
     */
    public record ApiBase(String given, String url, String derived) {
    }

    /**
     * The API base for the URL a user gave.
     *
     * @param property the property the URL comes from, named by the error of a URL that is not one
     * @throws IllegalArgumentException when it is not an http(s) URL with a host
     */
    public static ApiBase apiBase(String given, String property) {
        return apiBase(given, property, Optional.empty());
    }

    /**
     * The API base for the URL a user gave, with the path of a URL given by host and port only set by the user
     * ({@code api-path}; {@code /} for an API served at the root, e.g. behind a gateway) instead of chosen by host
     * and port.
     *
     * @param apiPath the path to add to a URL given by host and port only (a URL with a path is kept as given)
     */
    public static ApiBase apiBase(String given, String property, Optional<String> apiPath) {
        String text = given == null ? "" : given.trim();
        if (!text.contains("://")) {
            throw notAUrl(text, property, "it has no http:// or https://");
        }
        String trimmed = stripTrailingSlashes(text);
        URI uri = parse(trimmed, text, property);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!path.isEmpty() || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return new ApiBase(trimmed, trimmed, null);
        }
        if (apiPath.isPresent()) {
            String set = stripTrailingSlashes(apiPath.get());
            String added = set.isEmpty() || set.startsWith("/") ? set : "/" + set;
            return new ApiBase(trimmed, trimmed + added, "api-path is " + (added.isEmpty() ? "/" : added));
        }
        if (isCloud(uri)) {
            return new ApiBase(trimmed, trimmed + V1_API_PATH, "Airbyte Cloud serves its API under " + V1_API_PATH);
        }
        if (uri.getPort() == STANDALONE_API_PORT) {
            return new ApiBase(trimmed, trimmed + V1_API_PATH, "port " + STANDALONE_API_PORT
                    + " is the standalone API server of Airbyte before v0.59, which serves it under " + V1_API_PATH);
        }
        return new ApiBase(trimmed, trimmed + SERVER_API_PATH,
                "Airbyte Server serves its public API under " + SERVER_API_PATH);
    }

    /**
     * The token URL when {@code token-url} is not set: Airbyte Cloud's when {@code use-server-auth} is set and not
     * true (the meaning of {@code USE_SERVER_AUTH=FALSE}), else {@code <base>/applications/token}.
     */
    public static String defaultTokenUrl(String baseUrl, Optional<String> useServerAuth) {
        if (useServerAuth.isPresent() && !Boolean.parseBoolean(useServerAuth.get().trim())) {
            return CLOUD_TOKEN_URL;
        }
        return baseUrl + TOKEN_PATH;
    }

    /**
     * What a 404 says about an account's URLs (and what a token endpoint that could not answer may mean), or null. A 404 from the token endpoint always
     * means its URL is wrong; a 404 from an API path means the base URL is wrong when its path is not one Airbyte
     * serves there ({@code /api/public/v1} or {@code /v1}; on Airbyte Cloud and on port 8006 only {@code /v1});
     * else it is about the job or connection asked for, and nothing is added.
     *
     * @param account the account's name, for the properties to set
     * @param baseUrl the API base the account uses
     */
    public static ApiErrorHint notFoundHint(String account, String baseUrl) {
        return (method, url, status) -> {
            if (status != 404) {
                // the token endpoint could not answer: said by io.syncrunner.auth.TokenServiceUnavailableException
                return url.endsWith(TOKEN_PATH) && ApiCallException.isRetryableStatus(status)
                        ? "if this persists, check the client id and secret too (some Airbyte versions answer 500 for"
                                + " unknown applications)" : null;
            }
            URI base;
            try {
                base = new URI(baseUrl);
            } catch (URISyntaxException e) {
                return null;
            }
            String prefix = "airbyte." + account + ".";
            String origin = base.getScheme() + "://" + base.getHost() + (base.getPort() < 0 ? "" : ":" + base.getPort());
            String path = base.getRawPath() == null ? "" : base.getRawPath();
            String said = method + " " + url + " answered 404: ";
            boolean v1Path = path.equalsIgnoreCase(V1_API_PATH);
            boolean standalone = base.getPort() == STANDALONE_API_PORT;
            boolean cloud = isCloud(base);
            boolean knownPath = v1Path || (path.equalsIgnoreCase(SERVER_API_PATH) && !standalone && !cloud);
            if (!knownPath) {
                String usual = standalone || cloud ? V1_API_PATH : SERVER_API_PATH;
                String who = standalone ? "the standalone API server (port " + STANDALONE_API_PORT + ") serves its API"
                        : cloud ? "Airbyte Cloud serves its API" : "Airbyte Server serves its public API";
                return said + who + " under " + usual + " (set " + prefix + "base-url=" + origin + usual
                        + ", or give host and port only)";
            }
            if (!url.endsWith(TOKEN_PATH)) {
                return null; // about the job or connection asked for
            }
            if (v1Path && !cloud && !standalone) {
                return said + "Airbyte Server v0.57 and later serves its public API and its tokens under "
                        + SERVER_API_PATH + " (set " + prefix + "base-url=" + origin + SERVER_API_PATH
                        + ", or give host and port only); the standalone API server of older versions (" + V1_API_PATH
                        + ") takes basic auth (" + prefix + "username and " + prefix + "password)";
            }
            return said + "Airbyte serves application tokens at <API base>" + TOKEN_PATH + " (Airbyte Cloud, Airbyte"
                    + " Server 1.0 and later) and, on Self-Managed Enterprise, at <webapp>" + ENTERPRISE_TOKEN_PATH
                    + " (set " + prefix + "token-url=" + origin + ENTERPRISE_TOKEN_PATH + "); servers before 1.0 take"
                    + " basic auth (" + prefix + "username and " + prefix + "password) or none (" + prefix + "auth=none)";
        };
    }

    private static boolean isCloud(URI uri) {
        return CLOUD_HOST.equalsIgnoreCase(uri.getHost());
    }

    /** @param given the URL as given, for the error */
    private static URI parse(String url, String given, String property) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw notAUrl(given, property, null);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw notAUrl(given, property, "use http or https");
        }
        if (uri.getHost() == null) {
            throw notAUrl(given, property, "it has no host");
        }
        return uri;
    }

    private static IllegalArgumentException notAUrl(String url, String property, String why) {
        String shown = url.isEmpty() ? "" : Json.abbreviate(url.replaceAll("//[^/@]*@", "//"), 80);
        return new IllegalArgumentException(property + "='" + shown + "' is not an Airbyte URL"
                + (why == null ? "" : " (" + why + ")") + ": give the server's scheme, host and port (e.g."
                + " http://airbyte.internal:8000) or the API's base URL (e.g. http://airbyte.internal:8000"
                + SERVER_API_PATH + ", " + CLOUD_BASE_URL + ")");
    }

    private static String stripTrailingSlashes(String url) {
        String u = url.trim();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
