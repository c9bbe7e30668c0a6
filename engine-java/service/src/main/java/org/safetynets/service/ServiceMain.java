package org.safetynets.service;

import org.apache.arrow.flight.FlightRuntimeException;
import org.safetynets.SafetyNetsException;
import org.safetynets.cli.Main;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code safetynets serve} and {@code safetynets client}: the prover host and its client. They run from this module's
 * jar (with Arrow Flight beside it in {@code target/lib} and the CLI's jar on the class path), which
 * {@code bin/safetynets} launches for these two commands, so the verifier jar carries no Arrow or gRPC.
 * Exit codes as the CLI's: 0 ACCEPT (or success), 1 REJECT, 2 an error, including a host that cannot be reached.
 */
@Command(name = "safetynets", subcommands = {ServeCommand.class, ClientCommand.class, ServiceMain.Bench.class, CommandLine.HelpCommand.class},
        mixinStandardHelpOptions = true, description = "The prover host (serve) and its client (client), over Apache Arrow Flight.")
public final class ServiceMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(out, err, args));
    }

    static int execute(PrintWriter out, PrintWriter err, String... args) {
        return Main.execute(new CommandLine(new ServiceMain()), ServiceMain::handle, out, err, args);
    }

    /** {@code bench serve}: the host's load and fault benchmark (the CLI's jar has the other {@code bench} commands). */
    @Command(name = "bench", mixinStandardHelpOptions = true, subcommands = BenchServeCommand.class,
            description = "Benchmarks of the prover host; `bench compare` and the rest are in the CLI (bin/safetynets bench --help).")
    static final class Bench implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getErr());
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    private static int handle(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof SafetyNetsException) {
            err.println("error: " + Main.oneLine(e.getMessage()));
            return Main.ERROR;
        }
        if (e instanceof FlightRuntimeException flight) {
            err.println("error: the prover host (--server): " + flight.status().code() + ": " + Main.oneLine(flight.getMessage()));
            return Main.ERROR;
        }
        return Main.internalError(e, err);
    }
}
