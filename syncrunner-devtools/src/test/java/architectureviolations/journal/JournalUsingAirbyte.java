package architectureviolations.journal;

/** A generic package using a provider's class. */
public class JournalUsingAirbyte {
    public String url() {
        return new architectureviolations.airbyte.AirbyteClient().url();
    }
}
