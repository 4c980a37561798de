package io.syncrunner.support;

import java.util.function.Supplier;

/**
 * A credential built from configured secrets (basic auth, API key). It is read once and kept; when the API
 * refuses it (401) it is dropped, so the next call reads the secrets again: a secret rotated in the
 * environment or in AWS Secrets Manager is picked up without a restart and without failing the syncs in flight.
 */
public final class StoredCredential implements ApiAuthorizer {
    private final Supplier<Credential> read;
    private volatile Credential current;

    public StoredCredential(Supplier<Credential> read) {
        this.read = read;
    }

    @Override
    public Credential credential() {
        Credential c = current;
        if (c == null) {
            synchronized (this) {
                c = current;
                if (c == null) {
                    c = read.get();
                    current = c;
                }
            }
        }
        return c;
    }

    @Override
    public synchronized void rejected(Credential used) {
        if (current == used) {
            current = null;
        }
    }
}
