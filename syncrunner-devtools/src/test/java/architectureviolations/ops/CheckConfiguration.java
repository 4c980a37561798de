package architectureviolations.ops;

/** The check command's wiring: it may assemble the providers. */
public class CheckConfiguration {
    public Object fivetran() {
        return new architectureviolations.fivetran.FivetranClient();
    }
}
