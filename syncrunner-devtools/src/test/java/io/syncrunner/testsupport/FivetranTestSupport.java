package io.syncrunner.testsupport;

import io.syncrunner.devtools.emulator.EmulatedConnector;
import io.syncrunner.devtools.emulator.FivetranEmulator;
import org.junit.jupiter.api.BeforeAll;

import java.util.List;
import java.util.Properties;
import java.util.UUID;

/** Runner tests with a Fivetran emulator (account "test"); each test makes its own connectors. */
public abstract class FivetranTestSupport extends RunnerTestSupport {
    public static final String FIVETRAN_KEY = "test-fivetran-key";
    public static final String FIVETRAN_SECRET = "test-fivetran-secret-Hk29Wd";
    public static final String GROUP = "test_group";

    protected static final FivetranEmulator FIVETRAN = FivetranEmulator.builder()
            .port(0)
            .apiKey(FIVETRAN_KEY, FIVETRAN_SECRET)
            .nullTimestamps(true)
            .build()
            .start()
            .addGroup(GROUP);

    /**
     * Each class starts with no webhook registered on the shared emulator (before its runner starts and registers
     * its own): those registered by the runners of earlier classes point at ports that are closed now, and each of
     * their deliveries would be counted with this class's (ServerTlsIT saw 2 deliveries for one sync).
     */
    @BeforeAll
    void noWebhooksOfEarlierClasses() {
        FIVETRAN.removeWebhooks();
        classStartedAt = java.time.Instant.now();
    }

    /** When this class began (before its runner started): the shared emulator's log holds earlier classes' requests. */
    private java.time.Instant classStartedAt;

    /**
     * The requests of this class's runner (and test) with this method and path without {@code /v1}: those the shared
     * emulator received since this class began. {@code FIVETRAN.count} counts those of every class of the JVM (a
     * contract test registering its webhook for the same group made FivetranWebhookIT see 2 registrations).
     */
    protected List<io.syncrunner.devtools.emulator.RecordedRequest> requestsOfThisClass(String method, String apiPath) {
        return FIVETRAN.requests().stream()
                .filter(r -> !r.at().isBefore(classStartedAt) && method.equals(r.method()) && apiPath.equals(r.apiPath()))
                .toList();
    }

    @Override
    protected Properties moreProperties() {
        Properties p = new Properties();
        p.put("fivetran.test.base-url", FIVETRAN.baseUrl());
        p.put("fivetran.test.api-key", FIVETRAN_KEY);
        p.put("fivetran.test.api-secret", secret(FIVETRAN_SECRET));
        p.put("fivetran.test.group-id", GROUP);
        p.putAll(fivetranProperties());
        return p;
    }

    protected Properties fivetranProperties() {
        return new Properties();
    }


    /** A new connected connector in the test group. */
    protected static EmulatedConnector connector(String script) {
        return EmulatedConnector.of("c_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12), GROUP)
                .script(script).scheduleType("manual");
    }

    protected static String add(EmulatedConnector c) {
        FIVETRAN.addConnector(c);
        return c.id();
    }

    protected String fivetranSync(String parameters) {
        return template.requestBody("kamelet:fivetran-sync?" + parameters, null, String.class);
    }

    protected Throwable fivetranFailure(String parameters) {
        return failureOf("kamelet:fivetran-sync?" + parameters);
    }
}
