package io.syncrunner.support;

/** The value of an Authorization header. Its toString never shows the secret part. */
public final class Credential {
    private final String headerValue;

    public Credential(String headerValue) {
        this.headerValue = headerValue;
    }

    public String headerValue() {
        return headerValue;
    }

    @Override
    public String toString() {
        int space = headerValue.indexOf(' ');
        return (space > 0 ? headerValue.substring(0, space) : "credential") + " ****";
    }
}
