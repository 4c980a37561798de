package architectureviolations.journal;

/** A generic package with a provider in a class name. */
public class AirbyteRows {
}
