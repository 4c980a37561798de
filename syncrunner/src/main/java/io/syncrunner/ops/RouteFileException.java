package io.syncrunner.ops;

/** A route file that cannot be (re)loaded, with where and why ({@link RouteFileProblem}). */
public class RouteFileException extends RuntimeException {
    private final transient RouteFileProblem problem;

    public RouteFileException(RouteFileProblem problem, Throwable cause) {
        super(problem.toString(), cause);
        this.problem = problem;
    }

    public RouteFileProblem problem() {
        return problem;
    }
}
