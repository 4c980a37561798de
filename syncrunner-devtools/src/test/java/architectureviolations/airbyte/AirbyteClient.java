package architectureviolations.airbyte;

/** A provider class that uses the other provider. */
public class AirbyteClient {
    public String url() {
        return new architectureviolations.fivetran.FivetranClient().toString();
    }
}
