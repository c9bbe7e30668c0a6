package org.safetynets.service;

import org.safetynets.Limits;
import org.safetynets.cli.Artifacts;
import org.safetynets.cli.LimitOptions;
import org.safetynets.cli.Main;
import org.safetynets.files.OutputFiles;
import org.safetynets.model.Model;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code safetynets client prove|interactive|models}: asks a prover host for a batch's outputs and checks them here,
 * with the client's own model file. Prints the verdict as {@code verify} does: ACCEPT (exit 0) or REJECT: reason
 * (exit 1); a host that cannot be reached, refuses or fails is an error (exit 2), never a verdict.
 */
@Command(name = "client", mixinStandardHelpOptions = true, sortOptions = false,
        description = "A client of a prover host (safetynets serve): verifies everything the host says with its own copy of the model.",
        subcommands = {ClientCommand.Prove.class, ClientCommand.Interactive.class, ClientCommand.Models.class})
final class ClientCommand {
    @Option(names = "--server", required = true, paramLabel = "HOST:PORT", scope = picocli.CommandLine.ScopeType.INHERIT, description = "The prover host.")
    String server;

    @Option(names = "--token-file", paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT, description = "Bearer token for the host (one line).")
    Path tokenFile;

    @Option(names = "--tls-trust", paramLabel = "PEM", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Connect with TLS, trusting these certificates (the host's --tls-cert, or its CA).")
    Path trusted;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Longest wait for the whole exchange (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** The client's options, checked (--timeout, the token file) before any work. */
    ProverClient.Options options(Limits limits) {
        return ProverClient.Options.DEFAULTS.withTimeout(Duration.ofSeconds(timeoutSeconds)).withToken(TokenFiles.read(tokenFile))
                .withTrustedCertificates(trusted).withLimits(limits);
    }

    /** What prove and interactive share: the client's model, the input, where verified outputs go. */
    abstract static class Verifying implements Callable<Integer> {
        @ParentCommand
        ClientCommand parent;

        @Spec
        CommandSpec spec;

        @Option(names = {"-M", "--model"}, required = true, paramLabel = "FILE", description = "The client's own copy of the model (.snm).")
        Path model;

        @Option(names = {"-D", "--input"}, required = true, paramLabel = "FILE", description = "The input batch (JSON or .arrow, as for prove).")
        Path input;

        @Option(names = "--model-name", paramLabel = "NAME", description = "Ask the host for its model NAME (default: the digest of -M, sha256:...).")
        String modelName;

        @Option(names = "--outputs", paramLabel = "FILE", description = "After ACCEPT, write the verified outputs as verify --outputs does.")
        Path outputsPath;

        @Mixin
        LimitOptions limitOptions;

        abstract Verdict run(ProverClient client, String reference, Model network, long[][] samples);

        /** The files this command writes when it accepts. */
        List<Path> outputFiles() {
            return outputsPath == null ? List.of() : List.of(outputsPath);
        }

        /** What this command writes besides the verified outputs, after ACCEPT only (with them, all or none). */
        Map<Path, byte[]> acceptedFiles() {
            return Map.of();
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Limits limits = limitOptions.limits();
            ProverClient.Options options = parent.options(limits);
            OutputFiles.requireWritable(outputFiles(), List.of(model, input)); // before any work
            Model network = Artifacts.readModel(model, limits);
            long[][] samples = Artifacts.readInputs(input, network, limits);
            InputBatch.requireWithinLimits(network, samples.length, limits);
            String reference = modelName != null ? modelName : ModelRegistry.digest(network);
            long start = System.nanoTime();
            Verdict verdict;
            try (ProverClient client = ProverClient.connect(parent.server, options)) {
                verdict = run(client, reference, network, samples);
            }
            long nanos = System.nanoTime() - start;
            if (verdict instanceof Verdict.Rejected rejected) {
                out.println("REJECT: " + Main.oneLine(rejected.describe()));
                return Main.REJECTED;
            }
            Verdict.Accepted accepted = (Verdict.Accepted) verdict;
            Map<Path, byte[]> written = new java.util.LinkedHashMap<>(acceptedFiles());
            if (outputsPath != null) written.put(outputsPath, Artifacts.verifiedOutputsFile(outputsPath, network, accepted.outputs()));
            if (!written.isEmpty()) OutputFiles.writeAtomically(written);
            out.println("ACCEPT");
            // The whole exchange (connection, the host's proving, the verifier here): verify's "verifier" row would misname it.
            out.printf(java.util.Locale.ROOT, "  batch       %d%n  exchange    %.0f ms (connect, prove on the host, verify here)%n  outputs[0]  %s%n",
                    samples.length, nanos / 1e6, shown(accepted.outputs()[0]));
            if (outputsPath != null) out.println("  verified outputs written to " + outputsPath);
            return Main.OK;
        }
    }

    private static String shown(long[] row) {
        int n = Math.min(row.length, 10);
        String head = java.util.Arrays.toString(java.util.Arrays.copyOf(row, n));
        return n < row.length ? head.substring(0, head.length() - 1) + ", ...]" : head;
    }

    @Command(name = "prove", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Sends the batch; the host returns outputs and a proof file, verified here.",
                "ACCEPT (exit 0) only if the proof verifies and the host's outputs are the proven ones; REJECT: reason (exit 1); errors exit 2."})
    static final class Prove extends Verifying {
        @Option(names = {"-O", "--proof"}, paramLabel = "FILE", description = "After ACCEPT, also keep the host's proof file (verify -P reads it); nothing is written on REJECT.")
        Path proofPath;

        @Override
        List<Path> outputFiles() {
            List<Path> files = new java.util.ArrayList<>(super.outputFiles());
            if (proofPath != null) files.add(proofPath);
            return files;
        }

        /** The host's proof file, kept until the verdict says whether to write it. */
        private byte[] proofFile;

        @Override
        Map<Path, byte[]> acceptedFiles() {
            return proofPath == null || proofFile == null ? Map.of() : Map.of(proofPath, proofFile);
        }

        @Override
        Verdict run(ProverClient client, String reference, Model network, long[][] samples) {
            ProverClient.Answer answer = client.prove(reference, network, samples);
            proofFile = answer.proofFile();
            return answer.verdict();
        }
    }

    @Command(name = "interactive", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Runs the interactive protocol with the host: each challenge is drawn here (SecureRandom) after the message it binds.",
                "ACCEPT (exit 0), REJECT: reason (exit 1); errors exit 2."})
    static final class Interactive extends Verifying {
        @Override
        Verdict run(ProverClient client, String reference, Model network, long[][] samples) {
            return client.interactive(reference, network, samples);
        }
    }

    @Command(name = "models", mixinStandardHelpOptions = true, description = "Lists the host's models, one JSON object a line.")
    static final class Models implements Callable<Integer> {
        @ParentCommand
        ClientCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (ProverClient client = ProverClient.connect(parent.server, parent.options(Limits.DEFAULTS))) {
                client.models().forEach(spec.commandLine().getOut()::println);
            }
            return Main.OK;
        }
    }
}
