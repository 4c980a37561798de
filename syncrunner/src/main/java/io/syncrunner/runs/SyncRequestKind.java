package io.syncrunner.runs;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * What a sync request of one provider may hold: the field naming its target, its optional fields, and the check of
 * their values. Each provider package declares its kind in
 * {@code META-INF/services/io.syncrunner.runs.SyncRequestKind}; {@link SyncRequest} knows providers only through
 * them.
 */
public interface SyncRequestKind {
    /** The provider's id, the request's {@code "provider"} value (lower case). */
    String provider();

    /** The request field naming what to sync; also the exchange property its flow reads it from. */
    String targetField();

    /** Each optional request field, with the exchange property its flow reads it from (often the same name). */
    Map<String, String> options();

    /**
     * Checks the values as the provider's flow checks them.
     *
     * @param input the trimmed text of an input by its exchange property name, null when unset
     * @throws IllegalArgumentException naming the bad input
     */
    void check(Function<String, String> input);

    /** Every kind on the class path, in a stable order (by provider id). */
    static List<SyncRequestKind> all() {
        return Holder.ALL;
    }

    /** Loaded once. */
    final class Holder {
        private static final List<SyncRequestKind> ALL = ServiceLoader.load(SyncRequestKind.class,
                        SyncRequestKind.class.getClassLoader()).stream().map(ServiceLoader.Provider::get)
                .sorted(java.util.Comparator.comparing(SyncRequestKind::provider)).toList();

        private Holder() {
        }
    }
}
