package io.syncrunner.testsupport;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link RecordingRelay.Router} over K mock servers that answer each operation with one fixed body apiece (Prism's
 * dynamic mock re-seeds for every request): the n-th request of operation {@code op} about run {@code r} goes to
 * mock {@link #index f(seed, r, op, n)}, so successive requests of one run get different answers, and the
 * sequence of answers each run is offered depends on the seed only, not on timing (timing decides only how many
 * of them a run reads before its wait ends).
 *
 * <p>f: the first request ({@code n = 0}) of an operation goes to mock {@code (h(seed, op, r div K) + r) mod K}, so
 * the K runs {@code bK .. bK+K-1} start it at K different mocks (and which mock a run's first read goes to does not
 * follow from where its trigger went); each later request goes to a mock other than the one before it, chosen by
 * {@code h(seed, r, op, n)}. {@code h} is the first 4 bytes of SHA-256. Requests that are about no run ({@link Classifier} returns
 * null) go to mock 0.
 */
public final class SeededRotation implements RecordingRelay.Router {

    /** What a request is about: a run (by its number) and an operation (e.g. {@code "GET status"}). */
    public record Request(int run, String operation) {
    }

    /** Tells which run and operation a request belongs to, or null if it belongs to none. */
    @FunctionalInterface
    public interface Classifier {
        Request classify(String method, String path, String requestBody);
    }

    private final String seed;
    private final int mocks;
    private final Classifier classifier;
    /** per run and operation: how many requests so far, and the mock of the last one */
    private final Map<Request, int[]> counters = new HashMap<>();

    public SeededRotation(String seed, int mocks, Classifier classifier) {
        if (mocks < 2) {
            throw new IllegalArgumentException("a rotation needs at least 2 mocks, got " + mocks);
        }
        this.seed = seed;
        this.mocks = mocks;
        this.classifier = classifier;
    }

    @Override
    public int pick(String method, String path, String requestBody) {
        Request request = classifier.classify(method, path, requestBody);
        if (request == null) {
            return 0;
        }
        synchronized (counters) {
            int[] state = counters.computeIfAbsent(request, r -> new int[] {0, -1});
            int mock = next(seed, mocks, request.run(), request.operation(), state[0], state[1]);
            state[0]++;
            state[1] = mock;
            return mock;
        }
    }

    /** f(seed, run, operation, n): the mock that answers the n-th request (from 0) of an operation of a run. */
    public static int index(String seed, int mocks, int run, String operation, int n) {
        int mock = -1;
        for (int i = 0; i <= n; i++) {
            mock = next(seed, mocks, run, operation, i, mock);
        }
        return mock;
    }

    private static int next(String seed, int mocks, int run, String operation, int n, int previous) {
        if (n == 0) {
            return Math.floorMod(hash(seed + "|" + operation + "|" + Math.floorDiv(run, mocks)) + run, mocks);
        }
        return Math.floorMod(previous + 1 + Math.floorMod(hash(seed + "|" + run + "|" + operation + "|" + n),
                mocks - 1), mocks);
    }

    private static int hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return ((d[0] & 0xff) << 24) | ((d[1] & 0xff) << 16) | ((d[2] & 0xff) << 8) | (d[3] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
