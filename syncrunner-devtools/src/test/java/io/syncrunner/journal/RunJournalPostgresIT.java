package io.syncrunner.journal;

import com.zaxxer.hikari.HikariDataSource;
import io.syncrunner.testsupport.EmbeddedPostgresSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/** The Fivetran baseline in the journal on PostgreSQL (the same SQL as on H2, see {@link RunJournalTest}). */
class RunJournalPostgresIT {
    @RegisterExtension
    static final EmbeddedPostgresSupport PG = new EmbeddedPostgresSupport();

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void shouldReadBackTheFivetranBaselineExactlyAsWritten() {
        try (HikariDataSource ds = JournalDatabase.open(PG.jdbcUrl(), PG.user(), PG.password(), 2)) {
            RunJournal journal = new RunJournal(ds, "node-a", clock, Duration.ofSeconds(30));
            try {
                journal.createSchema();
                RunJournalTest.assertBaselinesReadBackExactly(journal);
            } finally {
                journal.close();
            }
        }
    }

    @Test
    void shouldKeepWorkingOnAJournalCreatedBeforeTheFullPrecisionBaseline() throws Exception {
        try (HikariDataSource ds = JournalDatabase.open(PG.jdbcUrl(), PG.user(), PG.password(), 2)) {
            RunJournalTest.assertAnOldJournalStillWorks(ds, clock);
        }
    }
}
