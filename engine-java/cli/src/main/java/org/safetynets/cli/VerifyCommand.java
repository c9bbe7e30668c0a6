package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.model.Model;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.Proof;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Checks a proof against the model and the input batch, with no backend. A proof file that does not decode is a
 * rejection like any other bad proof (exit 1); a model or input that cannot be read is an error (exit 2), and so
 * is a proof over {@code --max-proof-bytes} or {@code --max-batch}: refusing to spend the resources is not a
 * verdict on the proof, and the message names the option that raises the limit.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Checks a proof of the model's outputs on an input batch.",
            "Prints ACCEPT and exits 0, or REJECT: <reason> and exits 1."})
final class VerifyCommand implements Callable<Integer> {
    private static final int SHOWN_OUTPUTS = 10;
    private static final int SHOWN_SAMPLES = 16;

    @Spec
    CommandSpec spec;

    @Option(names = {"-M", "--model"}, required = true, paramLabel = "FILE", description = "The model (.snm).")
    Path model;

    @Option(names = {"-D", "--input"}, required = true, paramLabel = "FILE", description = "The input batch (JSON, as for prove).")
    Path input;

    @Option(names = {"-P", "--proof"}, required = true, paramLabel = "FILE", description = "The proof.")
    Path proofPath;

    @Mixin
    LimitOptions limitOptions;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Limits limits = limitOptions.limits();
        Model network = Artifacts.readModel(model, limits);
        long[][] samples = Artifacts.readInputs(input, network, limits);
        InputBatch.requireWithinLimits(network, samples.length, limits);
        byte[] bytes = Artifacts.readProof(proofPath, limits);

        long start = System.nanoTime();
        Verdict verdict;
        try {
            // A proof over the limits is LimitExceeded, an error (exit 2), not a REJECT: it was not checked.
            Proof proof = ProofCodec.decode(bytes, proofPath.toString(), limits);
            verdict = Verifier.verify(network, samples, proof, limits);
        } catch (MalformedInput e) {
            verdict = new Verdict.Rejected(e.getMessage(), 0, -1);
        }
        long nanos = System.nanoTime() - start;

        if (verdict instanceof Verdict.Rejected rejected) {
            out.println("REJECT: " + Main.oneLine(rejected.describe()));
            return Main.REJECTED;
        }
        long[][] outputs = ((Verdict.Accepted) verdict).outputs();
        out.println("ACCEPT");
        describeAccepted(out, outputs, nanos);
        return Main.OK;
    }

    /** Batch, verifier time and a glimpse of the outputs the proof establishes. */
    static void describeAccepted(PrintWriter out, long[][] outputs, long verifierNanos) {
        long[] argmax = TensorJson.argmax(outputs);
        new Format.Table().row("batch", Integer.toString(outputs.length))
                .row("verifier", Format.duration(verifierNanos))
                .row("outputs[0]", Format.row(outputs[0], SHOWN_OUTPUTS))
                .row("argmax", Format.row(argmax, SHOWN_SAMPLES))
                .lines("  ").forEach(out::println);
    }
}
