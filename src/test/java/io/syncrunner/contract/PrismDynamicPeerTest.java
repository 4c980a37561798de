package io.syncrunner.contract;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.ApiCallException;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncFailedException;
import io.syncrunner.support.SyncTimeoutException;
import io.syncrunner.testsupport.FivetranTestSupport;
import io.syncrunner.testsupport.PrismProxy;
import io.syncrunner.testsupport.RecordingRelay;
import io.syncrunner.testsupport.RecordingRelay.Exchange;
import io.syncrunner.testsupport.Specs;
import org.apache.camel.CamelExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prism in dynamic mock mode is the only server: the official Airbyte spec and, separately, the Fivetran spec answer
 * every request with a random, schema-valid body drawn from a seed. A {@link RecordingRelay} between the runner and
 * Prism records every exchange. Every request the runner sends must conform (Prism answers a bad one 400/422 with
 * {@code sl-violations}), and every run must end in a state its answers support: never a success nobody showed, a
 * timeout only when nothing ended, within its wait timeout plus a margin, and only with the runner's documented
 * outcomes.
 *
 * <p>Prism re-seeds its generator for every request, so one Prism answers each operation the same way every time;
 * the runs are spread over batches, each against a Prism started with the seed {@code <seed>-<batch>}. The seed is
 * printed; {@code -Dprism.seed=...} reruns a given one.
 */
class PrismDynamicPeerTest extends FivetranTestSupport {
    private static final String SEED = System.getProperty("prism.seed", "syncrunner-peer-1");
    private static final int BATCHES = 5;
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration WAIT_TIMEOUT = Duration.ofSeconds(1);
    /** Token request, trigger, retried reads (up to 5 redeliveries, 100 ms .. 1 s apart) beyond the wait itself. */
    private static final Duration MARGIN = Duration.ofSeconds(6);
    private static final String PEER_CLIENT_SECRET = "peer-client-secret-Qv83";
    private static final String PEER_FIVETRAN_SECRET = "peer-fivetran-secret-Lx27";

    private static final RecordingRelay AIRBYTE_RELAY = RecordingRelay.start();
    private static final RecordingRelay FIVETRAN_RELAY = RecordingRelay.start();
    private static volatile PrismProxy prism;

    /** One run through the runner and how it ended. */
    private record Run(String provider, String trigger, String id, String kamelet, String outcome, JsonNode result,
            Throwable failure, long startedAt, long endedAt) {
        long millis() {
            return endedAt - startedAt;
        }
    }

    @Override
    protected Properties fivetranProperties() {
        Properties p = new Properties();
        p.put("airbyte.peer.base-url", AIRBYTE_RELAY.url());
        // Prism's mock serves the spec's paths at its root (host and port only would get /api/public/v1)
        p.put("airbyte.peer.api-path", "/");
        p.put("airbyte.peer.client-id", "peer-client");
        p.put("airbyte.peer.client-secret", secret(PEER_CLIENT_SECRET));
        p.put("fivetran.peer.base-url", FIVETRAN_RELAY.url());
        p.put("fivetran.peer.api-key", "peer-key");
        p.put("fivetran.peer.api-secret", secret(PEER_FIVETRAN_SECRET));
        // the default budget (15,000/hour: one request per 240 ms, shared by the account's syncs) would leave the
        // concurrent 1 s waits of a batch hardly a read; the peer has no limit
        p.put("fivetran.peer.requests-per-hour", "3600000");
        return p;
    }

    @AfterAll
    static void stopPrismAndRelays() {
        try {
            if (prism != null) {
                prism.close();
            }
        } finally {
            AIRBYTE_RELAY.close();
            FIVETRAN_RELAY.close();
        }
    }

    @Test
    void shouldEndEveryAirbyteRunAsTheDynamicPeersAnswersSay() throws Exception {
        List<String> jobTypes = List.of("sync", "reset", "clear", "sync", "reset", "clear",
                "sync", "reset", "clear", "sync", "reset", "clear");
        List<Run> runs = runBatches("airbyte", Specs.airbyte(), AIRBYTE_RELAY, jobTypes, (jobType, batch) -> {
            String connectionId = UUID.randomUUID().toString();
            return new String[] {connectionId, "kamelet:airbyte-sync?account=peer&connectionId=" + connectionId
                    + "&jobType=" + jobType + "&pollInterval=" + POLL.toMillis() + "ms&waitTimeout="
                    + WAIT_TIMEOUT.toMillis() + "ms"};
        });

        List<Exchange> all = AIRBYTE_RELAY.exchanges();
        printTable("airbyte", runs, all);
        assertNoRequestViolations(all);
        List<String> problems = new ArrayList<>();
        for (Run run : runs) {
            problems.addAll(checkAirbyteRun(run, all));
        }
        assertThat(problems).as("runs whose end the peer's answers do not support").isEmpty();
        assertThat(runs).hasSizeGreaterThanOrEqualTo(50);
    }

