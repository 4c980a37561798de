package io.syncrunner.bench;

import io.syncrunner.support.Json;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Sends N sync requests to {@code POST /api/syncs} with the JDK HttpClient's asynchronous API, at most
 * {@code concurrency} in flight, and measures requests/s and per-request latency (send to complete answer).
 */
final class HttpTrigger {

    /** What the sending measured; {@code runIds[i]} is null when request i was not accepted. */
    record Result(int requests, double seconds, long[] latencyMicrosSorted, Map<Integer, Integer> statuses,
                  String[] runIds, String firstError) {
        String describe() {
            long[] l = latencyMicrosSorted;
            return String.format("%d requests in %.2f s = %.0f requests/s; latency p50 %s p95 %s p99 %s max %s;"
                            + " answers %s%s", requests, seconds, requests / seconds,
                    Bench.ms(Bench.pct(l, 0.5)), Bench.ms(Bench.pct(l, 0.95)), Bench.ms(Bench.pct(l, 0.99)),
                    Bench.ms(l[l.length - 1]), statuses, firstError == null ? "" : "; first error: " + firstError);
        }
    }

    private HttpTrigger() {
    }

    static Result send(String url, String token, int concurrency, int n, IntFunction<String> body)
            throws InterruptedException {
        AtomicInteger threadIds = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-http-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
                .connectTimeout(Duration.ofSeconds(10)).build();
        URI uri = URI.create(url);
        Semaphore inFlight = new Semaphore(concurrency);
        long[] latency = new long[n];
        int[] status = new int[n];
        String[] runIds = new String[n];
        String[] firstError = new String[1];
        CountDownLatch done = new CountDownLatch(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            inFlight.acquire();
            int idx = i;
            HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(body.apply(i))).build();
            long start = System.nanoTime();
            client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((resp, error) -> {
                latency[idx] = (System.nanoTime() - start) / 1000;
                if (error != null) {
                    status[idx] = -1;
                    firstError[0] = firstError[0] == null ? error.toString() : firstError[0];
                } else {
                    status[idx] = resp.statusCode();
                    if (resp.statusCode() == 202 || resp.statusCode() == 200) {
                        runIds[idx] = Json.text(Json.parse(resp.body()), "runId");
                    } else if (firstError[0] == null) {
                        firstError[0] = resp.statusCode() + " " + resp.body();
                    }
                }
                inFlight.release();
                done.countDown();
            });
        }
        done.await(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - t0) / 1e9;
        executor.shutdown();
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int s : status) {
            statuses.merge(s, 1, Integer::sum);
        }
        long[] sorted = latency.clone();
        Arrays.sort(sorted);
        return new Result(n, seconds, sorted, statuses, runIds, firstError[0]);
    }
}
