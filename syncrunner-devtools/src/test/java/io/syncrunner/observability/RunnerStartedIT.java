package io.syncrunner.observability;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.runs.RunStarter;
import io.syncrunner.runs.SyncRuns;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.RunnerTestSupport;
import io.vertx.core.Vertx;
import org.apache.camel.Exchange;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.component.vertx.http.VertxHttpComponent;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static io.syncrunner.observability.ObservabilityHttp.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ready before running: the clients a run needs are set up before any run starts, runs handed over while the runner
 * starts wait until it has, and readiness says which of the two it is.
 */
class RunnerStartedIT extends RunnerTestSupport {

    @Test
    void shouldSetUpTheAsynchronousReadClientWithTheRunnersVertxBeforeAnyRead() {
        // nothing has been read yet: the component is there, set up, not made by the first read
        assertThat(context.hasComponent("vertx-http")).as("set up at configuration")
                .isInstanceOf(VertxHttpComponent.class);
        VertxHttpComponent reads = (VertxHttpComponent) context.hasComponent("vertx-http");
        assertThat(reads.getVertx()).isNotNull().isSameAs(context.getRegistry().lookupByNameAndType("vertx", Vertx.class));
        assertThat(reads.isStarted()).isTrue();
    }

    @Test
    void shouldBeReadyOnceTheRunnerHasStartedAndSayWhichCheckItIs() {
        HttpResponse<String> ready = new ObservabilityHttp(httpPort()).get("/observe/health/ready");
        JsonNode started = check(Json.parse(ready.body()), RunnerStartedCheck.ID);
        assertThat(started.path("status").asText()).as(ready.body()).isEqualTo("UP");
        HttpResponse<String> live = new ObservabilityHttp(httpPort()).get("/observe/health/live");
        assertThat(check(Json.parse(live.body()), RunnerStartedCheck.ID).isMissingNode())
                .as("a readiness check only: " + live.body()).isTrue();
    }

    @Test
    void shouldHoldRunsHandedOverBeforeTheStartAndStartThemOnceOpen() throws Exception {
        MockEndpoint started = context.getEndpoint("mock:started", MockEndpoint.class);
        started.expectedBodiesReceivedInAnyOrder("first", "second", "third"); // several starter threads: no order
        RunStarter starter = new RunStarter(context, 1, null);
        RunnerStartedCheck readiness = new RunnerStartedCheck(starter::isOpen);
        readiness.setCamelContext(context);
        starter.start(run("first"));
        starter.start(run("second"));

        assertThat(starter.isOpen()).isFalse();
        assertThat(readiness.call().getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(readiness.call().getMessage()).hasValueSatisfying(m -> assertThat(m).contains("starting"));
        assertThat(started.getReceivedCounter()).as("held until the runner has started").isZero();

        starter.open();
        starter.start(run("third"));
        assertThat(readiness.call().getState()).isEqualTo(HealthCheck.State.UP);
        await().atMost(Duration.ofSeconds(10)).until(() -> started.getReceivedCounter() == 3);
        started.assertIsSatisfied();
    }

    private Exchange run(String body) {
        Exchange fire = new DefaultExchange(context);
        fire.setProperty(SyncRuns.RUN_ENTRY, "mock:started");
        fire.getMessage().setBody(body);
        return fire;
    }
}
