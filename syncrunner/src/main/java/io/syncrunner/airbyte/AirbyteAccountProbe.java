package io.syncrunner.airbyte;

import io.syncrunner.auth.AccountProbe;
import io.syncrunner.support.Credential;
import io.syncrunner.auth.CredentialsRejectedException;
import io.syncrunner.auth.ProbeRead;
import io.syncrunner.auth.TokenServiceUnavailableException;

import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * Checks an Airbyte account for real: a token from its token endpoint (client credentials; basic and API-key
 * accounts use theirs as they are), then {@code GET <base-url>/workspaces?limit=1}, the cheapest authenticated
 * read of the public API (every edition serves it; a token of any workspace member may list its workspaces).
 */
public final class AirbyteAccountProbe implements AccountProbe {
    public static final String DEFINING_KEY = "airbyte.%s.base-url";
    private final AirbyteAccounts accounts;

    public AirbyteAccountProbe(AirbyteAccounts accounts) {
        this.accounts = accounts;
    }

    @Override
    public String provider() {
        return "Airbyte";
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
        return ProbeRead.shownUrl(accounts.require(account).baseUrl()) + "/health";
    }

    @Override
    public Result check(String name, Duration timeout) {
        AirbyteAccount account;
        try {
            account = accounts.require(name);
            accounts.check(name);
        } catch (IllegalArgumentException e) {
            return Result.failed(e.getMessage());
        }
        String prefix = "airbyte." + name + ".";
        ProbeRead.Hints hints = new ProbeRead.Hints(prefix + "base-url", credentialProperties(prefix,
                account.authMode()));
        Credential credential;
        try {
            credential = account.authorizer().credential();
        } catch (CredentialsRejectedException e) {
            String request = "POST " + ProbeRead.shownUrl(account.tokenUrl()) + " (access token)";
            return e.status() == 404
                    ? Result.failed(e.hint() != null ? e.hint() // names the URL and where Airbyte serves tokens
                            : "the API answered 404 to " + request + ": the URL is wrong, check " + prefix
                            + "base-url (or " + prefix + "token-url)")
                    : ProbeRead.answered(e.status(), request, 0, hints, true);
        } catch (TokenServiceUnavailableException e) {
            return Result.failed(e.getMessage());
        } catch (UncheckedIOException e) {
            return ProbeRead.unreachable(ProbeRead.shownUrl(account.tokenUrl()), e.getCause(), timeout,
                    new ProbeRead.Hints(prefix + "base-url (or " + prefix + "token-url)", hints.credentialProperties()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return Result.failed(e.getMessage());
        }
        Result result = ProbeRead.get(account.baseUrl() + "/workspaces?limit=1", credential, "application/json", timeout,
                hints);
        if (!result.ok() && credential != null) {
            account.authorizer().rejected(credential); // read again next time: it may have been fixed
        }
        return result;
    }

    private static String credentialProperties(String prefix, AirbyteAccount.AuthMode mode) {
        return switch (mode) {
            case CLIENT_CREDENTIALS -> prefix + "client-id/client-secret";
            case BASIC -> prefix + "username/password";
            case API_KEY -> prefix + "api-key";
            case NONE -> prefix + "client-id/client-secret (or username/password, or api-key)";
        };
    }
}
