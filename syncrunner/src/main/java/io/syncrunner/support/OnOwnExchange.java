package io.syncrunner.support;

import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;

import java.util.Map;

/**
 * Runs a route (e.g. one provider API call, {@code direct:api-read}) on an exchange of its own: a new exchange with
 * the sync's exchange properties and body (no headers), sent without holding a thread; when it ends, its properties,
 * body and exception (if any) become the sync's. What Camel's error handler keeps of a call (its redelivery counter,
 * its marks of a failure it gave up on) stays on that call's exchange, so each call (and each trigger step, with its
 * re-send policy) starts with a fresh count and nothing of Camel's is reset by hand.
 */
public final class OnOwnExchange extends AsyncProcessorSupport implements CamelContextAware {
    private final String uri;
    private CamelContext context;
    private volatile AsyncProducer producer;

    public OnOwnExchange(String uri) {
        this.uri = uri;
    }

    @Override
    public void setCamelContext(CamelContext context) {
        this.context = context;
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Exchange call;
        try {
            call = new DefaultExchange(exchange.getContext());
            call.getProperties().putAll(exchange.getProperties());
            call.getMessage().setBody(exchange.getMessage().getBody());
            producer(exchange.getContext());
        } catch (Exception e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        return producer.process(call, doneSync -> {
            Map<String, Object> properties = exchange.getProperties();
            properties.clear();
            properties.putAll(call.getProperties());
            exchange.getMessage().setBody(call.getMessage().getBody());
            if (call.getException() != null) {
                exchange.setException(call.getException());
            }
            callback.done(doneSync);
        });
    }

    private void producer(CamelContext camel) throws Exception {
        if (producer == null) {
            synchronized (this) {
                if (producer == null) {
                    AsyncProducer p = camel.getEndpoint(uri).createAsyncProducer();
                    ServiceHelper.startService(p);
                    producer = p;
                }
            }
        }
    }

    @Override
    protected void doStop() throws Exception {
        ServiceHelper.stopService(producer);
        producer = null;
    }
}
