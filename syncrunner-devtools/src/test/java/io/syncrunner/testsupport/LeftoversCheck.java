package io.syncrunner.testsupport;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Every test class stops what it started (registered for every class through junit-platform.properties'
 * extension autodetection, so it runs around each class's own lifecycle). At the end of a class: no Camel
 * context, vert.x, ElasticMQ, H2/PostgreSQL pool or Quartz thread started by it, and no child process it started
 * (PostgreSQL, Prism), may still be alive a few seconds later. At the start and the end of the next class: no
 * ERROR or WARN line may have been logged, after the previous class ended, by a thread of the previous class.
 * And no log line of the whole run so far may show a secret a test registered ({@link LogCapture#registerSecrets}):
 * each class's end scans the lines logged since the previous scan for every secret, and the earlier lines for the
 * secrets registered since (so the whole log is checked against every secret whatever the order of the classes).
 * Each failure names the class and the thread, process or line.
 */
public final class LeftoversCheck implements BeforeAllCallback, AfterAllCallback {
    /** Threads of what a test class starts and must stop (the JVM's and the test tools' own are not here). */
    private static final Pattern TRACKED = Pattern.compile(
            "Camel \\(.*|vert\\.x-.*|elasticmq.*|sqs-.*|.*pekko.*|HikariPool.*|H2 .*|MVStore.*|.*Quartz.*");
    private static final Pattern LOG_LINE = Pattern.compile("^\\S+ (ERROR|WARN)\\s+\\[([^\\]]+)\\] ");
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private static String previousClass;
    private static Set<String> previousThreads = Set.of();
    private static int previousEnd;

    private static int scannedLines;
    private static final Set<String> SCANNED_SECRETS = new HashSet<>();

    private Set<Long> threadsBefore = Set.of();
    private Set<Long> processesBefore = Set.of();

    @Override
    public void beforeAll(ExtensionContext context) {
        linesFromPreviousClass(Set.of());
        threadsBefore = Thread.getAllStackTraces().keySet().stream().map(Thread::getId).collect(Collectors.toSet());
        processesBefore = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        String name = context.getRequiredTestClass().getSimpleName();
        Set<String> started = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!threadsBefore.contains(t.getId())) {
                started.add(t.getName());
            }
        }
        linesFromPreviousClass(started);
        noSecretLoggedSoFar(name);
        List<String> left = new ArrayList<>();
        try {
            await().atMost(STOP_GRACE).pollInterval(Duration.ofMillis(200)).until(() -> {
                left.clear();
                left.addAll(leftovers());
                return left.isEmpty();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            fail(name + " left running " + STOP_GRACE.toSeconds() + "s after it ended: " + left);
        } finally {
            previousClass = name;
            previousThreads = started.stream().filter(n -> TRACKED.matcher(n).matches()).collect(Collectors.toSet());
            previousEnd = LogCapture.size();
        }
    }

    private List<String> leftovers() {
        List<String> left = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !threadsBefore.contains(t.getId()) && TRACKED.matcher(t.getName()).matches()) {
                left.add("thread '" + t.getName() + "'");
            }
        }
        ProcessHandle.current().descendants().filter(p -> p.isAlive() && !processesBefore.contains(p.pid()))
                .forEach(p -> left.add("process " + p.pid() + " " + p.info().command().orElse("?")));
        return left;
    }

    /**
     * ERROR/WARN lines logged since the previous class ended by one of its threads (a name this class's own threads
     * reuse, e.g. a vert.x event loop of its own runner, is not counted against the previous class).
     */
    private static void linesFromPreviousClass(Set<String> reusedNames) {
        if (previousClass == null) {
            return;
        }
        List<String> found = new ArrayList<>();
        for (String line : LogCapture.linesSince(previousEnd)) {
            Matcher m = LOG_LINE.matcher(line);
            if (m.find() && previousThreads.contains(m.group(2)) && !reusedNames.contains(m.group(2))) {
                found.add(line.lines().findFirst().orElse(line));
            }
        }
        if (!found.isEmpty()) {
            fail("threads of " + previousClass + " logged after it ended: " + found);
        }
    }

    private static synchronized void noSecretLoggedSoFar(String className) {
        List<String> lines = LogCapture.lines();
        List<String> all = List.copyOf(LogCapture.secrets());
        List<String> added = all.stream().filter(x -> !SCANNED_SECRETS.contains(x)).toList();
        List<String> leaks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            List<String> wanted = i >= scannedLines ? all : added;
            String line = lines.get(i);
            if (wanted.stream().anyMatch(line::contains)) {
                leaks.add(line.lines().findFirst().orElse(line));
            }
        }
        scannedLines = lines.size();
        SCANNED_SECRETS.addAll(all);
        if (!leaks.isEmpty()) {
            fail("log lines that show a test secret (seen at the end of " + className + "): " + leaks);
        }
    }
}
