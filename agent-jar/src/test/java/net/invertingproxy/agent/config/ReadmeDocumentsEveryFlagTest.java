package net.invertingproxy.agent.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The README's agent flag table names every flag with the default the parser uses. */
class ReadmeDocumentsEveryFlagTest {
    @Test
    void everyFlagIsInTheReadmeWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (FlagTable.Flag flag : FlagTable.FLAGS) {
            Optional<String> row = readme.lines()
                    .filter(line -> line.startsWith("| `-" + flag.name() + "`") || line.startsWith("| `-" + flag.name() + " "))
                    .findFirst();
            assertTrue(row.isPresent(), "README lacks a row for -" + flag.name());
            String expected = flag.defaultValue() == null ? "required"
                    : flag.defaultValue().isEmpty() ? "empty" : "`" + flag.defaultValue() + "`";
            assertTrue(row.get().contains(expected), "README row for -" + flag.name() + " lacks its default " + expected);
        }
    }
}
