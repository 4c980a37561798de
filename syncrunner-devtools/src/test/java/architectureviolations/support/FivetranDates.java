package architectureviolations.support;

/** A generic package with a provider in a class name. */
public class FivetranDates {
}
