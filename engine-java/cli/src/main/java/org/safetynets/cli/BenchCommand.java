package org.safetynets.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code safetynets bench}: benchmark commands. The JMH microbenchmarks live in bench/'s own jar. */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Benchmarks. `bench compare` runs the same jobs on every backend side by side.",
            "Kernel microbenchmarks (JMH) are in bench/target/benchmarks.jar: see bench/README.md."},
        subcommands = {CompareCommand.class})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** With no subcommand: the usage, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.ERROR;
    }
}
