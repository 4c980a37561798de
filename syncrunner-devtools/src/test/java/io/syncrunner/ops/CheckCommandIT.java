package io.syncrunner.ops;

import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.devtools.emulator.AuthKind;
import io.syncrunner.devtools.emulator.FivetranEmulator;
import io.syncrunner.devtools.emulator.RecordedRequest;
import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.RunnerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code syncrunner check}: each configured account is tested with one authenticated read against the emulators
 * on random ports; a failure names the fix and never the secret; exit codes 0, 1 and 2.
 */
class CheckCommandIT {
    private static final String CLIENT_ID = "check-client";
    private static final String CLIENT_SECRET = "check-client-secret-Wd81Pq";
    private static final String WRONG_CLIENT_SECRET = "wrong-client-secret-Hn36Zx";
    private static final String BASIC_PASSWORD = "check-basic-password-Lk02";
    private static final String FIVETRAN_KEY = "check-fivetran-key";
    private static final String FIVETRAN_SECRET = "check-fivetran-secret-Ys47Bv";
    private static final String WRONG_FIVETRAN_SECRET = "wrong-fivetran-secret-Qe95Tm";
    private static final List<String> SECRETS = List.of(CLIENT_SECRET, WRONG_CLIENT_SECRET, BASIC_PASSWORD,
            FIVETRAN_SECRET, WRONG_FIVETRAN_SECRET);

    private static final AirbyteEmulator AIRBYTE = AirbyteEmulator.builder().port(0)
            .clientCredentials(CLIENT_ID, CLIENT_SECRET).basicAuth("airbyte", BASIC_PASSWORD).build().start();
    private static final FivetranEmulator FIVETRAN = FivetranEmulator.builder().port(0)
            .apiKey(FIVETRAN_KEY, FIVETRAN_SECRET).build().start();

    static {
        LogCapture.registerSecrets(SECRETS);
    }

    private record Result(int exitCode, String output) {
        String line(String account) {
            return output.lines().filter(l -> l.matches("(OK|FAILED) +" + account + " .*")).findFirst()
                    .orElseThrow(() -> new AssertionError("no line for " + account + " in:\n" + output));
        }
    }

    @BeforeEach
    void clearLogs() {
        AIRBYTE.clearRequests();
        FIVETRAN.clearRequests();
    }

    @AfterAll
    static void stopEmulators() {
        AIRBYTE.close();
        FIVETRAN.close();
        assertThat(LogCapture.linesContainingAny(SECRETS)).as("log lines that show a secret").isEmpty();
    }

    /** The command in this JVM, with the emulators off and the given arguments. */
    private static Result check(String... args) {
        List<String> all = new ArrayList<>(List.of());
        all.addAll(Arrays.asList(args));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = CheckCommand.run(all, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String output = bytes.toString(StandardCharsets.UTF_8);
        for (String secret : SECRETS) {
            assertThat(output).as("the output shows no secret").doesNotContain(secret);
        }
        return new Result(code, output);
    }

    private static List<String> goodAirbyte(String name) {
        return List.of("--airbyte." + name + ".base-url=" + AIRBYTE.selfManagedApiUrl(),
                "--airbyte." + name + ".client-id=" + CLIENT_ID, "--airbyte." + name + ".client-secret=" + CLIENT_SECRET);
    }

    private static List<String> fivetran(String name, String secret) {
        return List.of("--fivetran." + name + ".base-url=" + FIVETRAN.baseUrl(),
                "--fivetran." + name + ".api-key=" + FIVETRAN_KEY, "--fivetran." + name + ".api-secret=" + secret);
    }

    private static String[] args(List<?>... parts) {
        List<String> out = new ArrayList<>();
        for (List<?> p : parts) {
            p.forEach(o -> out.add(o.toString()));
        }
        return out.toArray(new String[0]);
    }

    @Test
    void shouldPassEveryConfiguredAccountWithOneAuthenticatedReadAndExitWith0() {
        Result r = check(args(goodAirbyte("good"), fivetran("good", FIVETRAN_SECRET)));

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.line("airbyte:good")).startsWith("OK").contains("GET " + AIRBYTE.selfManagedApiUrl()
                + "/workspaces answered 200");
        assertThat(r.line("fivetran:good")).startsWith("OK").contains("/v1/account/info answered 200");
        assertThat(r.output()).contains("2 account(s) checked, all OK");
        // the reads were authenticated: a token from the token endpoint, then the workspace list with it
        assertThat(AIRBYTE.count("POST", ".*/applications/token")).isEqualTo(1);
        assertThat(AIRBYTE.requests()).filteredOn(q -> q.apiPath().equals("/workspaces"))
                .extracting(RecordedRequest::auth).containsExactly(AuthKind.BEARER_TOKEN);
        assertThat(FIVETRAN.requests()).extracting(RecordedRequest::auth).containsExactly(AuthKind.BASIC);
        // the "default" accounts of the settings file have no values on this machine: not checked
        assertThat(r.output()).doesNotContain("airbyte:default").doesNotContain("fivetran:default");
    }

