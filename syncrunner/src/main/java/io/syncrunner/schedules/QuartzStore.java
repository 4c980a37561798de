package io.syncrunner.schedules;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.support.LifecycleStrategySupport;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where Quartz keeps the schedules: in memory for a single runner ({@link #inMemory}), or, for schedules shared by
 * several runners ({@link #clustered}): with the journal on PostgreSQL, Quartz keeps its jobs and triggers in the
 * same database with its clustered JDBC job store, so each cron fire happens on exactly one runner, and the fires of
 * a runner that died are taken over by another. The Quartz tables are created from the DDL shipped in the Quartz
 * jar when missing. Every runner must use the same {@code camel.main.name} (Quartz stores it with each job).
 */
public final class QuartzStore {
    private static final Logger LOG = LoggerFactory.getLogger(QuartzStore.class);
    private static final AtomicInteger IN_MEMORY_SCHEDULERS = new AtomicInteger();

    private QuartzStore() {
    }

    /** Points the quartz component at the clustered JDBC store in the journal's PostgreSQL database. */
    public static void clustered(CamelContext context, DataSource dataSource, String url, String user,
            String password, long checkinMillis, int threads) throws SQLException, IOException {
        createTablesIfMissing(dataSource);
        Map<String, Object> p = new HashMap<>();
        p.put("org.quartz.scheduler.instanceName", "syncrunner");
        p.put("org.quartz.scheduler.instanceId", "AUTO");
        p.put("org.quartz.threadPool.threadCount", String.valueOf(threads));
        p.put("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.put("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.put("org.quartz.jobStore.dataSource", "journal");
        p.put("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.put("org.quartz.jobStore.isClustered", "true");
        p.put("org.quartz.jobStore.clusterCheckinInterval", String.valueOf(checkinMillis));
        // a fire later than this (e.g. its runner died holding it) is a misfire: the schedule's missedFires policy
        // (one catch-up fire, or none) applies instead of replaying every fire it missed
        p.put("org.quartz.jobStore.misfireThreshold", String.valueOf(Math.max(5000, 2 * checkinMillis)));
        p.put("org.quartz.dataSource.journal.provider", "hikaricp");
        p.put("org.quartz.dataSource.journal.driver", "org.postgresql.Driver");
        p.put("org.quartz.dataSource.journal.URL", url);
        p.put("org.quartz.dataSource.journal.user", user == null ? "" : user);
        p.put("org.quartz.dataSource.journal.password", password == null ? "" : password);
        p.put("org.quartz.dataSource.journal.maxConnections", String.valueOf(threads + 2));
        QuartzComponent quartz = context.getComponent("quartz", QuartzComponent.class);
        quartz.setProperties(p);
        quartz.setPrefixInstanceName(false);
        shutDownWhenTheContextStops(context, quartz);
    }

    /**
     * A single runner's schedules: Quartz in memory, with {@code threads} threads to fire them. The scheduler is this
     * runner's own: Quartz hands every scheduler of the same name in a JVM the same instance, so the runners of one
     * JVM (tests, an embedding application) would share one, and the stop of one would end the schedules of all.
     */
    public static void inMemory(CamelContext context, int threads) {
        Map<String, Object> p = new HashMap<>();
        p.put("org.quartz.scheduler.instanceName", "QuartzScheduler-" + IN_MEMORY_SCHEDULERS.incrementAndGet());
        p.put("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.put("org.quartz.threadPool.threadCount", String.valueOf(threads));
        p.put("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        QuartzComponent quartz = context.getComponent("quartz", QuartzComponent.class);
        quartz.setProperties(p);
        shutDownWhenTheContextStops(context, quartz);
    }

    /**
     * Shuts the context's scheduler down once the context has stopped (its components included). camel-quartz stops
     * its scheduler only when its count of jobs is back to 0, and that count drifts with live edits of schedules: the
     * first fire of a schedule a live edit adds can come (its first fire time already past) before its route is
     * registered; camel-quartz then creates a second endpoint for it ("Cannot find existing QuartzEndpoint"), which
     * counts a job that no route stop takes back ("Cannot shutdown Quartz scheduler ... still 1 jobs registered" in
     * RouteReloadIT), and the scheduler's threads outlived the stopped runner.
     */
    static void shutDownWhenTheContextStops(CamelContext context, QuartzComponent quartz) {
        // the component as configured here (the stopped context no longer lists its components)
        context.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopped(CamelContext stopped) {
                Scheduler scheduler = quartz.getScheduler();
                if (scheduler == null) {
                    return; // camel-quartz shut it down
                }
                try {
                    if (!scheduler.isShutdown()) {
                        LOG.info("Shutting down the Quartz scheduler {} with the stopped runner",
                                scheduler.getSchedulerName());
                        scheduler.shutdown(true); // a fire in progress ends first
                    }
                } catch (SchedulerException e) {
                    LOG.warn("The Quartz scheduler could not be shut down: {}", e.getMessage());
                }
                quartz.setScheduler(null); // a restart of the context makes a new one
            }
        });
    }

    private static void createTablesIfMissing(DataSource dataSource) throws SQLException, IOException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            // several runners may start together: one creates the tables, the others wait for it
            s.execute("SELECT pg_advisory_lock(472013)");
            try {
                try (ResultSet rs = c.getMetaData().getTables(null, null, "qrtz_locks", null)) {
                    if (rs.next()) {
                        return;
                    }
                }
                for (String sql : ddl().split(";")) {
                    String stmt = sql.replaceAll("(?m)^\\s*--.*$", "").trim();
                    if (!stmt.isEmpty() && !stmt.toUpperCase().startsWith("DROP") && !stmt.equalsIgnoreCase("COMMIT")) {
                        s.execute(stmt);
                    }
                }
            } finally {
                s.execute("SELECT pg_advisory_unlock(472013)");
            }
        }
    }

    private static String ddl() throws IOException {
        try (InputStream in = org.quartz.Scheduler.class.getResourceAsStream(
                "/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
            if (in == null) {
                throw new IOException("tables_postgres.sql is missing from the Quartz jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
