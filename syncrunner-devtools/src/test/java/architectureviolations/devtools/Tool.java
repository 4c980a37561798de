package architectureviolations.devtools;

/** A dev tool; it may use the product (runs). */
public class Tool {
    public Object runs() {
        return new architectureviolations.runs.RunsUsingJournal();
    }
}
