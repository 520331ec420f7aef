package dev.canopy.app;

import dev.canopy.core.UserError;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code --flag} that README.md and docs/*.md name must be one the real command line accepts, for
 * the command the text gives it to:
 * <ul>
 *   <li>in a command ({@code canopy X ...} in a code block or an inline code span): an option of X (or of
 *       its subcommand, {@code release announce}); a command in a code block must also parse as a whole;</li>
 *   <li>under a heading that names {@code `canopy X`}: an option of X;</li>
 *   <li>after commands named in the same sentence ({@code `canopy X` and `canopy Y` ... `--flag`}): an
 *       option of each of them;</li>
 *   <li>anywhere else: an option of some command, unless it is one of the few flags of other programs
 *       the docs mention (listed below with the program).</li>
 * </ul>
 */
class DocumentedFlagsTest {

    /** Flags of other programs that the docs name, with the program. */
    private static final Map<String, String> OTHER_PROGRAMS = Map.of(
            "--logprobs-mode", "vLLM",
            "--max-logprobs", "vLLM",
            "--max-top-n-tokens", "TGI");

    private static final Pattern OTHER_TOOL = Pattern.compile("\\s*(?:\\S*/)?(?:kafka-[a-z-]+\\.sh|kcat)\\s");
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*");
    private static final Pattern COMMAND = Pattern.compile("(?:\\./)?\\bcanopy\\s+([a-z][a-z-]*)(?:\\s+([a-z][a-z-]*))?");
    private static final Pattern SPAN = Pattern.compile("`([^`]+)`");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*)$");

    private final CommandLine cli = new CommandLine(new Canopy());

    private record Place(Path file, int line) {
        @Override
        public String toString() {
            return file.getFileName() + ":" + line;
        }
    }

    private static List<Path> documents() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(root.resolve("README.md")), "run from the app module: " + root);
        List<Path> docs = new ArrayList<>();
        docs.add(root.resolve("README.md"));
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    /** The (sub)command {@code canopy name [sub]} names, or null when name is not a command. */
    private CommandLine command(String name, String sub) {
        CommandLine c = cli.getSubcommands().get(name);
        if (c != null && sub != null && c.getSubcommands().containsKey(sub)) {
            return c.getSubcommands().get(sub);
        }
        return c;
    }

    private static boolean knows(CommandLine c, String flag) {
        return c.getCommandSpec().findOption(flag) != null;
    }

    private boolean anyCommandKnows(String flag) {
        if (knows(cli, flag)) {
            return true;
        }
        for (CommandLine c : cli.getSubcommands().values()) {
            if (knows(c, flag)) {
                return true;
            }
            for (CommandLine s : c.getSubcommands().values()) {
                if (knows(s, flag)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<String> flags(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = FLAG.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** The part of a code line that belongs to the command: up to a shell comment or pipe. */
    private static String commandPart(String text) {
        String t = text.replaceAll("\\s#.*$", "");
        int pipe = t.indexOf(" | ");
        return pipe < 0 ? t : t.substring(0, pipe);
    }

    private final List<String> problems = new ArrayList<>();
    private final TreeSet<String> seen = new TreeSet<>();
    private int commandLinesParsed;

    private void check(CommandLine c, String flag, Place where, String why) {
        seen.add(flag);
        if (!knows(c, flag)) {
            problems.add(where + ": " + flag + " is not an option of 'canopy " + c.getCommandName() + "' (" + why + ")");
        }
    }

    private void checkSomewhere(String flag, Place where) {
        seen.add(flag);
        if (!anyCommandKnows(flag) && !OTHER_PROGRAMS.containsKey(flag)) {
            problems.add(where + ": " + flag + " is no option of any canopy command");
        }
    }

    /** Checks the flags of one piece of code (a code line or an inline span); returns whether it held a command. */
    private boolean checkCode(String code, Place where, boolean wholeLine) {
        Matcher m = COMMAND.matcher(code);
        if (!m.find()) {
            return false;
        }
        CommandLine c = command(m.group(1), m.group(2));
        if (c == null) {
            return false;
        }
        String rest = commandPart(code.substring(m.end()));
        for (String f : flags(rest)) {
            check(c, f, where, "in a command line");
        }
        if (wholeLine && !rest.contains("[")) {
            parseWhole(code.substring(m.start()), where);
        }
        return true;
    }

    /** A command in a code block must parse as a whole (values converted, required options present). */
    private void parseWhole(String commandLine, Place where) {
        List<String> words = new ArrayList<>(List.of(commandPart(commandLine).trim().split("\\s+")));
        words.remove(0); // canopy or ./canopy
        try {
            new CommandLine(new Canopy()).parseArgs(words.toArray(String[]::new));
            commandLinesParsed++;
        } catch (CommandLine.ParameterException e) {
            problems.add(where + ": 'canopy " + String.join(" ", words) + "' does not parse: " + e.getMessage());
        }
    }

    private void checkDocument(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        lines.add("");
        boolean inCode = false;
        String[] sectionCommand = new String[7];
        StringBuilder continued = null;
        int continuedFrom = 0;
        StringBuilder paragraph = new StringBuilder();
        int paragraphFrom = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            CommandLine section = null;
            for (String s : sectionCommand) {
                if (s != null) {
                    section = command(s, null);
                }
            }
            boolean fence = line.trim().startsWith("```");
            if (inCode && !fence) {
                if (continued != null) {
                    continued.append(' ').append(line.trim());
                } else {
                    continued = new StringBuilder(line.trim());
                    continuedFrom = i + 1;
                }
                if (line.endsWith("\\")) {
                    continued.setLength(continued.length() - 1);
                    continue;
                }
                String code = continued.toString();
                continued = null;
                checkCodeLine(code, new Place(file, continuedFrom), section);
                continue;
            }
            Matcher h = HEADING.matcher(line);
            boolean blockStart = line.isBlank() || fence || h.matches() || line.startsWith("|")
                    || line.matches("\\s*([-*]|\\d+\\.)\\s.*");
            if (blockStart && paragraph.length() > 0) {
                checkProse(paragraph.toString(), new Place(file, paragraphFrom), section);
                paragraph.setLength(0);
            }
            if (fence) {
                inCode = !inCode;
                continue;
            }
            if (h.matches()) {
                int level = h.group(1).length();
                for (int l = level; l < sectionCommand.length; l++) {
                    sectionCommand[l] = null;
                }
                Matcher named = Pattern.compile("`canopy ([a-z-]+)`").matcher(h.group(2));
                if (named.find() && command(named.group(1), null) != null) {
                    sectionCommand[level] = named.group(1);
                }
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("|")) {
                checkProse(line, new Place(file, i + 1), section);
                continue;
            }
            if (paragraph.length() == 0) {
                paragraphFrom = i + 1;
            }
            paragraph.append(line.trim()).append(' ');
        }
    }

    private void checkCodeLine(String code, Place where, CommandLine section) {
        if (OTHER_TOOL.matcher(code).lookingAt()) {
            return; // Kafka's own scripts and kcat take their own flags
        }
        if (checkCode(code, where, true)) {
            return;
        }
        for (String f : flags(code)) {
            if (section != null && !OTHER_PROGRAMS.containsKey(f)) {
                check(section, f, where, "under a heading naming it");
            } else {
                checkSomewhere(f, where);
            }
        }
    }

    private void checkProse(String text, Place where, CommandLine section) {
        for (String sentence : text.split("(?<=[.;:])\\s+")) {
            // a flag goes to the commands named before it in the sentence ("`canopy a` and `canopy b` take `--x`")
            List<CommandLine> named = new ArrayList<>();
            Matcher span = SPAN.matcher(sentence);
            while (span.find()) {
                String code = span.group(1);
                if (checkCode(code, where, false)) {
                    Matcher m = COMMAND.matcher(code);
                    m.find();
                    if (flags(code).isEmpty()) {
                        named.add(command(m.group(1), m.group(2)));
                    }
                    continue;
                }
                for (String f : flags(code)) {
                    if (OTHER_PROGRAMS.containsKey(f)) {
                        seen.add(f);
                    } else if (!named.isEmpty()) {
                        for (CommandLine c : named) {
                            check(c, f, where, "the sentence gives it to that command");
                        }
                    } else if (section != null) {
                        check(section, f, where, "under a heading naming it");
                    } else {
                        checkSomewhere(f, where);
                    }
                }
            }
        }
    }

    @Test
    void shouldAcceptEveryFlagTheDocsNameForTheCommandTheyNameItFor() throws IOException {
        for (Path doc : documents()) {
            checkDocument(doc);
        }
        assertTrue(seen.size() > 40, "the docs' flags were found: " + seen);
        assertTrue(commandLinesParsed > 5, "the docs' example commands were parsed: " + commandLinesParsed);
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void shouldPassIncludeTextAndTheIdleTimeoutOnToTheConnectors() {
        String[] proxyRequired = {"--upstream", "http://127.0.0.1:8000", "--bootstrap-servers", "127.0.0.1:9092", "--release", "r1"};
        CommandLine proxy = new CommandLine(new ProxyCommand());
        proxy.parseArgs(proxyRequired);
        assertTrue(!((ProxyCommand) proxy.getCommand()).config().includeText(), "texts stay out by default");
        assertEquals(java.time.Duration.ofMinutes(5), ((ProxyCommand) proxy.getCommand()).config().upstreamIdleTimeout());
        proxy = new CommandLine(new ProxyCommand());
        List<String> args = new ArrayList<>(List.of(proxyRequired));
        args.addAll(List.of("--include-text", "--upstream-idle-timeout", "30s"));
        proxy.parseArgs(args.toArray(String[]::new));
        assertTrue(((ProxyCommand) proxy.getCommand()).config().includeText());
        assertEquals(java.time.Duration.ofSeconds(30), ((ProxyCommand) proxy.getCommand()).config().upstreamIdleTimeout());

        String[] probeRequired = {"--endpoint", "http://127.0.0.1:8000/v1", "--model", "m", "--release", "r1",
                "--bootstrap-servers", "127.0.0.1:9092"};
        CommandLine probe = new CommandLine(new ProbeCommand());
        probe.parseArgs(probeRequired);
        assertTrue(!((ProbeCommand) probe.getCommand()).config().includeText());
        probe = new CommandLine(new ProbeCommand());
        args = new ArrayList<>(List.of(probeRequired));
        args.addAll(List.of("--include-text", "--top-p", "0.9", "--concurrency", "2"));
        probe.parseArgs(args.toArray(String[]::new));
        var config = ((ProbeCommand) probe.getCommand()).config();
        assertTrue(config.includeText());
        assertEquals(0.9, config.topP());
        assertEquals(2, config.concurrency());
    }

    @Test
    void shouldNameTheFlagOfABadIdleTimeout() {
        CommandLine proxy = new CommandLine(new ProxyCommand());
        proxy.parseArgs("--upstream", "http://127.0.0.1:8000", "--bootstrap-servers", "127.0.0.1:9092", "--release", "r1",
                "--upstream-idle-timeout", "0s");
        UserError e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> ((ProxyCommand) proxy.getCommand()).config());
        assertTrue(e.getMessage().contains("--upstream-idle-timeout"), e.getMessage());
    }

    @Test
    void shouldTellAFlagOfAnotherCommandFromOneOfThisCommand() {
        // the checks above rely on this: --include-text belongs to proxy and probe, --text to simulate and fleet
        assertTrue(knows(command("proxy", null), "--include-text"));
        assertTrue(knows(command("probe", null), "--include-text"));
        assertTrue(!knows(command("proxy", null), "--text"));
        assertTrue(knows(command("release", "announce"), "--baseline"));
    }
}
