package io.syncrunner.ops;

import io.syncrunner.airbyte.AirbyteAccountProbe;
import io.syncrunner.airbyte.AirbyteAccounts;
import io.syncrunner.auth.AccountProbe;
import io.syncrunner.auth.ClientCredentialsTokenClient;
import io.syncrunner.auth.TokenCache;
import io.syncrunner.fivetran.FivetranAccountProbe;
import io.syncrunner.fivetran.FivetranAccounts;
import io.syncrunner.support.Settings;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The configuration of the {@code check} command ({@link CheckCommand}) in place of the
 * runner's: the accounts and their probes (bean {@code accountProbes}), after the configurations listed in
 * {@code syncrunner.extensions} (the demo's emulators and their accounts). No journal, no route, no HTTP server.
 * With {@code io.syncrunner.SyncRunnerConfiguration} the one place besides the providers' packages that assembles
 * their classes (the runner's configuration takes {@link #accountProbes} from here).
 */
public class CheckConfiguration implements CamelConfiguration {
    public static final String PROBES = "accountProbes";

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings settings = new Settings(context);
        io.syncrunner.support.Extensions.configure(context);
        Clock clock = Clock.systemUTC();
        TokenCache tokens = new TokenCache(clock, settings.duration("syncrunner.token.refresh-margin"));
        AirbyteAccounts airbyte = new AirbyteAccounts(context, tokens, tokenClient(clock,
                settings));
        context.getRegistry().bind(PROBES, accountProbes(airbyte,
                new FivetranAccounts(context)));
    }

    /** What the generic checks (startup, readiness, the check command) know of each provider's accounts. */
    public static List<AccountProbe> accountProbes(AirbyteAccounts airbyte, FivetranAccounts fivetran) {
        return List.of(new AirbyteAccountProbe(airbyte), new FivetranAccountProbe(fivetran));
    }

    /** The token client of the provider APIs, with the runner's API timeouts. */
    public static ClientCredentialsTokenClient tokenClient(Clock clock, Settings settings) {
        return new ClientCredentialsTokenClient(clock,
                Duration.ofMillis(settings.longValue("camel.component.http.connect-timeout", 10_000)),
                Duration.ofMillis(settings.longValue("camel.component.http.response-timeout", 60_000)));
    }
}
