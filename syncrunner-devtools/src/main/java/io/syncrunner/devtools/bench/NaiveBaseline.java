package io.syncrunner.devtools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.devtools.emulator.AirbyteEmulator;
import io.syncrunner.support.Json;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The naive client the runner is compared with: one blocking platform thread per sync, which asks for a new token
 * before every request, triggers the job, then sleeps one poll interval between status GETs. It runs in the bench's
 * JVM against the same emulator (its own connections, same scripts), after the runner has stopped.
 */
final class NaiveBaseline {
    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled", "incomplete");

    /** What the baseline run measured. */
    record Result(int syncs, int succeeded, double triggerSeconds, double totalSeconds, int peakThreads, long peakHeap,
                  long tokenRequests, long triggers, long statusGets, long cpuNanos, long[] latencyMicrosSorted,
                  String firstError) {
    }

    private NaiveBaseline() {
    }

    static Result run(AirbyteEmulator emulator, String clientId, String secret, int n, Duration poll, Duration job)
            throws InterruptedException {
        String base = emulator.selfManagedApiUrl();
        long pollMs = poll.toMillis();
        String[] connections = new String[n];
        for (int i = 0; i < n; i++) {
            connections[i] = UUID.randomUUID().toString();
            emulator.addConnection(connections[i], "pending:" + (100 + i * pollMs / n) + "ms,running:" + job.toMillis()
                    + "ms,succeeded", true, 1, 1);
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        long tokens0 = emulator.tokenRequests();
        long triggers0 = emulator.requestLog().triggers();
        long total0 = emulator.requestLog().total();
        long cpu0 = Bench.processCpuNanos();
        Bench.Sampler sampler = new Bench.Sampler(Bench.NOT_RUNNER_THREADS);
        var sampling = Bench.startSampling(sampler);

        long[] jobIds = new long[n];
        long[] detectedAtEpochMicros = new long[n];
        AtomicInteger succeeded = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> firstError = new java.util.concurrent.atomic.AtomicReference<>();
        AtomicLong lastTriggerNanos = new AtomicLong();
        CountDownLatch triggered = new CountDownLatch(n);
        CountDownLatch done = new CountDownLatch(n);
        String tokenBody = Json.write(java.util.Map.of("client_id", clientId, "client_secret", secret,
                "grant_type", "client_credentials"));
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int idx = i;
            Thread t = new Thread(() -> {
                try {
                    String trig = post(http, base + "/jobs", token(http, base, tokenBody),
                            Json.write(java.util.Map.of("connectionId", connections[idx], "jobType", "sync")));
                    jobIds[idx] = Json.parse(trig).path("jobId").asLong();
                    lastTriggerNanos.accumulateAndGet(System.nanoTime(), Math::max);
                    triggered.countDown();
                    while (true) {
                        Thread.sleep(pollMs);
                        HttpRequest get = HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobIds[idx]))
                                .header("Authorization", "Bearer " + token(http, base, tokenBody)).GET().build();
                        JsonNode status = Json.parse(http.send(get, HttpResponse.BodyHandlers.ofString()).body());
                        String s = status.path("status").asText();
                        if (TERMINAL.contains(s)) {
                            detectedAtEpochMicros[idx] = Bench.nowEpochMicros();
                            if ("succeeded".equals(s)) {
                                succeeded.incrementAndGet();
                            }
                            return;
                        }
                    }
                } catch (Exception e) {
                    firstError.compareAndSet(null, "sync " + idx + ": " + e);
                    if (triggered.getCount() > 0 && jobIds[idx] == 0) {
                        triggered.countDown();
                    }
                } finally {
                    done.countDown();
                }
            }, "naive-sync-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        triggered.await(10, TimeUnit.MINUTES);
        double triggerSeconds = (lastTriggerNanos.get() - t0) / 1e9;
        done.await(10, TimeUnit.MINUTES);
        long finished = System.nanoTime();
        sampling.shutdownNow();
        sampler.run();
        long cpu = Bench.processCpuNanos() - cpu0;
        long total = emulator.requestLog().total() - total0;
        long tokens = emulator.tokenRequests() - tokens0;
        long triggers = emulator.requestLog().triggers() - triggers0;
        long[] lat = new long[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (detectedAtEpochMicros[i] != 0 && jobIds[i] != 0) {
                var end = emulator.jobFinishedAt(jobIds[i]);
                if (end.isPresent()) {
                    lat[k++] = detectedAtEpochMicros[i] - Bench.epochMicros(end.get());
                }
            }
        }
        long[] sorted = java.util.Arrays.copyOf(lat, k);
        java.util.Arrays.sort(sorted);
        return new Result(n, succeeded.get(), triggerSeconds, (finished - t0) / 1e9, sampler.peakAll, sampler.peakHeap,
                tokens, triggers, total - tokens - triggers, cpu, sorted, firstError.get());
    }

    private static String token(HttpClient http, String base, String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/applications/token"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return Json.parse(http.send(r, HttpResponse.BodyHandlers.ofString()).body()).path("access_token").asText();
    }

    private static String post(HttpClient http, String url, String token, String json) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() / 100 != 2) {
            throw new IllegalStateException("POST " + url + " -> " + resp.statusCode() + " " + resp.body());
        }
        return resp.body();
    }
}
