package io.syncrunner.ops;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the top-level entries of a YAML route file are: kind ({@code route}, {@code routeTemplate},
 * {@code templatedRoute}, ...), id and line. Camel keeps no line for a {@code templatedRoute}; this is how messages
 * about a schedule still name its line. A file that is not valid YAML has no entries (Camel's loader reports why).
 */
public record RouteFileIndex(List<Entry> entries) {

    /** One top-level entry; {@code line} is 1-based, {@code id} may be null. */
    public record Entry(String kind, String id, String templateRef, int line) {
    }

    public static RouteFileIndex of(String yaml) {
        List<Entry> entries = new ArrayList<>();
        try {
            Compose compose = new Compose(LoadSettings.builder().setLabel("routes").build());
            for (Node document : compose.composeAllFromString(yaml)) {
                if (!(document instanceof SequenceNode items)) {
                    continue;
                }
                for (Node item : items.getValue()) {
                    if (!(item instanceof MappingNode map) || map.getValue().isEmpty()) {
                        continue;
                    }
                    NodeTuple first = map.getValue().get(0);
                    String kind = scalar(first.getKeyNode()).orElse(null);
                    if (kind == null) {
                        continue;
                    }
                    Node body = first.getValueNode();
                    String id = value(body, "templatedRoute".equals(kind) ? "routeId" : "id").orElse(null);
                    String ref = value(body, "routeTemplateRef").orElse(null);
                    int line = item.getStartMark().map(m -> m.getLine() + 1).orElse(0);
                    entries.add(new Entry(kind, id, ref, line));
                }
            }
        } catch (RuntimeException e) {
            // not valid YAML: no entries
        }
        return new RouteFileIndex(List.copyOf(entries));
    }

    /** The line of the entry of that kind and id, or 0. */
    public int line(String kind, String id) {
        return entries.stream().filter(e -> e.kind().equals(kind) && id != null && id.equals(e.id()))
                .mapToInt(Entry::line).findFirst().orElse(0);
    }

    /** The entries of one kind, in file order. */
    public List<Entry> ofKind(String kind) {
        return entries.stream().filter(e -> e.kind().equals(kind)).toList();
    }

    private static Optional<String> value(Node mapping, String key) {
        if (mapping instanceof MappingNode map) {
            for (NodeTuple t : map.getValue()) {
                if (scalar(t.getKeyNode()).filter(key::equals).isPresent()) {
                    return scalar(t.getValueNode());
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> scalar(Node node) {
        return node instanceof ScalarNode s ? Optional.of(s.getValue()) : Optional.empty();
    }
}
