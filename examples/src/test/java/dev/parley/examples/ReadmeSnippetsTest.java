package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ProjectFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every snippet marked in the examples appears verbatim in the README, so the README's code compiles. */
class ReadmeSnippetsTest {

    private static final Pattern SNIPPET = Pattern.compile("(?s)\\n([ ]*)// snippet:(\\w+)\\n(.*?)\\n[ ]*// end-snippet");

    @Test
    void readmeShowsTheExamplesAsTheyCompile() throws Exception {
        Path root = ProjectFiles.root();
        String readme = Files.readString(root.resolve("README.md"));
        List<String> names = new ArrayList<>();
        try (Stream<Path> sources = Files.walk(root.resolve("examples/src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher matcher = SNIPPET.matcher(Files.readString(source));
                while (matcher.find()) {
                    String indent = matcher.group(1);
                    String code = matcher.group(3).lines().map(l -> l.startsWith(indent) ? l.substring(indent.length()) : l)
                            .reduce((a, b) -> a + "\n" + b).orElse("");
                    names.add(matcher.group(2));
                    assertThat(readme).as("README shows snippet '%s' from %s", matcher.group(2), source.getFileName())
                            .contains(code);
                }
            }
        }
        assertThat(names).contains("send", "stream", "batch");
    }
}
