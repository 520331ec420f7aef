package dev.canopy.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README stays a five-minute read, and the documentation holds together: every relative link in README.md,
 * docs/*.md, BENCHMARKS.md and compose/README.md names a file or directory that exists, and every {@code #anchor}
 * matches a heading of the page it points into, by the slugs GitHub gives headings.
 */
class DocumentationLinksTest {

    /** 10 KiB: beyond this the README is a reference manual again, and its sections belong in docs/. */
    static final int README_MAX_BYTES = 10_240;

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** {@code [text](target)} and {@code ![alt](target)}; the target ends at whitespace (a title) or the bracket. */
    private static final Pattern INLINE_LINK = Pattern.compile("!?\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** A reference definition, {@code [label]: target}. */
    private static final Pattern REFERENCE = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    /** {@code src} or {@code href} of inline HTML. */
    private static final Pattern HTML_LINK = Pattern.compile("\\b(?:src|href)\\s*=\\s*\"([^\"]+)\"");
    /** An explicit HTML anchor, {@code <a id="x">} or {@code <a name="x">}. */
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:id|name)\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)\\1");

    private record Link(Path from, int line, String target) {
        @Override
        public String toString() {
            return ROOT.relativize(from) + ":" + line + ": " + target;
        }
    }

    private final Map<Path, Set<String>> anchorsByFile = new HashMap<>();

    private static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("BENCHMARKS.md"),
                ROOT.resolve("compose/README.md")));
        try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        for (Path doc : docs) {
            assertTrue(Files.isRegularFile(doc), "run from the app module: " + doc);
        }
        return docs;
    }

    @Test
    void shouldKeepTheReadmeUnderTenKibibytes() throws IOException {
        long size = Files.size(ROOT.resolve("README.md"));
        assertTrue(size < README_MAX_BYTES, "README.md is " + size + " bytes; move sections to docs/ until it is under "
                + README_MAX_BYTES);
    }

    @Test
    void shouldResolveEveryRelativeLinkAndAnchor() throws IOException {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        int anchors = 0;
        for (Path doc : documents()) {
            for (Link link : links(doc)) {
                checked++;
                String target = link.target();
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(decode(file)).normalize();
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    problems.add(link + " (no such file: " + ROOT.relativize(resolved) + ")");
                    continue;
                }
                if (anchor == null || anchor.isEmpty()) {
                    continue;
                }
                anchors++;
                if (!resolved.toString().endsWith(".md")) {
                    problems.add(link + " (an anchor into a file that is not Markdown)");
                } else if (!anchorsOf(resolved).contains(decode(anchor))) {
                    problems.add(link + " (no heading with that anchor; there are " + anchorsOf(resolved) + ")");
                }
            }
        }
        assertTrue(checked > 50, "the docs' links were found: " + checked);
        assertTrue(anchors > 10, "the docs' anchors were found: " + anchors);
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void shouldSlugHeadingsAsGitHubDoes() {
        assertEquals("semantic-diversity---semantic", slug("Semantic diversity (`--semantic`)"));
        assertEquals("semantic-diversity-the-papers-second-finding", slug("Semantic diversity (the paper's second finding)"));
        assertEquals("prompt-p-with-np-rollouts", slug("Prompt p with n<sub>p</sub> rollouts"));
        assertEquals("metrics-get-canopymetrics-on-the-listen-port", slug("Metrics (`GET /canopy/metrics` on the listen port)"));
        assertEquals("canopy-bench-defaults", slug("`canopy bench` (defaults)"));
        assertEquals("ce-upper-bound", slug("CE\\* upper bound"));
        assertEquals("the-live-page", slug("The [live](x.md) page"));
    }

    @Test
    void shouldNumberRepeatedHeadingsAsGitHubDoes(@TempDir Path dir) throws IOException {
        Path page = dir.resolve("page.md");
        Files.writeString(page, "# Results\n\n## Results\n\n```\n# not a heading\n```\n\n### Results\n<a id=\"here\"></a>\n");
        assertEquals(Set.of("results", "results-1", "results-2", "here"), anchorsOf(page));
    }

    /** The links of one Markdown file, outside code blocks and code spans. */
    private static List<Link> links(Path doc) throws IOException {
        List<Link> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
        boolean inCode = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.trim().startsWith("```")) {
                inCode = !inCode;
                continue;
            }
            if (inCode) {
                continue;
            }
            String text = CODE_SPAN.matcher(line).replaceAll("");
            for (Pattern p : List.of(INLINE_LINK, REFERENCE, HTML_LINK)) {
                Matcher m = p.matcher(text);
                while (m.find()) {
                    String target = m.group(1);
                    if (!SCHEME.matcher(target).find() && !target.startsWith("//")) {
                        out.add(new Link(doc, i + 1, target));
                    }
                }
            }
        }
        return out;
    }

    /** The anchors GitHub gives a Markdown file: one per heading (numbered when repeated), plus explicit HTML anchors. */
    private Set<String> anchorsOf(Path file) throws IOException {
        Set<String> known = anchorsByFile.get(file);
        if (known != null) {
            return known;
        }
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean inCode = false;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.trim().startsWith("```")) {
                inCode = !inCode;
                continue;
            }
            if (inCode) {
                continue;
            }
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                String base = slug(h.group(2));
                int n = seen.merge(base, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? base : base + "-" + n);
            }
            Matcher a = HTML_ANCHOR.matcher(line);
            while (a.find()) {
                anchors.add(a.group(1));
            }
        }
        anchorsByFile.put(file, anchors);
        return anchors;
    }

    /**
     * GitHub's heading slug: the rendered text (links and code spans reduced to their text, HTML tags dropped), lower
     * case, every character that is not a letter, digit, space, hyphen or underscore removed, spaces made hyphens.
     */
    static String slug(String heading) {
        String text = heading
                .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                .replaceAll("<[^>]+>", "")
                .replace("`", "");
        StringBuilder slug = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            if (c == ' ') {
                slug.append('-');
            } else if (c == '-' || c == '_' || Character.isLetterOrDigit(c)) {
                slug.appendCodePoint(c);
            }
        });
        return slug.toString();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
