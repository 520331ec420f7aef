package dev.canopy.app;

import dev.canopy.analysis.cli.ReplayCommand;
import dev.canopy.analysis.compare.CompareCommand;
import dev.canopy.analysis.compare.ValidateCompareCommand;
import dev.canopy.app.bench.BenchCommand;
import dev.canopy.core.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code canopy} command line: one subcommand per job. */
@Command(name = "canopy", mixinStandardHelpOptions = true, versionProvider = Canopy.Version.class,
        description = "Monitors how deployed language models spend their uncertainty: canopy entropy CE* and rho(N, r_N).",
        subcommands = {DemoCommand.class, ReplayCommand.class, RunCommand.class, BrokerCommand.class, FleetCommand.class,
                SimulateCommand.class, ReleaseCommand.class, ValidateDetectorCommand.class, CompareCommand.class,
                ValidateCompareCommand.class, ProxyCommand.class, ProbeCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Canopy implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (0 ok, 1 failure, 2 user error). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Canopy());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError) {
                cmd.getErr().println("canopy: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        cli.setExitCodeExceptionMapper(ex -> ex instanceof UserError || ex instanceof CommandLine.ParameterException ? 2 : 1);
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: try 'canopy --help'");
    }

    /** Reads the version from the jar manifest, if any. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Canopy.class.getPackage().getImplementationVersion();
            return new String[] {"canopy " + (v == null ? "development build" : v)};
        }
    }
}
