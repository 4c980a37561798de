package io.syncrunner.ops;

import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

import java.util.Optional;

/**
 * One problem of a route file as one line: {@code routes/x.yaml:7:11: Unknown node id: nosuchEip}. Built from
 * what Camel's YAML loader throws: the position comes from the YAML mark of the exception (or one of its causes)
 * when there is one; the file then is the one the mark names.
 *
 * @param file   the file (as given or as Camel names it), never null
 * @param line   1-based line, 0 when unknown
 * @param column 1-based column, 0 when unknown
 */
public record RouteFileProblem(String file, int line, int column, String message) {

    /** {@code file:line:column: message}, leaving out what is unknown. */
    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line + (column > 0 ? ":" + column : "") : "") + ": " + message;
    }

    /** The problem an exception describes; {@code file} is used when the exception names no file. */
    public static RouteFileProblem of(String file, Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof MarkedYamlEngineException m) {
                Optional<Mark> mark = m.getProblemMark().or(m::getContextMark);
                String where = mark.map(Mark::getName).map(RouteFileProblem::fileOf).orElse(file);
                StringBuilder msg = new StringBuilder(oneLine(m.getProblem() != null ? m.getProblem()
                        : m.getContext()));
                if (m.getContext() != null && m.getProblem() != null) {
                    msg.append(" (").append(oneLine(m.getContext()));
                    m.getContextMark().filter(c -> mark.isPresent() && c.getLine() != mark.get().getLine())
                            .ifPresent(c -> msg.append(" at line ").append(c.getLine() + 1));
                    msg.append(')');
                }
                return new RouteFileProblem(where, mark.map(x -> x.getLine() + 1).orElse(0),
                        mark.map(x -> x.getColumn() + 1).orElse(0), msg.toString());
            }
        }
        return new RouteFileProblem(file, 0, 0, message(error));
    }

    /** The message of an exception chain on one line: the outermost message, plus the root cause's if new. */
    public static String message(Throwable error) {
        String top = null;
        Throwable root = error;
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (top == null && t.getMessage() != null && !t.getMessage().isBlank()) {
                top = t.getMessage();
            }
            root = t;
        }
        if (top == null) {
            return error.getClass().getSimpleName();
        }
        String msg = oneLine(top);
        String rootMsg = root.getMessage() == null ? null : oneLine(root.getMessage());
        if (rootMsg != null && !msg.contains(rootMsg)) {
            msg = msg + " (" + rootMsg + ")";
        }
        return msg;
    }

    static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** "file:routes/x.yaml" (Camel's resource location) -> "routes/x.yaml". */
    static String fileOf(String location) {
        return location.startsWith("file:") ? location.substring(5) : location;
    }
}
