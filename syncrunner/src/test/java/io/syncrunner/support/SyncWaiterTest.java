package io.syncrunner.support;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class SyncWaiterTest {
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    private final SyncWaiter waiter = new SyncWaiter(scheduler);
    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private Exchange parked(long delayMillis, String key) {
        Exchange ex = new DefaultExchange(context);
        ex.setProperty(SyncState.NEXT_POLL_DELAY, delayMillis);
        ex.setProperty(SyncWaiter.WAKE_KEY, key);
        return ex;
    }

    @Test
    void shouldContinueTheExchangeAfterTheDelayWithoutBlockingTheCaller() throws Exception {
        Exchange ex = parked(200, null);
        CompletableFuture<Long> done = new CompletableFuture<>();
        long start = System.nanoTime();

        boolean sync = waiter.process(ex, d -> done.complete(System.nanoTime()));

        assertThat(sync).isFalse();
        assertThat(done).isNotDone();
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(done.get(5, TimeUnit.SECONDS) - start);
        assertThat(waitedMs).isGreaterThanOrEqualTo(190);
        assertThat(ex.getProperty(SyncWaiter.WOKEN_BY)).isEqualTo("poll");
    }

    @Test
    void shouldWakeTheParkedSyncAtOnceOnASignal() throws Exception {
        Exchange ex = parked(Duration.ofHours(1).toMillis(), "fivetran:c1");
        CompletableFuture<Void> done = new CompletableFuture<>();
        waiter.process(ex, d -> done.complete(null));

        assertThat(waiter.signal("fivetran:c2", "other")).isZero();
        assertThat(waiter.signal("fivetran:c1", "event")).isEqualTo(1);

        done.get(5, TimeUnit.SECONDS);
        assertThat(ex.getProperty(SyncWaiter.WOKEN_BY)).isEqualTo("signal");
        assertThat(ex.getProperty(SyncWaiter.SIGNAL)).isEqualTo("event");
        assertThat(waiter.parkedCount()).isZero();
    }

    @Test
    void shouldNotLoseASignalThatCameBeforeTheSyncParked() throws Exception {
        long triggeredAt = SyncWaiter.signalMark();
        waiter.signal("fivetran:fast", "early event");
        Exchange ex = parked(Duration.ofHours(1).toMillis(), "fivetran:fast");
        ex.setProperty(SyncWaiter.SIGNALS_SINCE, triggeredAt);
        CompletableFuture<Void> done = new CompletableFuture<>();

        waiter.process(ex, d -> done.complete(null));

        done.get(5, TimeUnit.SECONDS);
        assertThat(ex.getProperty(SyncWaiter.SIGNAL)).isEqualTo("early event");
    }

    @Test
    void shouldIgnoreASignalFromBeforeTheTrigger() {
        waiter.signal("fivetran:old", "stale event");
        // taken right after the signal, as when the trigger is sent within the same millisecond
        long triggeredAt = SyncWaiter.signalMark();
        Exchange ex = parked(Duration.ofHours(1).toMillis(), "fivetran:old");
        ex.setProperty(SyncWaiter.SIGNALS_SINCE, triggeredAt);

        waiter.process(ex, d -> {
        });

        assertThat(waiter.parkedCount()).isEqualTo(1);
    }

    @Test
    void shouldWakeEveryWaitingSyncOfARunAtOnceWhenTheRunAsksThemToStopAndOnlyThose() throws Exception {
        Exchange a = parked(Duration.ofHours(1).toMillis(), "fivetran:c1");
        a.setProperty(SyncWaiter.RUN_KEY, "run-1");
        Exchange other = parked(Duration.ofHours(1).toMillis(), null);
        other.setProperty(SyncWaiter.RUN_KEY, "run-2");
        CompletableFuture<Void> doneA = new CompletableFuture<>();
        CompletableFuture<Void> doneOther = new CompletableFuture<>();
        waiter.process(a, d -> doneA.complete(null));
        waiter.process(other, d -> doneOther.complete(null));

        assertThat(waiter.requestStop("run-1", "branch 2 failed")).isEqualTo(1);

        doneA.get(5, TimeUnit.SECONDS);
        assertThat(a.getProperty(SyncWaiter.WOKEN_BY)).isEqualTo("stop");
        assertThat(a.getProperty(SyncWaiter.STOP_REQUESTED)).isEqualTo("branch 2 failed");
        assertThat(doneOther).isNotDone();
        assertThat(waiter.parkedCount()).as("the Fivetran key of the stopped sync is free again").isZero();
        assertThat(waiter.waitingCount()).isEqualTo(1);
    }

    @Test
    void shouldWakeASyncThatParksAfterItsRunAskedToStopAtOnceUntilTheRunIsForgotten() throws Exception {
        assertThat(waiter.requestStop("run-3", "first failure")).isZero();
        assertThat(waiter.requestStop("run-3", "second failure")).as("the first reason holds").isZero();
        Exchange late = parked(Duration.ofHours(1).toMillis(), null);
        late.setProperty(SyncWaiter.RUN_KEY, "run-3");
        CompletableFuture<Void> done = new CompletableFuture<>();

        waiter.process(late, d -> done.complete(null));

        done.get(5, TimeUnit.SECONDS);
        assertThat(late.getProperty(SyncWaiter.STOP_REQUESTED)).isEqualTo("first failure");
        waiter.forgetRun("run-3");
        assertThat(waiter.stopRequested("run-3")).isNull();
        Exchange next = parked(50, null);
        next.setProperty(SyncWaiter.RUN_KEY, "run-3");
        CompletableFuture<Void> nextDone = new CompletableFuture<>();
        waiter.process(next, d -> nextDone.complete(null));
        nextDone.get(5, TimeUnit.SECONDS);
        assertThat(next.getProperty(SyncWaiter.WOKEN_BY)).isEqualTo("poll");
    }
}
