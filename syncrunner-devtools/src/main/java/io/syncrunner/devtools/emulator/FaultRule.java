package io.syncrunner.devtools.emulator;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A fault to inject into matching requests. Build it fluently, then register it with {@link Faults#add(FaultRule)};
 * a rule cannot be changed once registered.
 *
 * <p>Matching: HTTP method ({@code "*"} = any) and a regex that must fully match the path WITHOUT the API prefix
 * (e.g. {@code "/jobs/\\d+"}, {@code "/jobs"}, {@code "/applications/token"}; for the Fivetran emulator
 * {@code "/connections/[^/]+/sync"}, which may also be written with its {@code /v1} prefix). Selection: {@link #times(int)}
 * (the first n matching requests), {@link #rate(double)} (each matching request with probability p, see
 * {@link #seed(long)}), both (probability p, at most n times) or neither (every matching request).
 *
 * <p>Actions:
 * <ul>
 *   <li>{@link #respond(int)}: answer the status (plus optional {@link #retryAfter(long)} header and
 *       {@link #body(String)}) instead of handling the request;</li>
 *   <li>{@link #delay(Duration)} alone: wait, then handle the request normally ("slow answer");</li>
 *   <li>{@link #delay(Duration)} with {@link #respond(int)}: wait, then answer the status;</li>
 *   <li>{@link #afterProcessing()} with {@link #respond(int)}: handle the request (e.g. the job IS created),
 *       then replace the answer by the status (after the optional delay);</li>
 *   <li>{@link #afterProcessing()} with {@link #delay(Duration)} or {@link #hold()} and neither status nor drop:
 *       handle the request at once, then send its real answer late ("the change is made, the answer is on its
 *       way");</li>
 *   <li>{@link #hold()}: keep the request (or, with {@link #afterProcessing()}, its answer) until {@link #release()}
 *       is called, after the optional delay: a request in flight for exactly as long as a test decides. A released
 *       rule holds nothing any more; {@link #heldCount()} tells how many requests it holds now.</li>
 *   <li>{@link #drop()}: close the connection without any response (after processing if
 *       {@link #afterProcessing()} is set).</li>
 * </ul>
 */
public final class FaultRule {

    private final String method;
    private final Pattern path;
    private Integer times;
    private double rate = 1.0;
    private Long seed;
    private Integer status;
    private Long retryAfterSeconds;
    private String body;
    private Duration delay = Duration.ZERO;
    private boolean drop;
    private boolean afterProcessing;
    private boolean hold;
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger holding = new AtomicInteger();

    private volatile boolean frozen;
    private long id;
    private Random random;
    private long matched;
    private long injected;

    private FaultRule(String method, String pathRegex) {
        this.method = Objects.requireNonNull(method, "method").trim().toUpperCase(Locale.ROOT);
        this.path = Pattern.compile(Objects.requireNonNull(pathRegex, "pathRegex"));
    }

    /** Starts a rule for requests with this method ({@code "*"} = any) whose prefix-less path fully matches the regex. */
    public static FaultRule on(String method, String pathRegex) {
        return new FaultRule(method, pathRegex);
    }

    /** Applies the rule only to the first {@code n} requests it selects. */
    public FaultRule times(int n) {
        checkMutable();
        if (n < 1) {
            throw new IllegalArgumentException("times must be >= 1");
        }
        this.times = n;
        return this;
    }

    /** Applies the rule to each matching request with probability {@code p} (0..1). */
    public FaultRule rate(double p) {
        checkMutable();
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException("rate must be within 0..1");
        }
        this.rate = p;
        return this;
    }

    /** Seeds the random generator used by {@link #rate(double)} so runs are reproducible. */
    public FaultRule seed(long seed) {
        checkMutable();
        this.seed = seed;
        return this;
    }

    /** Answers this HTTP status instead of (or, with {@link #afterProcessing()}, after) handling the request. */
    public FaultRule respond(int status) {
        checkMutable();
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("invalid HTTP status " + status);
        }
        this.status = status;
        return this;
    }

    /** Adds a {@code Retry-After: seconds} header to the fault response. */
    public FaultRule retryAfter(long seconds) {
        checkMutable();
        if (seconds < 0) {
            throw new IllegalArgumentException("retryAfter must be >= 0");
        }
        this.retryAfterSeconds = seconds;
        return this;
    }

    /** Uses this JSON text as fault response body instead of the default problem body. */
    public FaultRule body(String json) {
        checkMutable();
        this.body = json;
        return this;
    }

    /** Waits this long before answering (alone: then handles the request normally). */
    public FaultRule delay(Duration delay) {
        checkMutable();
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("delay must be >= 0");
        }
        this.delay = delay;
        return this;
    }

    /** Closes the connection without sending any response. */
    public FaultRule drop() {
        checkMutable();
        this.drop = true;
        return this;
    }

    /**
     * Holds each selected request until {@link #release()} (after the optional {@link #delay(Duration)}), then
     * handles it normally, or with {@link #afterProcessing()} handles it first and holds its answer.
     */
    public FaultRule hold() {
        checkMutable();
        this.hold = true;
        return this;
    }

    /** Lets every request held by {@link #hold()} go on now, and every later one at once. */
    public void release() {
        released.countDown();
    }

    /** How many requests {@link #hold()} holds right now. */
    public int heldCount() {
        return holding.get();
    }

    /** Whether the rule holds requests until {@link #release()}. */
    public boolean isHold() {
        return hold;
    }

    /** Waits until {@link #release()} (at once for a rule that does not hold); false if interrupted. */
    boolean awaitRelease() {
        if (!hold) {
            return true;
        }
        holding.incrementAndGet();
        try {
            released.await();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            holding.decrementAndGet();
        }
    }

    /** Handles the request for real first (e.g. creates the job), then applies the status or drop. */
    public FaultRule afterProcessing() {
        checkMutable();
        this.afterProcessing = true;
        return this;
    }

    /** Id assigned when registered (0 before). */
    public long id() {
        return id;
    }

    /** Method this rule matches ({@code "*"} = any). */
    public String method() {
        return method;
    }

    /** Path regex this rule matches. */
    public String pathRegex() {
        return path.pattern();
    }

    /** Fault status, or null for pure delay / drop rules. */
    public Integer status() {
        return status;
    }

    /** Retry-After seconds, or null. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** Custom body, or null. */
    public String body() {
        return body;
    }

    /** Delay before answering (zero if none). */
    public Duration delay() {
        return delay;
    }

    /** Whether the connection is dropped. */
    public boolean isDrop() {
        return drop;
    }

    /** Whether the request is processed before the fault is applied. */
    public boolean isAfterProcessing() {
        return afterProcessing;
    }

    /**
     * Whether this rule only slows the request down (or holds it) and then lets it be handled normally, or with
     * {@link #afterProcessing()} sends its real answer late.
     */
    public boolean isSlowAnswer() {
        return status == null && !drop;
    }

    /** How many times this rule has been applied. */
    public synchronized long injectedCount() {
        return injected;
    }

    /** How many requests matched method and path (whether or not the rule was applied). */
    public synchronized long matchedCount() {
        return matched;
    }

    /** Whether a {@link #times(int)} limit has been used up. */
    public synchronized boolean isExhausted() {
        return times != null && injected >= times;
    }

    /** A JSON-friendly description of the rule. */
    public synchronized Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("method", method);
        m.put("path", path.pattern());
        m.put("status", status);
        m.put("retryAfterSeconds", retryAfterSeconds);
        m.put("delayMs", delay.toMillis());
        m.put("drop", drop);
        m.put("afterProcessing", afterProcessing);
        m.put("hold", hold);
        m.put("held", holding.get());
        m.put("times", times);
        m.put("rate", rate);
        m.put("seed", seed);
        m.put("matched", matched);
        m.put("injected", injected);
        return m;
    }

    /** Readable description for logs and assertion messages. */
    @Override
    public String toString() {
        return "FaultRule" + toMap();
    }

    void register(long assignedId) {
        if (status == null && !drop && delay.isZero() && !hold) {
            throw new IllegalArgumentException("a fault rule needs respond(status), delay(duration), hold() or drop()");
        }
        synchronized (this) {
            if (frozen) {
                throw new IllegalStateException("fault rule is already registered");
            }
            this.id = assignedId;
            this.random = seed != null ? new Random(seed) : new Random();
            this.frozen = true;
        }
    }

    /** Decides whether the rule applies to this request and, if so, counts the injection. */
    synchronized boolean tryApply(String requestMethod, String apiPath) {
        return tryApply(requestMethod, apiPath, null);
    }

    /**
     * Like {@link #tryApply(String, String)}, but the regex may match either the prefix-less path or (if not
     * null) the full request path.
     */
    synchronized boolean tryApply(String requestMethod, String apiPath, String fullPath) {
        if (!"*".equals(method) && !method.equalsIgnoreCase(requestMethod)) {
            return false;
        }
        if (!path.matcher(apiPath).matches() && (fullPath == null || !path.matcher(fullPath).matches())) {
            return false;
        }
        matched++;
        if (times != null && injected >= times) {
            return false;
        }
        if (rate < 1.0 && random.nextDouble() >= rate) {
            return false;
        }
        injected++;
        return true;
    }

    private void checkMutable() {
        if (frozen) {
            throw new IllegalStateException("a registered fault rule cannot be changed");
        }
    }
}
