package architectureviolations;

/** The wiring: it may assemble the providers (also from its nested classes). */
public class SyncRunnerConfiguration {
    public Object airbyte() {
        return new architectureviolations.airbyte.AirbyteClient();
    }

    static class Nested {
        Object fivetran() {
            return new architectureviolations.fivetran.FivetranClient();
        }
    }
}
