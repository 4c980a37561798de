package io.syncrunner.auth;

import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * At startup, resolves every setting of every configured account (secrets included) and stops the start
 * with one message listing each problem — a missing environment variable, a missing secret, a secret that is
 * not JSON or lacks its field — named by property and by where its value was looked for, never its value.
 * The accounts are those {@link AccountDiscovery} finds: an account that is not configured (e.g. "default" with
 * no environment variables) is passed over.
 */
public final class AccountsCheck extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(AccountsCheck.class);

    /**
     * A provider's accounts: the property whose presence defines an account ({@code "airbyte.%s.base-url"}),
     * and the check of one account.
     */
    public record Provider(String name, String definingKeyFormat, Consumer<String> check) {
    }

    private final CamelContext context;
    private final List<Provider> providers;

    public AccountsCheck(CamelContext context, List<Provider> providers) {
        this.context = context;
        this.providers = providers;
    }

    @Override
    protected void doStart() throws Exception {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Provider p : providers) {
            // every source: files, -D, --key=value, environment (io.syncrunner.auth.AccountDiscovery)
            for (String name : AccountDiscovery.accounts(context, p.definingKeyFormat())) {
                try {
                    p.check().accept(name);
                    checked++;
                } catch (RuntimeException e) {
                    problems.add(p.name() + " account '" + name + "': " + e.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) {
            // one line (the runner prints it as it exits): every problem at once, each named by account and property
            // (no stack trace; Camel stops what the start had started, see StartRefusedException)
            throw new io.syncrunner.support.StartRefusedException(problems.size()
                    + " account setting(s) could not be resolved: " + String.join("; ", problems));
        }
        LOG.info("Checked the settings of {} account(s)", checked);
    }

    @Override
    protected void doStop() {
    }
}
