package io.syncrunner.inventory;

import io.syncrunner.runs.SyncRuns;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * Refreshes a connection the inventory lists as soon as a sync of this runner ends: the end of a send to the one sync
 * flow ({@code direct:sync-run}), whose journal step ({@code provider/account/connection/operation}) names it.
 */
public final class SyncEndRefresh extends EventNotifierSupport {
    private final ConnectionInventory inventory;

    public SyncEndRefresh(ConnectionInventory inventory) {
        this.inventory = inventory;
        setIgnoreCamelContextEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeCompletedEvent(true);
        setIgnoreExchangeFailedEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeSendingEvents(true);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.ExchangeSentEvent sent
                && sent.getEndpoint().getEndpointUri().replace("://", ":").startsWith("direct:sync-run");
    }

    @Override
    public void notify(CamelEvent event) {
        String step = ((CamelEvent.ExchangeSentEvent) event).getExchange().getProperty(SyncRuns.STEP, String.class);
        if (step == null) {
            return;
        }
        String[] parts = step.split("/", 4);
        if (parts.length >= 3) {
            inventory.refreshIfListed(parts[0], parts[1], parts[2]);
        }
    }
}
