package io.syncrunner.devtools.emulator;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * The demo's extension of the runner (listed in {@code syncrunner.extensions} by {@link io.syncrunner.devtools.Demo}):
 * starts the bundled API emulators and defines the accounts "demo" on them, before the runner's own configuration
 * reads its accounts. {@code emulator.enabled=false} leaves them off (tests that bring their own emulators).
 */
public class EmulatorConfiguration implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) throws Exception {
        EmulatorLauncher.startIfEnabled(context);
    }
}
