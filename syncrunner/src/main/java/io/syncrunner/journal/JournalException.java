package io.syncrunner.journal;

/** The run journal could not be read or written; the message names what was being done. */
public final class JournalException extends RuntimeException {
    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
