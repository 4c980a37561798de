package architectureviolations.runs;

/** The product using a dev tool. */
public class RunsUsingDevtools {
    public Object tool() {
        return new architectureviolations.devtools.Tool();
    }
}
