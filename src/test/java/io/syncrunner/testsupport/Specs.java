package io.syncrunner.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** The official API specs, in the shared folder beside the checkout (override with -Dspecs.dir=...). */
public final class Specs {
    private Specs() {
    }

    public static Path airbyte() {
        return find("airbyte/api.prism.yaml");
    }

    public static Path fivetran() {
        return find("fivetran/fivetran-open-api-definition.json");
    }

    private static Path find(String file) {
        String dir = System.getProperty("specs.dir");
        Path path = dir != null ? Path.of(dir, file) : Path.of("..", "shared", "specs", file);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("API spec " + path.toAbsolutePath() + " not found: the specs live in"
                    + " shared/specs beside the checkout; point -Dspecs.dir at them otherwise");
        }
        return path;
    }
}
