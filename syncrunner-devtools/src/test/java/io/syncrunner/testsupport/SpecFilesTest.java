package io.syncrunner.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The official specs copied into {@code src/test/resources/specs/} are the files their README names: each one's
 * sha256 matches the README's table, so a silent edit of a copy fails here.
 */
class SpecFilesTest {

    /** A table row of the README: | file | repository | commit | path | info.version | sha256 |. */
    private static final Pattern ROW = Pattern.compile(
            "^\\| ([\\w./-]+\\.(?:yaml|json)) \\|.*\\| ([0-9a-f]{64}) \\|$", Pattern.MULTILINE);

    @Test
    void shouldMatchTheSha256TheReadmeNamesForEveryCopiedSpec() throws IOException {
        Map<String, String> listed = readmeHashes();

        assertThat(listed).containsKeys("airbyte/api.prism.yaml", "fivetran/fivetran-open-api-definition.json");
        for (Map.Entry<String, String> file : listed.entrySet()) {
            Path copy = Specs.SOURCE_DIR.resolve(file.getKey());
            assertThat(sha256(copy)).as("sha256 of %s", copy).isEqualTo(file.getValue());
        }
    }

    @Test
    void shouldNameEverySpecFileOfTheFolderInTheReadme() throws IOException {
        List<String> files;
        try (Stream<Path> walk = Files.walk(Specs.SOURCE_DIR)) {
            files = walk.filter(Files::isRegularFile)
                    .map(p -> Specs.SOURCE_DIR.relativize(p).toString().replace('\\', '/'))
                    .filter(name -> !name.equals("README.md"))
                    .toList();
        }

        assertThat(files).containsExactlyInAnyOrderElementsOf(readmeHashes().keySet());
    }

    @Test
    void shouldGiveTheTestsTheCopiesFromTheRepositoryNotAFolderBesideIt() throws IOException {
        for (Path spec : List.of(Specs.airbyte(), Specs.fivetran())) {
            assertThat(spec.toAbsolutePath().normalize().toString()).doesNotContain("/shared/");
            String file = spec.getParent().getFileName() + "/" + spec.getFileName();
            assertThat(sha256(spec)).as(file).isEqualTo(readmeHashes().get(file));
        }
    }

    @Test
    void shouldSeeAOneByteEditOfACopy() throws IOException {
        byte[] original = Files.readAllBytes(Specs.SOURCE_DIR.resolve("airbyte/api.prism.yaml"));
        byte[] edited = original.clone();
        edited[edited.length - 1] ^= 1;

        assertThat(sha256(edited)).isNotEqualTo(readmeHashes().get("airbyte/api.prism.yaml"));
        assertThat(sha256(original)).isEqualTo(readmeHashes().get("airbyte/api.prism.yaml"));
    }

    private static Map<String, String> readmeHashes() throws IOException {
        String readme = Files.readString(Specs.SOURCE_DIR.resolve("README.md"));
        Map<String, String> hashes = new LinkedHashMap<>();
        Matcher row = ROW.matcher(readme);
        while (row.find()) {
            hashes.put(row.group(1), row.group(2));
        }
        return hashes;
    }

    private static String sha256(Path file) throws IOException {
        return sha256(Files.readAllBytes(file));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
