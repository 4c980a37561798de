package io.syncrunner.runs;

import io.syncrunner.support.Json;
import org.apache.camel.Exchange;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a rejected message becomes on a dead-letter queue: the reason and the original, unchanged. */
public final class DeadLetters {

    /**
     * The request could not be recorded (the run journal is unreachable): it is not the message's fault, so it is
     * not dead-lettered; throwing on leaves the message on the queue, to be delivered again after its visibility
     * timeout.
     */
    public void leaveOnQueue(Exchange ex) throws Exception {
        Exception e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        throw e != null ? e : new IllegalStateException("the run journal is unavailable");
    }

    public void wrap(Exchange ex) {
        Throwable e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Map<String, Object> letter = new LinkedHashMap<>();
        letter.put("reason", e == null ? "unknown" : e.getMessage());
        letter.put("message", ex.getMessage().getBody(String.class));
        ex.getMessage().removeHeaders("*");
        ex.getMessage().setBody(Json.write(letter));
    }
}
