package io.syncrunner.support;

/**
 * What a provider knows about a failed call that its answer does not say, for the error message: e.g. that a 404
 * from a token endpoint means the URL is wrong, and where that provider's API usually is. Each provider passes
 * its own (an account's), so this package stays free of provider knowledge.
 */
@FunctionalInterface
public interface ApiErrorHint {

    /**
     * @param method the HTTP method called
     * @param url    the full URL called, without query (and without user info)
     * @param status the HTTP status it answered
     * @return a sentence to add to the error message, or null when there is nothing to add
     */
    String explain(String method, String url, int status);

    ApiErrorHint NONE = (method, url, status) -> null;

    /** The URL as messages show it: scheme, host, port and path; no user info, query or fragment. */
    static String displayUrl(String url) {
        try {
            java.net.URI uri = new java.net.URI(url.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                return "(not a URL)";
            }
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath());
        } catch (java.net.URISyntaxException e) {
            return "(not a URL)";
        }
    }
}
