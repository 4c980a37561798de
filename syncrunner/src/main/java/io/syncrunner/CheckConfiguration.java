package io.syncrunner;

import io.syncrunner.SyncRunnerConfiguration.Settings;
import io.syncrunner.airbyte.AirbyteAccounts;
import io.syncrunner.auth.TokenCache;
import io.syncrunner.fivetran.FivetranAccounts;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

import java.time.Clock;

/**
 * The configuration of the {@code check} command ({@link io.syncrunner.ops.CheckCommand}) in place of the
 * runner's: the accounts and their probes (bean {@code accountProbes}), after the configurations listed in
 * {@code syncrunner.extensions} (the demo's emulators and their accounts). No journal, no route, no HTTP server.
 */
public class CheckConfiguration implements CamelConfiguration {
    public static final String PROBES = "accountProbes";

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings settings = new Settings(context);
        io.syncrunner.support.Extensions.configure(context);
        Clock clock = Clock.systemUTC();
        TokenCache tokens = new TokenCache(clock, settings.duration("syncrunner.token.refresh-margin"));
        AirbyteAccounts airbyte = new AirbyteAccounts(context, tokens, SyncRunnerConfiguration.tokenClient(clock,
                settings));
        context.getRegistry().bind(PROBES, SyncRunnerConfiguration.accountProbes(airbyte,
                new FivetranAccounts(context)));
    }
}
