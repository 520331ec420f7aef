package dev.canopy.analysis.cli;

import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.report.Report;
import dev.canopy.core.report.ReportJson;
import dev.canopy.semantic.MiniLmEmbedder;
import dev.canopy.semantic.SemanticAnalyzer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/** {@code canopy replay}: the monitor over event files, without Kafka. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays token event files (JSONL, optionally gzip) through the monitor and writes the report as JSON.",
                "Several files are one stream, in the order given. Rollouts still incomplete at the end count as abandoned."})
public final class ReplayCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Event files: JSONL or JSONL.gz, one event per line.")
    List<Path> files;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the report here instead of stdout.")
    Path out;

    @picocli.CommandLine.Mixin
    StatisticsOptions statistics = new StatisticsOptions();

    @picocli.CommandLine.Mixin
    SemanticOptions semantic = new SemanticOptions();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        long total = EventFiles.totalSize(files, "give JSONL or JSONL.gz event files");
        semantic.validate();
        SemanticAnalyzer analyzer = semantic.enabled() ? semantic.analyzer(new MiniLmEmbedder()) : null;
        ReplayEngine engine = analyzer != null ? new ReplayEngine(statistics.toOptions(), semantic.maxChars(), analyzer::accept)
                : new ReplayEngine(statistics.toOptions());
        AtomicLong bytesRead = new AtomicLong();
        long started = System.nanoTime();
        PrintStream err = spec.commandLine().getErr() == null ? System.err : new PrintStream(System.err, true);
        try (Progress progress = new Progress(err, 3000, () -> {
            double seconds = (System.nanoTime() - started) / 1e9;
            return String.format(Locale.ROOT, "replay: %s records, %s/s, %.0f%% of input, %s rollouts in flight%s",
                    Progress.count(engine.records()), Progress.count(engine.records() / Math.max(seconds, 1e-9)),
                    100.0 * bytesRead.get() / Math.max(total, 1), Progress.count(engine.inFlight()),
                    analyzer == null ? "" : ", " + Progress.count(analyzer.embedded()) + " rollouts embedded");
        })) {
            EventFiles.feed(files, bytesRead, engine::accept);
        }
        Report report = engine.finish();
        ReportJson.GroupExtension extension = ReportJson.GroupExtension.NONE;
        if (analyzer != null) {
            analyzer.flush();
            extension = analyzer.extension();
            if (analyzer.withoutText() > 0) {
                System.err.println("canopy: " + analyzer.withoutText() + " rollouts carried no text and were not embedded");
            }
        }
        if (out == null) {
            ReportJson.write(report, new NonClosing(System.out), extension);
            System.out.flush();
        } else {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream o = Files.newOutputStream(out)) {
                ReportJson.write(report, o, extension);
            }
        }
        return 0;
    }

    /** Keeps stdout open after the report is written. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
