package dev.canopy.analysis.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The validate-compare command line: its tables, the docs file it rewrites, and its errors. */
class ValidateCompareCommandTest {

    @Test
    void shouldPrintTheTablesAndReplaceOnlyTheMarkedPartOfTheDocs(@TempDir Path dir) throws IOException {
        Path docs = dir.resolve("compare.md");
        Files.writeString(docs, "# before\n\n" + ValidateCompareCommand.BEGIN + "\nold table\n" + ValidateCompareCommand.END + "\n\nafter\n");
        CompareRun r = CompareRun.run("validate-compare", "--runs", "3", "--bootstrap", "100", "--regimes", "paired-8x24",
                "--write-docs", docs.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| paired, 8 prompts x 24 rollouts each | jackknife-t * | "), r.out());
        assertTrue(r.out().contains("| paired, 8 prompts x 24 rollouts each | base to tuned | jackknife-t * | "), r.out());
        String text = Files.readString(docs);
        assertTrue(text.startsWith("# before\n\n" + ValidateCompareCommand.BEGIN + "\n`canopy validate-compare --runs 3"), text);
        assertTrue(text.endsWith(ValidateCompareCommand.END + "\n\nafter\n"), text);
        assertFalse(text.contains("old table"));
        assertTrue(text.contains(r.out()), "the file holds what was printed");
    }

    @Test
    void shouldNameTheBadOptionAndTheFix(@TempDir Path dir) throws IOException {
        CompareRun unknown = CompareRun.run("validate-compare", "--runs", "1", "--regimes", "paired-99");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("--regimes") && unknown.err().contains("paired-5x200"), unknown.err());
        Path plain = Files.writeString(dir.resolve("plain.md"), "no markers\n");
        CompareRun noMarkers = CompareRun.run("validate-compare", "--runs", "1", "--write-docs", plain.toString());
        assertEquals(2, noMarkers.code());
        assertTrue(noMarkers.err().contains(ValidateCompareCommand.BEGIN), noMarkers.err());
        assertEquals("no markers\n", Files.readString(plain), "left as it was");
        CompareRun runs = CompareRun.run("validate-compare", "--runs", "0");
        assertEquals(2, runs.code());
        assertTrue(runs.err().contains("--runs"), runs.err());
        for (CompareRun r : new CompareRun[] {unknown, noMarkers, runs}) {
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }
}
