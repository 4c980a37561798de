package io.syncrunner.fivetran;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;
import io.syncrunner.testsupport.FivetranTestSupport;
import io.syncrunner.testsupport.PrismProxy;
import io.syncrunner.testsupport.Specs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Fivetran flows through Prism's validating proxy with the official Fivetran spec: every request the
 * runner sends and every answer the emulator gives must conform.
 */
class FivetranContractTest extends FivetranTestSupport {
    private static PrismProxy prism;

    @Override
    protected Properties fivetranProperties() {
        if (prism == null) {
            prism = PrismProxy.start(Specs.fivetranForPrism(), FIVETRAN.baseUrl());
        }
        // the live API sends "succeeded_at": null for a connector that never synced, but the spec declares
        // the timestamps non-nullable: within this test the emulator leaves them out instead
        FIVETRAN.setNullTimestamps(false);
        Properties p = new Properties();
        p.put("fivetran.prism.base-url", prism.url());
        p.put("fivetran.prism.api-key", FIVETRAN_KEY);
        p.put("fivetran.prism.api-secret", FIVETRAN_SECRET);
        return p;
    }

    @AfterAll
    static void stopPrism() {
        if (prism != null) {
            prism.close();
        }
        FIVETRAN.setNullTimestamps(true);
    }

    @BeforeEach
    void freshLog() {
        prism.clearOutput();
    }

    @Test
    void shouldSendAndReceiveOnlySpecConformantMessagesForASync() {
        String id = add(connector("syncing:400ms,succeeded"));

        JsonNode result = Json.parse(fivetranSync("account=prism&connectorId=" + id + "&pollInterval=100ms"));

        assertThat(result.path("status").asText()).isEqualTo("succeeded");
        assertThat(prism.output()).anyMatch(l -> l.contains("/sync"));
        prism.assertNoViolations();
    }

    @Test
    void shouldStayWithinTheSpecForResyncUnpauseAndManualSchedule() {
        String id = add(connector("syncing:300ms,succeeded").paused(true).scheduleType("auto"));

        Json.parse(fivetranSync("account=prism&connectorId=" + id
                + "&pollInterval=100ms&paused=unpause&setManualSchedule=true"));
        String resynced = add(connector("syncing:300ms,succeeded"));
        Json.parse(template.requestBody("kamelet:fivetran-resync?account=prism&connectorId=" + resynced
                + "&tables=public.orders&pollInterval=100ms", null, String.class));

        assertThat(prism.output()).anyMatch(l -> l.toLowerCase().contains("patch"));
        assertThat(prism.output()).anyMatch(l -> l.contains("/resync"));
        prism.assertNoViolations();
    }

    @Test
    void shouldStayWithinTheSpecForAFailedAndARescheduledSync() {
        String failing = add(connector("syncing:300ms,failed"));
        assertThat(failureOf("kamelet:fivetran-sync?account=prism&connectorId=" + failing + "&pollInterval=100ms"))
                .hasMessageContaining("failed");
        String rescheduled = add(connector("syncing:200ms,rescheduled:500ms,syncing:200ms,succeeded"));
        Json.parse(fivetranSync("account=prism&connectorId=" + rescheduled + "&pollInterval=100ms"));

        prism.assertNoViolations();
    }
}
