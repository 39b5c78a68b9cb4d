package net.invertingproxy.proxy.standalone;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import net.invertingproxy.proxy.config.ProxySetting;

/** The README documents every launcher flag and every proxy setting with the default the code uses. */
class ReadmeDocumentsEveryFlagTest {
    private static final Path README = Path.of("..", "README.md");

    @Test
    void everyLauncherFlagIsInTheReadme() throws Exception {
        String readme = Files.readString(README);
        for (CommandLineFlag flag : CommandLineFlag.values()) {
            assertTrue(readme.contains("`" + flag.flag()), "README lacks launcher flag " + flag.flag());
        }
    }

    @Test
    void everyProxySettingIsInTheReadmeWithItsDefault() throws Exception {
        String readme = Files.readString(README);
        for (ProxySetting setting : ProxySetting.values()) {
            String shownDefault = setting.defaultValue().isEmpty() ? "empty" : "`" + setting.defaultValue() + "`";
            String row = "| `" + setting.key() + "` | " + shownDefault + " |";
            assertTrue(readme.contains(row), "README lacks the row starting " + row);
        }
    }
}
