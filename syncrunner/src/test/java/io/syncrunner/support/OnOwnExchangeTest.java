package io.syncrunner.support;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each call on an exchange of its own: a call whose failure the caller caught leaves nothing of Camel's error
 * handling behind, so the next call on the same sync gets all its redeliveries again.
 */
class OnOwnExchangeTest {

    @Test
    void shouldGiveEachCallItsOwnRedeliveriesAfterAnEarlierCallFailedAndWasCaught() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (CamelContext context = new DefaultCamelContext()) {
            OnOwnExchange call = new OnOwnExchange("direct:call");
            context.getRegistry().bind("call", call);
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:call").errorHandler(defaultErrorHandler().maximumRedeliveries(2).redeliveryDelay(0))
                            .process(ex -> {
                                attempts.incrementAndGet();
                                throw new IllegalStateException("unavailable");
                            });
                    from("direct:flow").errorHandler(noErrorHandler())
                            .doTry().process("call").doCatch(IllegalStateException.class)
                                .setProperty("firstCaught", constant(true)).end()
                            .doTry().process("call").doCatch(IllegalStateException.class)
                                .setProperty("secondCaught", constant(true)).end();
                }
            });
            context.start();
            Exchange sync = new DefaultExchange(context);
            sync.setProperty("syncStatus", "running");

            context.createProducerTemplate().send("direct:flow", sync);

            assertThat(attempts).as("two calls, each a first attempt and 2 redeliveries").hasValue(6);
            assertThat(sync.getProperty("firstCaught")).isEqualTo(true);
            assertThat(sync.getProperty("secondCaught")).isEqualTo(true);
            assertThat(sync.getProperty("syncStatus")).as("the sync's properties come back").isEqualTo("running");
            assertThat(sync.getMessage().getHeader(Exchange.REDELIVERY_COUNTER)).isNull();
        }
    }

    @Test
    void shouldHandTheCallsPropertiesAndBodyBackToTheSync() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            context.getRegistry().bind("call", new OnOwnExchange("direct:call"));
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:call").setProperty("answered", constant(true)).removeProperty("asked")
                            .setBody(constant("{\"status\":\"succeeded\"}"));
                    from("direct:flow").process("call");
                }
            });
            context.start();
            Exchange sync = new DefaultExchange(context);
            sync.setProperty("asked", true);
            sync.getMessage().setHeader("X-Caller", "kept");

            context.createProducerTemplate().send("direct:flow", sync);

            assertThat(sync.getProperty("answered")).isEqualTo(true);
            assertThat(sync.getProperty("asked")).isNull();
            assertThat(sync.getMessage().getBody(String.class)).isEqualTo("{\"status\":\"succeeded\"}");
            assertThat(sync.getMessage().getHeader("X-Caller")).as("the caller's headers are not the call's").isEqualTo("kept");
        }
    }
}
