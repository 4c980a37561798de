package io.syncrunner.devtools.emulator;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * The demo's extension of the runner (listed in {@code syncrunner.extensions} by {@link io.syncrunner.devtools.Demo}):
 * starts the bundled API emulators and defines the accounts "demo" on them, before the runner's own configuration
 * reads its accounts; and, with {@code demo.receivers.enabled=true}, the demo's receivers of lineage events and alert
 * emails ({@link io.syncrunner.devtools.receivers.DemoReceivers}). {@code emulator.enabled=false} leaves them off (tests that bring their own emulators).
 */
public class EmulatorConfiguration implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) throws Exception {
        EmulatorLauncher.startIfEnabled(context);
        // the demo's lineage and SMTP receivers (demo.receivers.enabled: bin/syncrunner demo only)
        io.syncrunner.devtools.receivers.DemoReceivers.startIfEnabled(context);
    }
}
