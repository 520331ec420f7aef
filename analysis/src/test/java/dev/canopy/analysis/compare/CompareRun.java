package dev.canopy.analysis.compare;

import dev.canopy.analysis.cli.ReplayCommand;
import dev.canopy.core.UserError;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs one of the analysis commands ({@code compare}, {@code validate-compare}, {@code replay}) in-process
 * with stdout and stderr captured, through its own picocli instance with the same user-error handling as
 * the {@code canopy} command line (exit code 2 and a one-line message for a user's mistake).
 */
record CompareRun(int code, String out, String err) {

    static CompareRun run(String... args) {
        return run(CompareCommand::new, args);
    }

    /** Runs with {@code compare} built by {@code command} (e.g. with a test embedder). */
    static synchronized CompareRun run(java.util.function.Supplier<CompareCommand> command, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = execute(command, args);
            return new CompareRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static int execute(java.util.function.Supplier<CompareCommand> compare, String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("name a command: compare, validate-compare or replay");
        }
        Object command = switch (args[0]) {
            case "compare" -> compare.get();
            case "validate-compare" -> new ValidateCompareCommand();
            case "replay" -> new ReplayCommand();
            default -> throw new IllegalArgumentException("not an analysis command: " + args[0]);
        };
        CommandLine cli = new CommandLine(command);
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError) {
                cmd.getErr().println("canopy: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        cli.setExitCodeExceptionMapper(ex -> ex instanceof UserError || ex instanceof CommandLine.ParameterException ? 2 : 1);
        String[] rest = new String[args.length - 1];
        System.arraycopy(args, 1, rest, 0, rest.length);
        return cli.execute(rest);
    }
}
