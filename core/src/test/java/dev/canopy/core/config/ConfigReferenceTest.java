package dev.canopy.core.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/configuration.md is what {@link ConfigReference} writes from the key definitions. Run with
 * {@code -Dcanopy.write.docs=true} to rewrite it.
 */
class ConfigReferenceTest {

    /** Surefire runs in the module directory; the docs are at the repository root. */
    private static final Path REFERENCE = Path.of("..", "docs", "configuration.md");

    @Test
    void theCommittedReferenceIsUpToDate() throws IOException {
        String expected = ConfigReference.markdown();
        if (Boolean.getBoolean("canopy.write.docs")) {
            Files.writeString(REFERENCE, expected, StandardCharsets.UTF_8);
        }
        String actual = Files.exists(REFERENCE) ? Files.readString(REFERENCE, StandardCharsets.UTF_8) : "";
        assertEquals(expected, actual, REFERENCE.normalize() + " is out of date with CanopyConfig; regenerate it from "
                + "the repository root with: " + ConfigReference.REGENERATE);
    }

    @Test
    void everyKeyHasARowWithItsDefault() {
        String md = ConfigReference.markdown();
        for (ConfigKey<?> k : CanopyConfig.KEYS) {
            String row = "| `" + k.name() + "` | " + k.type().label() + " | "
                    + (k.defaultText().isEmpty() ? "(none)" : "`" + k.defaultText() + "`") + " | ";
            assertTrue(md.contains(row), "row of " + k.name());
        }
        for (ConfigGroup g : ConfigGroup.values()) {
            assertTrue(md.contains("\n## " + g.title() + "\n"), g.title());
        }
    }
}
