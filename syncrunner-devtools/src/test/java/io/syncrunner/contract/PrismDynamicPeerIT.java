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
import io.syncrunner.testsupport.SeededRotation;
import io.syncrunner.testsupport.Specs;
import org.apache.camel.CamelExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prism in dynamic mock mode is the only server: the official Airbyte spec and, separately, the Fivetran spec answer
 * every request with a random, schema-valid body drawn from a seed. A {@link RecordingRelay} between the runner and
 * Prism records every exchange. Every request the runner sends must conform (Prism answers a bad one 400/422 with
 * {@code sl-violations}), and every run must end as its answers say: never a success nobody showed, a timeout only
 * when nothing ended, within its wait timeout plus a margin, and only with the runner's documented outcomes.
 *
 * <p>Prism re-seeds its generator for every request, so one Prism answers each operation the same way every time.
 * To make a run's answers move, {@value #MOCKS_DEFAULT} Prisms per provider run side by side, seeded
 * {@code <seed>-0..K-1}, and the relay sends the n-th request of an operation of run r to Prism
 * {@link SeededRotation#index f(seed, r, op, n)}: successive reads of one run get different schema-valid answers,
 * and the answers a run is offered follow from the seed alone. The seed is printed; {@code -Dprism.seed=...} reruns
 * a given one, {@code -Dprism.mocks=K} changes K.
 *
 * <p>The judge of each run is written here from the vendors' documentation (docs/testing-against-peers.md), not
 * taken from the runner's code.
 */
class PrismDynamicPeerIT extends FivetranTestSupport {
    private static final String SEED = System.getProperty("prism.seed", "syncrunner-peer-1");
    private static final int MOCKS_DEFAULT = 4;
    private static final int MOCKS = Integer.getInteger("prism.mocks", MOCKS_DEFAULT);
    private static final int AIRBYTE_RUNS = 52;
    private static final int FIVETRAN_RUNS = 60;
    private static final int FIVETRAN_BATCH = 12;
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration WAIT_TIMEOUT = Duration.ofSeconds(1);
    /** Token request, trigger, retried reads (up to 5 redeliveries, 100 ms .. 1 s apart) beyond the wait itself. */
    private static final Duration MARGIN = Duration.ofSeconds(6);
    private static final String PEER_CLIENT_SECRET = "peer-client-secret-Qv83";
    private static final String PEER_FIVETRAN_SECRET = "peer-fivetran-secret-Lx27";
    private static final Pattern FIVETRAN_PATH = Pattern.compile("/v1/connections/([^/]+)(/.*)?");

    private static final RecordingRelay AIRBYTE_RELAY = RecordingRelay.start();
    private static final RecordingRelay FIVETRAN_RELAY = RecordingRelay.start();
    private static final List<PrismProxy> PRISMS = new CopyOnWriteArrayList<>();

    /** A run to make: its number (the r of the rotation), trigger type, connection or connector id and endpoint. */
    private record Planned(int number, String trigger, String id, String kamelet) {
    }

    /** One run through the runner and how it ended. */
    private record Run(int number, String provider, String trigger, String id, String kamelet, String outcome,
            JsonNode result, Throwable failure, long startedAt, long endedAt, long startedNanos, long endedNanos) {
        long millis() {
            return endedAt - startedAt;
        }

        /** The request was received while this run was under way (nanoTime: strictly ordered with the run). */
        boolean during(Exchange x) {
            return x.receivedNanos() > startedNanos && x.receivedNanos() < endedNanos;
        }

        @Override
        public String toString() {
            return provider + " run " + number + " (" + trigger + ", " + id + ") " + outcome;
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
    static void stopPrismsAndRelays() {
        try {
            stopPrisms();
        } finally {
            AIRBYTE_RELAY.close();
            FIVETRAN_RELAY.close();
        }
    }

    @Test
    void shouldEndEveryAirbyteRunAsTheDynamicPeersAnswersSay() throws Exception {
        List<String> jobTypes = List.of("sync", "reset", "clear");
        List<Planned> planned = new ArrayList<>();
        Map<String, Integer> runOfConnection = new ConcurrentHashMap<>();
        for (int r = 0; r < AIRBYTE_RUNS; r++) {
            String jobType = jobTypes.get(r % jobTypes.size());
            String connectionId = UUID.nameUUIDFromBytes((SEED + "/airbyte/" + r).getBytes(StandardCharsets.UTF_8))
                    .toString();
            runOfConnection.put(connectionId, r);
            planned.add(new Planned(r, jobType, connectionId, "kamelet:airbyte-sync?account=peer&connectionId="
                    + connectionId + "&jobType=" + jobType + "&pollInterval=" + POLL.toMillis() + "ms&waitTimeout="
                    + WAIT_TIMEOUT.toMillis() + "ms"));
        }
        // The trigger names the connection; status reads and the cancel name the job, which the trigger's answer gave.
        // The runs of a batch are MOCKS consecutive numbers, so their triggers go to MOCKS different Prisms and get
        // MOCKS different job ids: every request of a batch belongs to exactly one run (checked below).
        SeededRotation rotation = new SeededRotation(SEED + "/airbyte", MOCKS, (method, path, body) -> {
            if (method.equals("POST") && path.equals("/jobs")) {
                Integer run = runOfConnection.get(Json.text(Json.parse(body), "connectionId"));
                return run == null ? null : new SeededRotation.Request(run, "POST /jobs");
            }
            if (path.startsWith("/jobs/")) {
                Integer run = runOfJob(path.substring("/jobs/".length()), runOfConnection);
                return run == null ? null : new SeededRotation.Request(run, method + " /jobs/{jobId}");
            }
            return null;
        });
        startPrisms(Specs.airbyte(), AIRBYTE_RELAY, rotation);
        List<Run> runs;
        try {
            runs = runInBatches("airbyte", planned, MOCKS);
        } finally {
            stopPrisms();
        }

        List<Exchange> all = AIRBYTE_RELAY.exchanges();
        printTable("airbyte", runs, all, AirbyteJudge::mockSummary);
        assertNoRequestViolations(all);
        List<String> problems = new ArrayList<>(AirbyteJudge.sharedJobs(runs, all));
        for (Run run : runs) {
            problems.addAll(common(run));
            problems.addAll(AirbyteJudge.check(run, all));
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
                "connected resync");
        List<Planned> planned = new ArrayList<>();
        Map<String, Integer> runOfConnector = new ConcurrentHashMap<>();
        for (int r = 0; r < FIVETRAN_RUNS; r++) {
            String trigger = triggers.get(r % triggers.size());
            boolean connected = trigger.startsWith("connected");
            String connectorId = (connected ? "peer_c" : "peer_r") + UUID.nameUUIDFromBytes(
                    (SEED + "/fivetran/" + r).getBytes(StandardCharsets.UTF_8)).toString().replace("-", "")
                    .substring(0, 12);
            runOfConnector.put(connectorId, r);
            String common = "account=peer&connectorId=" + connectorId + "&pollInterval=" + POLL.toMillis()
                    + "ms&waitTimeout=" + WAIT_TIMEOUT.toMillis() + "ms" + (connected ? "&paused=unpause" : "");
            planned.add(new Planned(r, trigger, connectorId, switch (trigger.replace("connected ", "")) {
                case "force" -> "kamelet:fivetran-sync?" + common + "&force=true";
                case "resync" -> "kamelet:fivetran-resync?" + common + "&tables=public.orders,public.customers";
                default -> "kamelet:fivetran-sync?" + common;
            }));
        }
        // every request names its connector in the path: GET (reads), PATCH, POST .../sync or .../resync
        SeededRotation rotation = new SeededRotation(SEED + "/fivetran", MOCKS, (method, path, body) -> {
            Matcher m = FIVETRAN_PATH.matcher(path);
            Integer run = m.matches() ? runOfConnector.get(m.group(1)) : null;
            return run == null ? null
                    : new SeededRotation.Request(run, method + (m.group(2) == null ? "" : " " + m.group(2)));
        });
        startPrisms(Specs.fivetranForPrism(), FIVETRAN_RELAY, rotation);
        List<Run> runs;
        try {
            runs = runInBatches("fivetran", planned, FIVETRAN_BATCH);
        } finally {
            stopPrisms();
        }

        List<Exchange> all = FIVETRAN_RELAY.exchanges();
        printTable("fivetran", runs, all, FivetranJudge::mockSummary);
        assertNoRequestViolations(all);
        List<String> problems = new ArrayList<>();
        for (Run run : runs) {
            problems.addAll(common(run));
            problems.addAll(FivetranJudge.check(run, all));
        }
        assertThat(problems).as("runs whose end the peer's answers do not support").isEmpty();
        assertThat(runs).hasSizeGreaterThanOrEqualTo(50);
    }

    // ------------------------------------------------------------------------------------------------------------

    /**
     * Starts the MOCKS Prisms (seeds {@code <seed>-0..K-1}), two at a time (one per core of the machines this runs
     * on), and puts them behind the relay.
     */
    private static void startPrisms(Path spec, RecordingRelay relay, SeededRotation rotation) throws Exception {
        long start = System.currentTimeMillis();
        ExecutorService starters = Executors.newFixedThreadPool(2);
        try {
            List<Future<PrismProxy>> started = new ArrayList<>();
            for (int i = 0; i < MOCKS; i++) {
                String seed = SEED + "-" + i;
                started.add(starters.submit(() -> PrismProxy.mock(spec, seed)));
            }
            List<String> urls = new ArrayList<>();
            Exception failed = null;
            for (Future<PrismProxy> f : started) {
                try {
                    PrismProxy prism = f.get();
                    PRISMS.add(prism); // so that a Prism that did start is stopped even when another did not
                    urls.add(prism.url());
                } catch (java.util.concurrent.ExecutionException e) {
                    failed = failed == null ? e : failed;
                }
            }
            if (failed != null) {
                throw failed;
            }
            relay.targets(urls, rotation);
        } finally {
            starters.shutdown();
        }
        System.out.println("PRISM DYNAMIC PEER: started " + MOCKS + " Prisms with " + spec.getFileName() + " in "
                + (System.currentTimeMillis() - start) + " ms");
    }

    private static void stopPrisms() {
        AIRBYTE_RELAY.target(null);
        FIVETRAN_RELAY.target(null);
        List<PrismProxy> running = List.copyOf(PRISMS);
        PRISMS.clear();
        running.forEach(PrismProxy::close);
    }

    /** The runs in batches of {@code batchSize} at once, a batch after the one before has ended. */
    private List<Run> runInBatches(String provider, List<Planned> planned, int batchSize) throws Exception {
        List<Run> runs = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(batchSize);
        try {
            for (int from = 0; from < planned.size(); from += batchSize) {
                List<Future<Run>> futures = new ArrayList<>();
                for (Planned p : planned.subList(from, Math.min(from + batchSize, planned.size()))) {
                    futures.add(pool.submit(() -> run(provider, p)));
                }
                for (Future<Run> f : futures) {
                    // a run that hangs past its bound fails here instead of stalling the suite
                    runs.add(f.get(WAIT_TIMEOUT.plus(MARGIN).toMillis() * 2, TimeUnit.MILLISECONDS));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return runs;
    }

    private Run run(String provider, Planned p) {
        long startNanos = System.nanoTime();
        long start = System.currentTimeMillis();
        try {
            JsonNode result = Json.parse(template.requestBody(p.kamelet(), null, String.class));
            return new Run(p.number(), provider, p.trigger(), p.id(), p.kamelet(), result.path("status").asText(),
                    result, null, start, System.currentTimeMillis(), startNanos, System.nanoTime());
        } catch (CamelExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String resultJson = SyncFailedException.resultOf(cause);
            JsonNode result = resultJson == null ? null : Json.parse(resultJson);
            return new Run(p.number(), provider, p.trigger(), p.id(), p.kamelet(), outcomeOf(cause, result), result,
                    cause, start, System.currentTimeMillis(), startNanos, System.nanoTime());
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

    /** The run a job id belongs to: the latest trigger whose answer gave that job id names the connection. */
    private static Integer runOfJob(String jobId, Map<String, Integer> runOfConnection) {
        List<Exchange> all = AIRBYTE_RELAY.exchanges();
        for (int i = all.size() - 1; i >= 0; i--) {
            Exchange x = all.get(i);
            if (x.is("POST", "/jobs") && x.path().equals("/jobs") && x.status() / 100 == 2
                    && jobId.equals(String.valueOf(Json.longValue(Json.parse(x.responseBody()), "jobId")))) {
                return runOfConnection.get(Json.text(Json.parse(x.requestBody()), "connectionId"));
            }
        }
        return null;
    }

    private static boolean terminal(String status) {
        return "succeeded".equals(status) || "failed".equals(status) || "cancelled".equals(status);
    }

    // --- Airbyte ------------------------------------------------------------------------------------------------

    /**
     * What the Airbyte answers allow (api-contracts.md §1.3, §5 item 8): a job has ended when its status is
     * succeeded, failed or cancelled; the first such answer for the run's job (the trigger's answer, then the answers
     * to GET /jobs/{jobId} in order, then the answer to the cancel) is how it ended; a run that saw no end by its deadline
     * times out and cancels.
     */
    private static final class AirbyteJudge {

        static List<String> check(Run run, List<Exchange> all) {
            List<String> problems = new ArrayList<>();
            List<Exchange> triggers = all.stream()
                    .filter(x -> x.is("POST", "/jobs") && x.path().equals("/jobs")
                            && x.requestBody().contains(run.id()))
                    .toList();
            if (triggers.size() != 1) {
                problems.add(run + ": " + triggers.size() + " trigger requests, expected exactly one");
                return problems;
            }
            Exchange trigger = triggers.get(0);
            Long jobId = Json.longValue(Json.parse(trigger.responseBody()), "jobId");
            // the statuses the peer gave for this run's job, in order: the trigger's answer, then each status read.
            // A read is this run's by its path and time (a batch's jobs differ, see sharedJobs); the body's own
            // jobId is the answering Prism's and is not compared.
            List<Exchange> mine = jobExchanges(run, jobId, all);
            List<String> statuses = new ArrayList<>();
            statuses.add(Json.text(Json.parse(trigger.responseBody()), "status"));
            List<Exchange> reads = mine.stream().filter(x -> x.method().equals("GET") && x.status() / 100 == 2)
                    .toList();
            reads.forEach(x -> statuses.add(Json.text(Json.parse(x.responseBody()), "status")));
            int firstEnd = -1;
            for (int i = 0; i < statuses.size() && firstEnd < 0; i++) {
                if (terminal(statuses.get(i))) {
                    firstEnd = i;
                }
            }
            boolean cancelled = mine.stream().anyMatch(x -> x.method().equals("DELETE"));
            // DELETE answers the job re-read after the cancel signal (api-contracts.md §1.3): a job that shows
            // succeeded or failed there had ended by itself before the cancel, and that is how it ended
            String cancelAnswer = mine.stream().filter(x -> x.method().equals("DELETE") && x.status() / 100 == 2)
                    .map(x -> Json.text(Json.parse(x.responseBody()), "status")).findFirst().orElse(null);
            String shown = firstEnd >= 0 ? statuses.get(firstEnd)
                    : "succeeded".equals(cancelAnswer) || "failed".equals(cancelAnswer) ? cancelAnswer : null;
            switch (run.outcome()) {
                case "succeeded" -> {
                    if (!"succeeded".equals(shown)) {
                        problems.add(run + ": succeeded, but the first end the peer showed for job " + jobId + " is "
                                + shown + " (statuses " + statuses + ")");
                    }
                    if (!jobId.equals(Json.longValue(run.result(), "jobId"))) {
                        problems.add(run + ": the result names job " + run.result().path("jobId") + ", not " + jobId);
                    }
                }
                case "timed out" -> {
                    if (shown != null) {
                        problems.add(run + ": timed out although the peer showed job " + jobId + " " + shown
                                + " (statuses " + statuses + ")");
                    }
                    if (!cancelled) {
                        problems.add(run + ": timed out without cancelling job " + jobId);
                    }
                }
                case "ended failed (SyncFailedException)", "ended cancelled (SyncFailedException)" -> {
                    String status = Json.text(run.result(), "status");
                    if (!status.equals(shown)) {
                        problems.add(run + ": ended " + status + ", but the first end the peer showed for job "
                                + jobId + " is " + shown + " (statuses " + statuses + ")");
                    }
                }
                default -> problems.add(run + ": an outcome the Airbyte flow should not reach here: " + message(run));
            }
            if (firstEnd >= 0 && statuses.size() > firstEnd + 1) {
                problems.add(run + ": read job " + jobId + " again after it had ended (statuses " + statuses + ")");
            }
            if (firstEnd >= 0 && cancelled) {
                problems.add(run + ": cancelled job " + jobId + " after it had ended");
            }
            return problems;
        }

        /** The requests about a job sent while the run waited. */
        static List<Exchange> jobExchanges(Run run, Long jobId, List<Exchange> all) {
            return all.stream()
                    .filter(x -> x.path().equals("/jobs/" + jobId) && run.during(x))
                    .toList();
        }

        /** Runs at once must have been given different job ids, else their reads could not be told apart. */
        static List<String> sharedJobs(List<Run> runs, List<Exchange> all) {
            Map<Long, List<Run>> byJob = new TreeMap<>();
            for (Run run : runs) {
                all.stream().filter(x -> x.is("POST", "/jobs") && x.path().equals("/jobs")
                                && x.requestBody().contains(run.id()) && x.status() / 100 == 2)
                        .map(x -> Json.longValue(Json.parse(x.responseBody()), "jobId"))
                        .forEach(jobId -> byJob.computeIfAbsent(jobId, k -> new ArrayList<>()).add(run));
            }
            List<String> problems = new ArrayList<>();
            byJob.forEach((jobId, sharing) -> {
                for (int i = 0; i < sharing.size(); i++) {
                    for (int j = i + 1; j < sharing.size(); j++) {
                        Run a = sharing.get(i);
                        Run b = sharing.get(j);
                        if (a.startedNanos() < b.endedNanos() && b.startedNanos() < a.endedNanos()) {
                            problems.add(a + " and " + b + " ran at once with the same job id " + jobId);
                        }
                    }
                }
            });
            return problems;
        }

        /** What Prism number i answers to the trigger and to a status read. */
        static String mockSummary(int mock, List<Exchange> all) {
            return "POST /jobs " + answer(mock, all, x -> x.is("POST", "/jobs") && x.path().equals("/jobs"))
                    + ", GET /jobs/{jobId} " + answer(mock, all, x -> x.is("GET", "/jobs/"));
        }

        private static String answer(int mock, List<Exchange> all, java.util.function.Predicate<Exchange> which) {
            return all.stream().filter(x -> x.target() == mock && which.test(x) && x.status() / 100 == 2)
                    .map(x -> "status " + Json.text(Json.parse(x.responseBody()), "status")).findFirst()
                    .orElse("(not asked)");
        }
    }

    // --- Fivetran -----------------------------------------------------------------------------------------------

    /**
     * What the Fivetran answers allow, from the vendor's documentation (api-contracts.md §2.3 and §3.2 item 1): there
     * is no run id; the baseline is the later of {@code succeeded_at} and {@code failed_at} read before the trigger
     * (null means never); the sync has ended when a read after the trigger shows that later-of after the baseline,
     * compared as instants at full precision; it succeeded if {@code succeeded_at} is the later of the two, and
     * failed if {@code failed_at} is ({@code failed_at} is never cleared). A connector must be {@code connected}
     * to sync; a connector paused while the sync is awaited will not run.
     */
    private static final class FivetranJudge {

        /** One connector read: when the last sync ended and how, as the vendor's rule reads the answer. */
        private record Read(int index, Instant succeededAt, Instant failedAt, boolean paused, String setupState) {
            static Read of(int index, Exchange x) {
                JsonNode d = Json.parse(x.responseBody()).path("data");
                return new Read(index, instant(d, "succeeded_at"), instant(d, "failed_at"),
                        d.path("paused").asBoolean(false), Json.text(d.path("status"), "setup_state"));
            }

            Instant lastEnd() {
                if (succeededAt == null || failedAt == null) {
                    return succeededAt == null ? failedAt : succeededAt;
                }
                return failedAt.isAfter(succeededAt) ? failedAt : succeededAt;
            }

            boolean endedAfter(Instant baseline) {
                return lastEnd() != null && (baseline == null || lastEnd().isAfter(baseline));
            }

            boolean succeededLast() {
                return succeededAt != null && (failedAt == null || succeededAt.isAfter(failedAt));
            }

            boolean failedLast() {
                return failedAt != null && (succeededAt == null || failedAt.isAfter(succeededAt));
            }
        }

        static List<String> check(Run run, List<Exchange> all) {
            List<String> problems = new ArrayList<>();
            String path = "/v1/connections/" + run.id();
            List<Integer> triggers = new ArrayList<>();
            List<Read> reads = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                Exchange x = all.get(i);
                if (x.method().equals("POST") && (x.path().equals(path + "/sync") || x.path().equals(path + "/resync"))) {
                    triggers.add(i);
                } else if (x.method().equals("GET") && x.path().equals(path) && x.status() / 100 == 2) {
                    reads.add(Read.of(i, x));
                }
            }
            String outcome = run.outcome();
            if (outcome.startsWith("error") || outcome.startsWith("UNEXPECTED")) {
                problems.add(run + ": " + message(run));
                return problems;
            }
            if (outcome.startsWith("refused before the wait")) {
                if (!triggers.isEmpty()) {
                    problems.add(run + ": refused, but a trigger was sent");
                }
                if (reads.isEmpty() || "connected".equals(reads.get(0).setupState())) {
                    problems.add(run + ": refused, but the connector read before it says setup_state connected");
                }
                return problems;
            }
            if (triggers.size() != 1) {
                problems.add(run + ": " + outcome + " after " + triggers.size() + " triggers, expected exactly one");
                return problems;
            }
            int trigger = triggers.get(0);
            List<Read> before = reads.stream().filter(r -> r.index() < trigger).toList();
            if (before.isEmpty()) {
                problems.add(run + ": triggered without reading the connector first");
                return problems;
            }
            Instant baseline = before.get(before.size() - 1).lastEnd();
            List<Read> after = reads.stream().filter(r -> r.index() > trigger).toList();
            // the first read after the trigger that shows an end or a pause decides the run
            Read decisive = after.stream().filter(r -> r.endedAfter(baseline) || r.paused()).findFirst().orElse(null);
            // the sync history (Fivetran's docs: GET /v1/connections/{id}/sync-history): the first sync that started
            // after the trigger is the trigger's. When it was read after the trigger and names none, an end the
            // connection shows is another sync's (started before the trigger): the run goes on to its timeout, or
            // stops at a pause
            Instant triggeredAt = Instant.ofEpochMilli(all.get(trigger).sentAtMillis()).minusSeconds(1);
            List<JsonNode> history = new ArrayList<>();
            for (int i = trigger + 1; i < all.size(); i++) {
                Exchange x = all.get(i);
                if (x.method().equals("GET") && x.path().equals(path + "/sync-history") && x.status() / 100 == 2) {
                    Json.parse(x.responseBody()).path("data").path("items").forEach(history::add);
                }
            }
            boolean historyRead = all.subList(trigger + 1, all.size()).stream().anyMatch(x -> x.method().equals("GET")
                    && x.path().equals(path + "/sync-history") && x.status() / 100 == 2);
            boolean historyNamesNone = historyRead && history.stream().map(h -> instant(h, "start_time"))
                    .noneMatch(start -> start != null && start.isAfter(triggeredAt));
            String expected;
            if (historyNamesNone && decisive != null && decisive.endedAfter(baseline)) {
                expected = after.stream().anyMatch(Read::paused) ? "either" : "timed out";
            } else if (decisive == null) {
                expected = "timed out";
            } else if (decisive.endedAfter(baseline)) {
                expected = decisive.succeededLast() ? "succeeded" : decisive.failedLast() ? "ended failed" : "either";
            } else {
                expected = "stopped while";
            }
            if (!expected.equals("either") && !outcome.startsWith(expected)) {
                problems.add(run + ": the peer's answers say '" + expected + "' (baseline " + baseline
                        + ", reads after the trigger " + after.stream().map(r -> "[" + r.succeededAt() + " / "
                        + r.failedAt() + (r.paused() ? " paused" : "") + "]").toList() + ")");
            }
            if (decisive != null && !historyNamesNone && after.get(after.size() - 1) != decisive) {
                problems.add(run + ": read the connector again after a read had decided the run");
            }
            return problems;
        }

        private static Instant instant(JsonNode d, String field) {
            String text = Json.text(d, field);
            return text == null ? null : OffsetDateTime.parse(text).toInstant();
        }

        /** What Prism number i answers to a connector read. */
        static String mockSummary(int mock, List<Exchange> all) {
            return all.stream().filter(x -> x.target() == mock && x.is("GET", "/v1/connections/")
                            && x.status() / 100 == 2)
                    .map(x -> {
                        JsonNode d = Json.parse(x.responseBody()).path("data");
                        return "GET connection succeeded_at " + Json.text(d, "succeeded_at") + " failed_at "
                                + Json.text(d, "failed_at") + " paused " + d.path("paused").asBoolean(false);
                    })
                    .findFirst().orElse("(not asked)");
        }
    }

    private static String connected(String body) {
        JsonNode answer = Json.parse(body);
        if (answer.path("data").path("status") instanceof com.fasterxml.jackson.databind.node.ObjectNode status) {
            status.put("setup_state", "connected");
            return Json.write(answer);
        }
        return body;
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

    private static void printTable(String provider, List<Run> runs, List<Exchange> all,
            BiFunction<Integer, List<Exchange>, String> mockSummary) {
        System.out.println("PRISM DYNAMIC PEER: " + provider + " seed=" + SEED + " (" + MOCKS + " Prisms " + SEED
                + "-0.." + SEED + "-" + (MOCKS - 1) + ") runs=" + runs.size() + " requests=" + all.size()
                + " longest run=" + runs.stream().mapToLong(Run::millis).max().orElse(0) + " ms");
        for (int i = 0; i < MOCKS; i++) {
            System.out.println("  peer " + provider + " Prism " + i + ": " + mockSummary.apply(i, all));
        }
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
