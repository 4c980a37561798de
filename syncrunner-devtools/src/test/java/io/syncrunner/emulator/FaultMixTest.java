package io.syncrunner.devtools.emulator;

import io.syncrunner.support.Settings;
import io.syncrunner.devtools.emulator.FaultMix.Kind;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The standard fault mix: its rates, what each kind does on the wire, and its properties in the launcher. */
class FaultMixTest extends EmulatorTestSupport {

    private static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString("airbyte:password".getBytes(StandardCharsets.UTF_8));

    @Test
    void shouldSpreadTheTotalRateOverTheKindsByTheirWeights() {
        assertThat(Arrays.stream(Kind.values()).mapToDouble(Kind::weight).sum()).isCloseTo(1.0, within(1e-9));
        Faults faults = new Faults();
        FaultMix.Installed mix = FaultMix.standard(0.2, 7).installOn(faults);
        Map<FaultRule, Kind> kindOf = new HashMap<>();
        mix.rules().forEach((k, r) -> kindOf.put(r, k));

        int n = 200_000;
        Map<Kind, Integer> seen = new EnumMap<>(Kind.class);
        for (int i = 0; i < n; i++) {
            faults.select(i % 2 == 0 ? "GET" : "POST", "/jobs/" + i).ifPresent(r -> seen.merge(kindOf.get(r), 1, Integer::sum));
        }

        // binomial standard deviation of the total: sqrt(n * 0.2 * 0.8) ~ 179, i.e. 0.0009 of n
        assertThat(mix.injected() / (double) n).isCloseTo(0.2, within(0.005));
        assertThat(mix.requestsSeen()).isEqualTo(n);
        for (Kind k : Kind.values()) {
            assertThat(seen.getOrDefault(k, 0) / (double) n).as(k.name()).isCloseTo(0.2 * k.weight(), within(0.003));
            assertThat(mix.injectedByKind().get(k)).isEqualTo(seen.getOrDefault(k, 0).longValue());
        }
        assertThat(mix.toString()).contains("STATUS_429=").contains("SLOW=");
    }

    @Test
    void shouldBeReproducibleForASeedAndDifferForAnother() {
        assertThat(decisions(0.3, 42)).isEqualTo(decisions(0.3, 42)).isNotEqualTo(decisions(0.3, 43));
    }

