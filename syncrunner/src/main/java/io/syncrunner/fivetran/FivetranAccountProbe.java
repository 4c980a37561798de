package io.syncrunner.fivetran;

import io.syncrunner.auth.AccountProbe;
import io.syncrunner.support.Credential;
import io.syncrunner.auth.ProbeRead;

import java.time.Duration;

/**
 * Checks a Fivetran account for real: {@code GET <base-url>/v1/account/info} with its key and secret, the
 * cheapest authenticated read of the REST API. The request counts against the account's request budget, as
 * every request of its syncs does.
 */
public final class FivetranAccountProbe implements AccountProbe {
    public static final String DEFINING_KEY = "fivetran.%s.api-key";
    private final FivetranAccounts accounts;

    public FivetranAccountProbe(FivetranAccounts accounts) {
        this.accounts = accounts;
    }

    @Override
    public String provider() {
        return "Fivetran";
    }

    @Override
    public String definingKeyFormat() {
        return DEFINING_KEY;
    }

    @Override
    public void checkSettings(String account) {
        accounts.check(account);
    }

    @Override
    public String reachabilityUrl(String account) {
        return ProbeRead.shownUrl(accounts.require(account).baseUrl()) + "/v1/account/info";
    }

    @Override
    public Result check(String name, Duration timeout) {
        FivetranAccounts.Account account;
        Credential credential;
        try {
            account = accounts.require(name);
            accounts.check(name);
            credential = account.authorizer().credential();
        } catch (IllegalArgumentException e) {
            return Result.failed(e.getMessage());
        }
        String prefix = "fivetran." + name + ".";
        account.budget().reserve(System.currentTimeMillis()); // sent now, whatever the budget says
        Result result = ProbeRead.get(account.baseUrl() + "/v1/account/info", credential, "application/json;version=2",
                timeout, new ProbeRead.Hints(prefix + "base-url", prefix + "api-key/api-secret"));
        if (!result.ok()) {
            account.authorizer().rejected(credential); // read again next time: it may have been fixed
        }
        return result;
    }
}
