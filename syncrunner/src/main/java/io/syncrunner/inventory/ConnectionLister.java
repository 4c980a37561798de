package io.syncrunner.inventory;

import io.syncrunner.support.RequestBudget;
import org.apache.camel.Exchange;

import java.util.Collection;

/**
 * One provider's part of the connection inventory (routes/connections.yaml, bean {@code connectionInventory}): which
 * accounts it has, and how its API lists their connections. Like a {@link io.syncrunner.sync.SyncProvider} it only
 * describes requests ({@link io.syncrunner.support.ApiCall#describe}, with the account's base URL and auth) and reads
 * their answers (the message body); the route sends them through the same API call plumbing as the syncs. State of a
 * listing lives in exchange properties; the connections found are added to {@link #LISTED}.
 */
public interface ConnectionLister {
    /** Exchange property: the {@code List<ListedConnection>} of the listing so far. */
    String LISTED = "inventoryListed";

    /** The provider's id ("airbyte"), as in sync requests. */
    String provider();

    /** The names of the configured accounts. */
    Collection<String> accounts();

    /**
     * Describes the first request of a listing of the account's connections, or of the one connection
     * {@code connectionId} when it is not null. Throws IllegalArgumentException for an account that is not usable.
     */
    void begin(Exchange ex, String account, String connectionId);

    /** Reads the answer of the request described last; describes the next one, or returns false when done. */
    boolean onAnswer(Exchange ex);

    /** The request budget the account's calls count against, or null when it has none. */
    RequestBudget budget(String account);
}
