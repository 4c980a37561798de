package architectureviolations.fivetran;

/** A provider class that uses the other provider. */
public class FivetranClient {
    public Object airbyte() {
        return new architectureviolations.airbyte.AirbyteClient();
    }
}
