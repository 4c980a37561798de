package architectureviolations;

/** A root-package class that is not the wiring, using a provider. */
public class RootUsingFivetran {
    public Object client() {
        return new architectureviolations.fivetran.FivetranClient();
    }
}