    @Test
    void shouldNameTheCredentialPropertiesWhenTheAirbyteClientSecretIsWrong() {
        Result r = check("--airbyte.bad.base-url=" + AIRBYTE.selfManagedApiUrl(), "--airbyte.bad.client-id=" + CLIENT_ID,
                "--airbyte.bad.client-secret=" + WRONG_CLIENT_SECRET);

        assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
        assertThat(r.line("airbyte:bad")).startsWith("FAILED").contains("the API answered 401")
                .contains("check airbyte.bad.client-id/client-secret");
        assertThat(r.output()).contains("1 account(s) checked, 1 failed");
    }

    @Test
    void shouldFailAFivetranAccountWithAWrongSecretAndPassTheOthers() {
        Result r = check(args(fivetran("bad", WRONG_FIVETRAN_SECRET), goodAirbyte("good")));

        assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
        assertThat(r.line("fivetran:bad")).startsWith("FAILED")
                .contains("the API answered 401 to GET " + FIVETRAN.baseUrl() + "/v1/account/info")
                .contains("check fivetran.bad.api-key/api-secret");
        assertThat(r.line("airbyte:good")).startsWith("OK");
    }

    @Test
    void shouldNameTheUrlCalledWhenThePathIsWrong() {
        String wrongBase = AIRBYTE.baseUrl() + "/not-the-api/v1";
        Result r = check("--airbyte.lost.base-url=" + wrongBase, "--airbyte.lost.username=airbyte",
                "--airbyte.lost.password=" + BASIC_PASSWORD);

        assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
        assertThat(r.line("airbyte:lost")).startsWith("FAILED")
                .contains("the API answered 404 to GET " + wrongBase + "/workspaces")
                .contains("check airbyte.lost.base-url");
    }

    @Test
    void shouldSayWhereAirbyteServesItsApiWhenTheTokenEndpointAnswers404() {
        String wrongBase = AIRBYTE.baseUrl() + "/api";
        Result r = check("--airbyte.nopath.base-url=" + wrongBase, "--airbyte.nopath.client-id=" + CLIENT_ID,
                "--airbyte.nopath.client-secret=" + CLIENT_SECRET);

        assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
        assertThat(r.line("airbyte:nopath")).startsWith("FAILED")
                .contains("POST " + wrongBase + "/applications/token answered 404: Airbyte Server serves its public API"
                        + " under /api/public/v1 (set airbyte.nopath.base-url=" + AIRBYTE.baseUrl() + "/api/public/v1,"
                        + " or give host and port only)");
    }