    @Test
    void shouldEndEveryFivetranRunAsTheDynamicPeersAnswersSay() throws Exception {
        // The spec leaves status.setup_state a free string, so Prism practically never says "connected" and the
        // runner rightly refuses every connector before its trigger. For the "connected" half of the runs (ids
        // starting with peer_c) the relay sets setup_state to "connected" in connection answers, a schema-valid
        // value; all else stays random. Those runs also ask to unpause a paused connector.
        FIVETRAN_RELAY.editAnswers((method, path, body) -> path.startsWith("/v1/connections/peer_c")
                ? connected(body) : body);
        List<String> triggers = List.of("sync", "force", "resync", "connected sync", "connected force",
                "connected resync", "sync", "force", "resync", "connected sync", "connected force", "connected resync");
        Path spec = Specs.fivetranForPrism();
        List<Run> runs = runBatches("fivetran", spec, FIVETRAN_RELAY, triggers, (trigger, batch) -> {
            boolean connected = trigger.startsWith("connected");
            String connectorId = (connected ? "peer_c" : "peer_r")
                    + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            String common = "account=peer&connectorId=" + connectorId + "&pollInterval=" + POLL.toMillis()
                    + "ms&waitTimeout=" + WAIT_TIMEOUT.toMillis() + "ms" + (connected ? "&paused=unpause" : "");
            return new String[] {connectorId, switch (trigger.replace("connected ", "")) {
                case "force" -> "kamelet:fivetran-sync?" + common + "&force=true";
                case "resync" -> "kamelet:fivetran-resync?" + common + "&tables=public.orders,public.customers";
                default -> "kamelet:fivetran-sync?" + common;
            }};
        });

        List<Exchange> all = FIVETRAN_RELAY.exchanges();
        printTable("fivetran", runs, all);
        assertNoRequestViolations(all);
        List<String> problems = new ArrayList<>();
        for (Run run : runs) {
            problems.addAll(checkFivetranRun(run, all));
        }
        assertThat(problems).as("runs whose end the peer's answers do not support").isEmpty();
        assertThat(runs).hasSizeGreaterThanOrEqualTo(50);
    }

    // ------------------------------------------------------------------------------------------------------------

