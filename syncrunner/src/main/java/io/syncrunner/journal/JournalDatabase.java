package io.syncrunner.journal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Where the run journal lives: {@code syncrunner.journal.url} (PostgreSQL for several runners), or, when that is
 * empty, the embedded default, an H2 database file {@code journal.mv.db} in the data directory (no server). Every
 * commit is written through at once ({@code WRITE_DELAY=0}), so a runner killed right after acknowledging a request
 * still finds it on restart.
 */
public final class JournalDatabase {
    private JournalDatabase() {
    }

    /** The JDBC URL to use: the configured one, or the embedded file under {@code dataDir}. */
    public static String url(String configuredUrl, Path dataDir) {
        if (configuredUrl != null && !configuredUrl.isBlank()) {
            return configuredUrl.trim();
        }
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().normalize().resolve("journal")
                + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
    }

    public static boolean isPostgres(String url) {
        return url.startsWith("jdbc:postgresql:");
    }

    /** A connection pool on the journal database. */
    public static HikariDataSource open(String url, String user, String password, int poolSize) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        if (user != null && !user.isBlank()) {
            c.setUsername(user);
        }
        if (password != null && !password.isEmpty()) {
            c.setPassword(password);
        }
        c.setMaximumPoolSize(poolSize);
        c.setMinimumIdle(1);
        c.setPoolName("journal");
        c.setConnectionTimeout(10_000);
        // at start, a journal that cannot be reached stops the runner within seconds, naming the URL (a refused
        // connection is retried about once a second until then)
        c.setInitializationFailTimeout(3_000);
        try {
            return new HikariDataSource(c);
        } catch (RuntimeException e) {
            // never the password: the URL and the driver's reason only
            throw new JournalException("Cannot open the run journal at " + withoutSecrets(url) + ": "
                    + rootMessage(e), null);
        }
    }

    /**
     * This runner's node id: {@code syncrunner.node-id} when set, else the one kept in {@code <dataDir>/node-id}
     * (created once from the host name), so a restarted runner finds its own runs again at once.
     */
    public static String nodeId(String configured, Path dataDir) {
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        Path file = dataDir.resolve("node-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            Files.createDirectories(dataDir);
            String id = host() + "-" + UUID.randomUUID().toString().substring(0, 8);
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new JournalException("Cannot keep the node id in " + file.toAbsolutePath() + ": " + e.getMessage()
                    + " (set syncrunner.node-id, or make the data directory writable)", e);
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "runner";
        }
    }

    /** The journal's location for the log: the URL without options or credentials. */
    public static String describe(String url) {
        String plain = withoutSecrets(url);
        int semi = plain.indexOf(';');
        return semi < 0 ? plain : plain.substring(0, semi);
    }

    static String withoutSecrets(String url) {
        return url.replaceAll("(?i)(password|pwd)=[^;&]*", "$1=xxxxxx").replaceAll("//[^/@]*@", "//");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return withoutSecrets(String.valueOf(t.getMessage()));
    }
}