    @Test
    void shouldCheckAServerGivenByHostAndPortOnly() {
        Result r = check("--airbyte.hostport.base-url=" + AIRBYTE.baseUrl(),
                "--airbyte.hostport.client-id=" + CLIENT_ID, "--airbyte.hostport.client-secret=" + CLIENT_SECRET);

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.line("airbyte:hostport")).startsWith("OK");
    }

    @Test
    void shouldNameHostAndPortWhenTheApiIsUnreachable() {
        int closed = RunnerProcess.freePort();
        Result r = check("--fivetran.away.base-url=http://127.0.0.1:" + closed, "--fivetran.away.api-key=k",
                "--fivetran.away.api-secret=" + FIVETRAN_SECRET);

        assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
        assertThat(r.line("fivetran:away")).startsWith("FAILED").contains("could not reach 127.0.0.1:" + closed)
                .contains("connection refused").contains("check fivetran.away.base-url");
    }

    @Test
    void shouldNameAMissingSettingAndWhereItsValueWasLookedFor() {
        Result r = check("--airbyte.half.base-url=" + AIRBYTE.selfManagedApiUrl(), "--airbyte.half.client-id=" + CLIENT_ID,
                "--airbyte.half.client-secret={{env:SYNCRUNNER_NOT_SET_FOR_CHECK}}");

        assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
        assertThat(r.line("airbyte:half")).startsWith("FAILED").contains("airbyte.half.client-secret")
                .contains("environment variable SYNCRUNNER_NOT_SET_FOR_CHECK");
        assertThat(AIRBYTE.requests()).as("nothing was sent").isEmpty();
    }

    @Test
    void shouldRefuseAnUnknownAccountNameWithExitCode2() {
        Result r = check(args(goodAirbyte("good"), List.of("nope")));

        assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
        assertThat(r.output()).contains("ERROR unknown account 'nope': the configured accounts are airbyte:good");
        assertThat(AIRBYTE.requests()).as("nothing was checked").isEmpty();

        Result wrongProvider = check(args(goodAirbyte("good"), List.of("airbite:good")));
        assertThat(wrongProvider.exitCode()).isEqualTo(2);
        assertThat(wrongProvider.output()).contains("unknown provider 'airbite'");

        assertThat(check("--not-a-setting").exitCode()).isEqualTo(2);
    }

    @Test
    void shouldCheckOnlyTheNamedAccountOfTheNamedProvider() {
        Result r = check(args(goodAirbyte("prod"), fivetran("prod", WRONG_FIVETRAN_SECRET), List.of("airbyte:prod")));

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.line("airbyte:prod")).startsWith("OK");
        assertThat(r.output()).doesNotContain("fivetran:prod");
        assertThat(FIVETRAN.requests()).isEmpty();

        Result both = check(args(goodAirbyte("prod"), fivetran("prod", WRONG_FIVETRAN_SECRET), List.of("prod")));
        assertThat(both.exitCode()).as(both.output()).isEqualTo(1);
        assertThat(both.line("airbyte:prod")).startsWith("OK");
        assertThat(both.line("fivetran:prod")).startsWith("FAILED");
    }

    @Test
    void shouldCheckAnAccountGivenOnlyAsSystemProperties() {
        System.setProperty("fivetran.sysprops.base-url", FIVETRAN.baseUrl());
        System.setProperty("fivetran.sysprops.api-key", FIVETRAN_KEY);
        System.setProperty("fivetran.sysprops.api-secret", FIVETRAN_SECRET);
        try {
            Result r = check();

            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.line("fivetran:sysprops")).startsWith("OK");
            assertThat(FIVETRAN.requests()).extracting(RecordedRequest::auth).containsExactly(AuthKind.BASIC);
        } finally {
            System.clearProperty("fivetran.sysprops.base-url");
            System.clearProperty("fivetran.sysprops.api-key");
            System.clearProperty("fivetran.sysprops.api-secret");
        }
    }

    @Test
    void shouldFailWhenNoAccountIsConfigured() {
        Result r = check();

        assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
        assertThat(r.output()).contains("no account is configured");
    }

    // ------------------------------------------------------------------------------------------- as a process

    private static int awaitExit(RunnerProcess p) throws InterruptedException {
        assertThat(p.process().waitFor(60, TimeUnit.SECONDS)).as("check ended; log:\n%s", p.logTail(40)).isTrue();
        return p.process().exitValue();
    }

    @Test
    void shouldCheckTheDemoAccountsAgainstTheBundledEmulatorsWithDemoCheck() throws Exception {
        try (RunnerProcess p = RunnerProcess.builder("demo-check").mainClass("io.syncrunner.devtools.Demo")
                .arg("check").launch()) {
            int code = awaitExit(p);

            assertThat(code).as(p.log()).isZero();
            assertThat(p.log()).containsPattern("OK +airbyte:demo +GET http://127.0.0.1:\\d+/api/public/v1/workspaces"
                    + " answered 200").containsPattern("OK +fivetran:demo +GET http://127.0.0.1:\\d+/v1/account/info"
                    + " answered 200").contains("2 account(s) checked, all OK")
                    .doesNotContain("Apache Camel").doesNotContain("demo-secret");
        }
    }

    @Test
    void shouldExitWith1NamingTheFixAsAProcess() throws Exception {
        RunnerProcess.Builder b = RunnerProcess.builder("check-wrong-secret").arg("check");
        for (String a : args(goodAirbyte("good"), fivetran("bad", WRONG_FIVETRAN_SECRET))) {
            b.arg(a);
        }
        try (RunnerProcess p = b.launch()) {
            int code = awaitExit(p);

            assertThat(code).as(p.log()).isEqualTo(1);
            assertThat(p.log()).containsPattern("OK +airbyte:good ")
                    .containsPattern("FAILED +fivetran:bad +the API answered 401 to GET " + FIVETRAN.baseUrl()
                            + "/v1/account/info: check fivetran.bad.api-key/api-secret")
                    .doesNotContain(WRONG_FIVETRAN_SECRET).doesNotContain(CLIENT_SECRET);
        }
    }
}
