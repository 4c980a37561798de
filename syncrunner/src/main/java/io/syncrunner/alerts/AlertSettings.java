package io.syncrunner.alerts;

import io.syncrunner.support.Settings;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The {@code syncrunner.alerts.*} settings, checked at start: an unknown channel, or a channel chosen without what it
 * needs (an email recipient, a webhook URL), stops the start with one line naming the setting. The SMTP password and
 * the webhook URL are secrets: no message here shows them.
 */
public record AlertSettings(String onFailure, String onStale, Duration minInterval, String publicUrl, Email email,
        String webhookUrl) {
    public static final String EMAIL = "email";
    public static final String SLACK = "slack";
    public static final String NONE = "none";
    public static final List<String> CHANNELS = List.of(EMAIL, SLACK, NONE);

    /** The SMTP server and the message's sender and recipients (comma-separated). */
    public record Email(String host, int port, String username, String password, String from, String to) {
    }

    public static AlertSettings read(Settings settings) {
        String onFailure = channel(settings, "syncrunner.alerts.on-failure");
        String onStale = channel(settings, "syncrunner.alerts.on-stale");
        Duration minInterval = settings.duration("syncrunner.alerts.min-interval");
        if (minInterval.isNegative()) {
            throw new IllegalArgumentException("syncrunner.alerts.min-interval must not be negative");
        }
        long port = settings.longValue("syncrunner.alerts.email.port");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("syncrunner.alerts.email.port='" + port + "' is not a port (1-65535)");
        }
        Email email = new Email(settings.text("syncrunner.alerts.email.host"), (int) port,
                settings.text("syncrunner.alerts.email.username"), settings.text("syncrunner.alerts.email.password"),
                settings.text("syncrunner.alerts.email.from"), settings.text("syncrunner.alerts.email.to"));
        String webhookUrl = settings.text("syncrunner.alerts.slack.webhook-url");
        String publicUrl = settings.text("syncrunner.public-url").replaceAll("/+$", "");
        AlertSettings s = new AlertSettings(onFailure, onStale, minInterval, publicUrl, email, webhookUrl);
        for (String used : List.of(onFailure, onStale)) {
            String problem = s.problem(used);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        }
        return s;
    }

    /** Why the channel cannot send (null when it can, or is none). */
    public String problem(String channel) {
        if (EMAIL.equals(channel)) {
            if (email.host().isEmpty()) {
                return "Alerts by email need syncrunner.alerts.email.host (the SMTP server)";
            }
            if (email.to().isEmpty()) {
                return "Alerts by email need syncrunner.alerts.email.to (the recipients, comma-separated)";
            }
        } else if (SLACK.equals(channel)) {
            if (webhookUrl.isEmpty()) {
                return "Alerts to Slack need syncrunner.alerts.slack.webhook-url (a secret: give it as"
                        + " {{env:NAME}} or {{aws:secret#field}})";
            }
            if (!webhookUrl.startsWith("https://") && !webhookUrl.startsWith("http://")) {
                return "syncrunner.alerts.slack.webhook-url is not an http(s) URL: " + masked(webhookUrl);
            }
        } else if (!NONE.equals(channel)) {
            return "'" + channel + "' is not an alert channel: use email, slack or none";
        }
        return null;
    }

    private static String channel(Settings settings, String key) {
        String value = settings.text(key).toLowerCase(Locale.ROOT);
        if (!CHANNELS.contains(value)) {
            throw new IllegalArgumentException(key + "='" + io.syncrunner.support.Json.abbreviate(value, 40)
                    + "' is not an alert channel: use email, slack or none");
        }
        return value;
    }

    /** A webhook URL as it may be shown: scheme and host only (the path is the secret). */
    public static String masked(String url) {
        try {
            URI u = URI.create(url);
            if (u.getScheme() != null && u.getHost() != null) {
                return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + "/***";
            }
        } catch (IllegalArgumentException e) {
            // not a URL: nothing of it is shown
        }
        return "***";
    }
}
