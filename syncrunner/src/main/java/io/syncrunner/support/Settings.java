package io.syncrunner.support;

import org.apache.camel.CamelContext;

import java.time.Duration;

/** Reads typed settings with defaults: given, or for syncrunner.* keys those of {@link SettingDefaults}. */
public record Settings(CamelContext context) {
    public String text(String key) {
        return text(key, SettingDefaults.of(key));
    }

    public Duration duration(String key) {
        return duration(key, SettingDefaults.of(key));
    }

    public long longValue(String key) {
        return longValue(key, Long.parseLong(SettingDefaults.of(key)));
    }

    public boolean bool(String key) {
        return bool(key, Boolean.parseBoolean(SettingDefaults.of(key)));
    }

    public String text(String key, String defaultValue) {
        return context.getPropertiesComponent().resolveProperty(key).map(String::trim).filter(s -> !s.isEmpty())
                .orElse(defaultValue);
    }

    public Duration duration(String key, String defaultValue) {
        return Durations.parse(text(key, defaultValue), key);
    }

    public long longValue(String key, long defaultValue) {
        String v = text(key, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "='" + v + "' is not a whole number");
        }
    }

    public boolean bool(String key, boolean defaultValue) {
        String v = text(key, Boolean.toString(defaultValue));
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException(key + "='" + v + "' is not true or false");
    }
}
