package io.syncrunner.runs;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The run starter's threads: a fixed number start runs, further runs wait in its queue. */
class RunStarterTest {

    @Test
    void shouldQueueRunsBeyondItsThreadsInsteadOfRunningThemOnTheThreadThatHandedThemOver() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            CountDownLatch answered = new CountDownLatch(1);
            List<String> threads = new CopyOnWriteArrayList<>();
            AtomicInteger running = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    // a run whose trigger answer is slow: it holds its thread until the answer comes
                    from("direct:slow-trigger").process(e -> {
                        threads.add(Thread.currentThread().getName());
                        most.accumulateAndGet(running.incrementAndGet(), Math::max);
                        answered.await(30, TimeUnit.SECONDS);
                        running.decrementAndGet();
                    });
                }
            });
            context.start();
            RunStarter starter = new RunStarter(context, 2, null);
            starter.open();

            // five runs handed over (e.g. by HTTP workers): each hand-over returns at once, none runs on the caller
            CompletableFuture<Void> handedOver = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 5; i++) {
                    starter.start(run(context));
                }
            });
            handedOver.get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> threads.size() == 2);
            assertThat(threads).as("three runs wait in the queue").hasSize(2);

            answered.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> threads.size() == 5);
            assertThat(threads).allMatch(name -> name.contains("RunStarter"), "a starter thread");
            assertThat(most.get()).as("runs at once").isEqualTo(2);
        }
    }

    private static Exchange run(CamelContext context) {
        Exchange fire = new DefaultExchange(context);
        fire.setProperty(SyncRuns.RUN_ENTRY, "direct:slow-trigger");
        return fire;
    }
}
