package architectureviolations.journal;

/** A journal class that uses runs, which uses the journal back: a package cycle. */
public class JournalUsingRuns {
    public architectureviolations.runs.RunsUsingJournal runs() {
        return new architectureviolations.runs.RunsUsingJournal();
    }
}