    /** For each batch: a Prism with the batch's seed behind the relay, the batch's runs at once, Prism stopped. */
    private List<Run> runBatches(String provider, Path spec, RecordingRelay relay, List<String> triggers,
            java.util.function.BiFunction<String, Integer, String[]> runOf) throws Exception {
        List<Run> runs = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(triggers.size());
        try {
            for (int batch = 0; batch < BATCHES; batch++) {
                prism = PrismProxy.mock(spec, SEED + "-" + batch);
                relay.target(prism.url());
                try {
                    List<Future<Run>> futures = new ArrayList<>();
                    for (String trigger : triggers) {
                        String[] idAndUri = runOf.apply(trigger, batch);
                        futures.add(pool.submit(() -> run(provider, trigger, idAndUri[0], idAndUri[1])));
                    }
                    for (Future<Run> f : futures) {
                        // a run that hangs past its bound fails here instead of stalling the suite
                        runs.add(f.get(WAIT_TIMEOUT.plus(MARGIN).toMillis() * 2, TimeUnit.MILLISECONDS));
                    }
                } finally {
                    relay.target(null);
                    prism.close();
                    prism = null;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return runs;
    }

    private Run run(String provider, String trigger, String id, String kamelet) {
        long start = System.currentTimeMillis();
        try {
            JsonNode result = Json.parse(template.requestBody(kamelet, null, String.class));
            return new Run(provider, trigger, id, kamelet, result.path("status").asText(), result, null, start,
                    System.currentTimeMillis());
        } catch (CamelExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String resultJson = SyncFailedException.resultOf(cause);
            JsonNode result = resultJson == null ? null : Json.parse(resultJson);
            return new Run(provider, trigger, id, kamelet, outcomeOf(cause, result), result, cause, start,
                    System.currentTimeMillis());
        }
    }

    /** The outcome's name in the table; an exception the runner does not document is named "UNEXPECTED". */
    private static String outcomeOf(Throwable failure, JsonNode result) {
        if (failure instanceof SyncTimeoutException) {
            return "timed out";
        }
        if (failure instanceof SyncFailedException) {
            if (result == null) {
                return "refused before the wait (SyncFailedException)";
            }
            String status = result.path("status").asText();
            return terminal(status) ? "ended " + status + " (SyncFailedException)"
                    : "stopped while " + status + " (SyncFailedException)";
        }
        if (failure instanceof IllegalArgumentException || failure instanceof ApiCallException) {
            return "error " + failure.getClass().getSimpleName();
        }
        return "UNEXPECTED " + failure.getClass().getName();
    }

    private static void assertNoRequestViolations(List<Exchange> all) {
        List<Exchange> bad = all.stream()
                .filter(x -> x.violations() != null || x.status() == 0 || x.status() == 400 || x.status() == 404
                        || x.status() == 405 || x.status() == 422)
                .toList();
        bad.forEach(x -> System.out.println("PRISM DYNAMIC PEER violation: " + redacted(x)));
        assertThat(bad).as("requests Prism rejected (sl-violations) or could not route").isEmpty();
    }

    // --- Airbyte ------------------------------------------------------------------------------------------------

    private List<String> checkAirbyteRun(Run run, List<Exchange> all) {
        List<String> problems = new ArrayList<>(common(run));
        List<Exchange> triggers = all.stream()
                .filter(x -> x.is("POST", "/jobs") && x.path().equals("/jobs")
                        && x.requestBody().contains(run.id()))
                .toList();
        if (triggers.size() != 1) {
            problems.add(run + ": " + triggers.size() + " trigger requests, expected exactly one");
            return problems;
        }
        Exchange trigger = triggers.get(0);
        JsonNode job = Json.parse(trigger.responseBody());
        Long jobId = Json.longValue(job, "jobId");
        // what the peer said about this run's job: the trigger's answer and the answers to GET/DELETE /jobs/{jobId}
        List<JsonNode> answers = new ArrayList<>();
        answers.add(job);
        all.stream()
                .filter(x -> x.path().equals("/jobs/" + jobId) && x.sentAtMillis() <= run.endedAt()
                        && x.status() / 100 == 2)
                .map(x -> Json.parse(x.responseBody()))
                .filter(a -> jobId.equals(Json.longValue(a, "jobId")))
                .forEach(answers::add);
        boolean sawTerminal = answers.stream().anyMatch(a -> terminal(Json.text(a, "status")));
        switch (run.outcome()) {
            case "succeeded" -> {
                if (answers.stream().noneMatch(a -> "succeeded".equals(Json.text(a, "status")))) {
                    problems.add(run + ": succeeded, but no answer for job " + jobId + " said succeeded");
                }
                if (!jobId.equals(Json.longValue(run.result(), "jobId"))) {
                    problems.add(run + ": the result names job " + run.result().path("jobId") + ", not " + jobId);
                }
            }
            case "timed out" -> {
                if (sawTerminal) {
                    problems.add(run + ": timed out although an answer for job " + jobId + " showed it ended");
                }
                if (all.stream().noneMatch(x -> x.is("DELETE", "/jobs/" + jobId))) {
                    problems.add(run + ": timed out without cancelling job " + jobId);
                }
            }
            case "ended failed (SyncFailedException)", "ended cancelled (SyncFailedException)" -> {
                String status = Json.text(run.result(), "status");
                if (answers.stream().noneMatch(a -> status.equals(Json.text(a, "status")))) {
                    problems.add(run + ": ended " + status + ", but no answer for job " + jobId + " said so");
                }
            }
            default -> problems.add(run + ": an outcome the Airbyte flow should not reach here: " + message(run));
        }
        return problems;
    }

    private static boolean terminal(String status) {
        return "succeeded".equals(status) || "failed".equals(status) || "cancelled".equals(status);
    }

    // --- Fivetran -----------------------------------------------------------------------------------------------

    private List<String> checkFivetranRun(Run run, List<Exchange> all) {
        List<String> problems = new ArrayList<>(common(run));
        String path = "/v1/connections/" + run.id();
        List<Exchange> mine = all.stream()
                .filter(x -> x.path().equals(path) || x.path().startsWith(path + "/"))
                .toList();
        List<Exchange> triggers = mine.stream()
                .filter(x -> x.method().equals("POST") && (x.path().endsWith("/sync") || x.path().endsWith("/resync")))
                .toList();
        List<Exchange> reads = mine.stream().filter(x -> x.method().equals("GET") && x.path().equals(path)).toList();
        Instant baseline = reads.isEmpty() ? null : lastCompletion(reads.get(0));
        boolean failure = run.outcome().startsWith("ended failed");
        boolean success = run.outcome().equals("succeeded");
        if ((success || failure || run.outcome().equals("timed out")) && triggers.isEmpty()) {
            problems.add(run + ": " + run.outcome() + " without a trigger");
            return problems;
        }
        long triggeredAt = triggers.isEmpty() ? Long.MAX_VALUE : triggers.get(0).sentAtMillis();
        List<Exchange> after = reads.stream().filter(x -> x.sentAtMillis() > triggeredAt
                && x.sentAtMillis() <= run.endedAt()).toList();
        boolean moved = after.stream().anyMatch(x -> {
            Instant last = lastCompletion(x);
            return last != null && (baseline == null || last.isAfter(baseline));
        });
        boolean succeededShown = after.stream().anyMatch(x -> {
            Instant last = lastCompletion(x);
            JsonNode d = Json.parse(x.responseBody()).path("data");
            return last != null && (baseline == null || last.isAfter(baseline)) && last.equals(time(d, "succeeded_at"))
                    && !last.equals(time(d, "failed_at"));
        });
        if (success && !succeededShown) {
            problems.add(run + ": succeeded, but no read after the trigger showed a newer succeeded_at");
        }
        if (failure && !moved) {
            problems.add(run + ": failed, but no read after the trigger showed a newer completion");
        }
        if (run.outcome().equals("timed out") && moved) {
            problems.add(run + ": timed out although a read after the trigger showed the sync ended");
        }
        if (triggers.size() > 1) {
            problems.add(run + ": " + triggers.size() + " triggers, but the peer never asked for a second one");
        }
        if (run.outcome().startsWith("error") || run.outcome().startsWith("UNEXPECTED")) {
            problems.add(run + ": " + message(run));
        }
        return problems;
    }

    private static String connected(String body) {
        JsonNode answer = Json.parse(body);
        if (answer.path("data").path("status") instanceof com.fasterxml.jackson.databind.node.ObjectNode status) {
            status.put("setup_state", "connected");
            return Json.write(answer);
        }
        return body;
    }

    private static Instant lastCompletion(Exchange read) {
        JsonNode d = Json.parse(read.responseBody()).path("data");
        Instant s = time(d, "succeeded_at");
        Instant f = time(d, "failed_at");
        if (s == null) {
            return f;
        }
        return f == null || s.isAfter(f) ? s : f;
    }

    private static Instant time(JsonNode d, String field) {
        String text = Json.text(d, field);
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    // --- both ---------------------------------------------------------------------------------------------------

    private static List<String> common(Run run) {
        List<String> problems = new ArrayList<>();
        if (run.millis() > WAIT_TIMEOUT.plus(MARGIN).toMillis()) {
            problems.add(run + ": took " + run.millis() + " ms, more than the wait timeout " + WAIT_TIMEOUT
                    + " plus " + MARGIN);
        }
        if (run.outcome().startsWith("UNEXPECTED")) {
            problems.add(run + ": " + message(run));
        }
        return problems;
    }

    private static String message(Run run) {
        return run.failure() == null ? "no failure" : run.failure().getClass().getName() + ": " + run.failure().getMessage();
    }

    private static void printTable(String provider, List<Run> runs, List<Exchange> all) {
        System.out.println("PRISM DYNAMIC PEER: " + provider + " seed=" + SEED + " (batches " + SEED + "-0.."
                + SEED + "-" + (BATCHES - 1) + ") runs=" + runs.size() + " requests=" + all.size()
                + " longest run=" + runs.stream().mapToLong(Run::millis).max().orElse(0) + " ms");
        count(runs, Run::outcome).forEach((k, v) -> System.out.println("  peer " + provider + " " + k + ": " + v));
        count(runs, r -> r.trigger() + " -> " + r.outcome())
                .forEach((k, v) -> System.out.println("  peer " + provider + " " + k + ": " + v));
        runs.stream().filter(r -> r.failure() != null && !(r.failure() instanceof SyncTimeoutException))
                .map(r -> r.failure().getMessage()).map(m -> m.replaceAll("peer_[cr][0-9a-f]{12}|[0-9a-f-]{36}", "<id>"))
                .distinct().limit(10)
                .forEach(m -> System.out.println("  peer " + provider + " message: " + m));
    }

    private static Map<String, Long> count(List<Run> runs, Function<Run, String> key) {
        Map<String, Long> counts = new TreeMap<>();
        runs.forEach(r -> counts.merge(key.apply(r), 1L, Long::sum));
        return counts;
    }

    private static String redacted(Exchange x) {
        return x.path().contains("token") ? x.method() + " " + x.path() + " -> " + x.status() + " " + x.violations()
                : x.toString();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }
}
