package io.syncrunner.runs;

import io.syncrunner.support.Json;
import org.apache.camel.Exchange;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a rejected message becomes on a dead-letter queue: the reason and the original, unchanged. */
public final class DeadLetters {

    public void wrap(Exchange ex) {
        Throwable e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Map<String, Object> letter = new LinkedHashMap<>();
        letter.put("reason", e == null ? "unknown" : e.getMessage());
        letter.put("message", ex.getMessage().getBody(String.class));
        ex.getMessage().removeHeaders("*");
        ex.getMessage().setBody(Json.write(letter));
    }
}
