package io.syncrunner.support;

/**
 * A check at startup refuses the start (an account setting that cannot be resolved, an HTTP port the server could
 * not bind): the message names the problem and is the whole story, so the exception carries no stack trace (Camel
 * logs the exception that stopped a start with its trace, which would add nothing but noise).
 * <p>
 * Thrown as an ordinary exception, not as Camel's {@code VetoCamelContextStartException}: Camel 4.18 stops what a
 * failed start had already started (the HTTP server, its vert.x, the Quartz scheduler, the journal's pool) only for
 * an exception; a vetoed context is marked failed and its stop does nothing, so all of it kept running.
 */
public final class StartRefusedException extends RuntimeException {
    public StartRefusedException(String message) {
        super(message, null, false, false);
    }
}
