package dev.canopy.app.compare;

import dev.canopy.app.Canopy;
import dev.canopy.app.UserError;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs a command line in-process with stdout and stderr captured. {@code compare} runs through its own
 * picocli instance with the same user-error handling as {@link Canopy#execute} (the command registry is
 * not this package's to change); other commands go through {@link Canopy#execute}.
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
            int code = args.length > 0 && args[0].equals("compare") ? compare(command.get(), args) : Canopy.execute(args);
            return new CompareRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static int compare(CompareCommand command, String... args) {
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