    @Test
    void shouldFaultEveryRequestAtRateOneAndNothingAtRateZero() {
        Faults all = new Faults();
        FaultMix.standard(1.0, 1).installOn(all);
        for (int i = 0; i < 1000; i++) {
            assertThat(all.select("GET", "/anything")).isPresent();
        }
        Faults none = new Faults();
        FaultMix.Installed nothing = FaultMix.standard(0.0, 1).installOn(none);
        assertThat(none.rules()).isEmpty();
        assertThat(nothing.injected()).isZero();
        assertThat(nothing.injectedByKind().values()).containsOnly(0L);
        assertThatThrownBy(() -> FaultMix.standard(1.5, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0..1");
        assertThatThrownBy(() -> FaultMix.standard(0.2, 1).timeoutDelay(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldAnswerEachKindAsDescribedAndCreateTheJobOnlyWhenItProcessesTheRequest() {
        AirbyteEmulator airbyte = closeAfterTest(AirbyteEmulator.builder().port(0).build().start());
        String conn = "e735894a-e773-4938-969f-45f53957b75b";
        airbyte.addConnection(conn, "succeeded"); // every job ends at once, so each trigger may create one
        FaultMix.Installed mix = FaultMix.standard(1.0, 5).timeoutDelay(Duration.ofMillis(40))
                .slowDelay(Duration.ofMillis(20)).installOn(airbyte.faults());

        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            try {
                HttpResponse<String> r = send("POST", airbyte.selfManagedApiUrl() + "/jobs",
                        "{\"connectionId\":\"" + conn + "\",\"jobType\":\"sync\"}", "Authorization", BASIC,
                        "Content-Type", "application/json");
                Optional<String> retryAfter = r.headers().firstValue("Retry-After");
                outcomes.add(r.statusCode() + retryAfter.map(s -> "/" + s).orElse(""));
            } catch (IOException dropped) {
                outcomes.add("dropped");
            }
        }

        Map<Kind, Long> by = mix.injectedByKind();
        assertThat(by.values()).allMatch(n -> n > 0);
        assertThat(outcomes.stream().filter("200"::equals).count()).isEqualTo(by.get(Kind.SLOW));
        assertThat(outcomes.stream().filter("429/1"::equals).count()).isEqualTo(by.get(Kind.STATUS_429));
        assertThat(outcomes.stream().filter("502"::equals).count()).isEqualTo(by.get(Kind.STATUS_502));
        assertThat(outcomes.stream().filter("503"::equals).count()).isEqualTo(by.get(Kind.STATUS_503));
        assertThat(outcomes.stream().filter("500"::equals).count())
                .isEqualTo(by.get(Kind.STATUS_500) + by.get(Kind.STATUS_500_AFTER_PROCESSING));
        assertThat(outcomes.stream().filter("dropped"::equals).count()).isEqualTo(by.get(Kind.DROP)
                + by.get(Kind.DROP_AFTER_PROCESSING) + by.get(Kind.TIMEOUT) + by.get(Kind.TIMEOUT_AFTER_PROCESSING));
        assertThat(airbyte.jobs()).as("jobs created: by the slow answers and the faults after processing")
                .hasSize((int) (by.get(Kind.SLOW) + by.get(Kind.STATUS_500_AFTER_PROCESSING)
                        + by.get(Kind.DROP_AFTER_PROCESSING) + by.get(Kind.TIMEOUT_AFTER_PROCESSING)));
        assertThat(airbyte.triggerCount(conn)).isEqualTo(300);
    }

    @Test
    void shouldApplyToTheFivetranApiToo() {
        FivetranEmulator fivetran = closeAfterTest(FivetranEmulator.builder().port(0).apiKey("k", "s").build().start());
        fivetran.addGroup("g").addConnector("c_one", "g", "syncing:1h,succeeded");
        FaultMix.Installed mix = FaultMix.standard(1.0, 3).timeoutDelay(Duration.ofMillis(30))
                .slowDelay(Duration.ofMillis(10)).installOn(fivetran.faults());
        String auth = "Basic " + Base64.getEncoder().encodeToString("k:s".getBytes(StandardCharsets.UTF_8));

        for (int i = 0; i < 40; i++) {
            try {
                send("GET", fivetran.baseUrl() + "/v1/connections/c_one", null, "Authorization", auth);
            } catch (IOException dropped) {
                // a drop or a timeout
            }
        }

        // the JDK client sends a GET whose connection was closed without an answer once more, so more than 40 arrive
        assertThat(mix.requestsSeen()).isGreaterThanOrEqualTo(40).isEqualTo(mix.injected());
        assertThat(fivetran.requests()).hasSize((int) mix.requestsSeen()).allMatch(RecordedRequest::faulted)
                .anyMatch(r -> r.apiPath().equals("/connections/c_one"));
        mix.remove();
        assertThat(fivetran.faults().rules()).isEmpty();
    }

    @Test
    void shouldReadTheMixFromTheEmulatorProperties() {
        assertThat(EmulatorLauncher.faultMix(settings(Map.of()))).as("default: no faults").isNull();
        assertThat(EmulatorLauncher.faultMix(settings(Map.of("emulator.faults.rate", "0")))).isNull();

        FaultMix mix = EmulatorLauncher.faultMix(settings(Map.of("emulator.faults.rate", "0.2",
                "emulator.faults.seed", "99", "camel.component.http.response-timeout", "1500")));
        assertThat(mix.totalRate()).isEqualTo(0.2);
        assertThat(mix.seed()).isEqualTo(99);
        assertThat(mix.timeoutDelay()).as("the runner's response timeout + 1 s").isEqualTo(Duration.ofMillis(2500));

        FaultMix explicit = EmulatorLauncher.faultMix(settings(Map.of("emulator.faults.rate", "1",
                "emulator.faults.timeout-delay", "3s")));
        assertThat(explicit.timeoutDelay()).isEqualTo(Duration.ofSeconds(3));
        assertThat(explicit.seed()).isZero();

        assertThatThrownBy(() -> EmulatorLauncher.faultMix(settings(Map.of("emulator.faults.rate", "20%"))))
                .hasMessageContaining("emulator.faults.rate='20%' is not a number");
        assertThatThrownBy(() -> EmulatorLauncher.faultMix(settings(Map.of("emulator.faults.rate", "2"))))
                .hasMessageContaining("not within 0..1");
    }

    private static List<String> decisions(double rate, long seed) {
        Faults faults = new Faults();
        FaultMix.Installed mix = FaultMix.standard(rate, seed).installOn(faults);
        Map<FaultRule, Kind> kindOf = new HashMap<>();
        mix.rules().forEach((k, r) -> kindOf.put(r, k));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            out.add(faults.select("GET", "/jobs").map(r -> kindOf.get(r).name()).orElse("-"));
        }
        return out;
    }

    private static Settings settings(Map<String, String> values) {
        DefaultCamelContext context = new DefaultCamelContext();
        Properties p = new Properties();
        p.putAll(values);
        context.getPropertiesComponent().setInitialProperties(p);
        return new Settings(context);
    }
}
