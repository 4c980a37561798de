package architectureviolations.runs;

/** Uses the journal, which uses runs (JournalUsingRuns): a package cycle. */
public class RunsUsingJournal {
    public Object journal() {
        return new architectureviolations.journal.JournalUsingRuns();
    }
}
