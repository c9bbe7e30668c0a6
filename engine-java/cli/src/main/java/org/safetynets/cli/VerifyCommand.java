package org.safetynets.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.files.OutputFiles;
import org.safetynets.model.Model;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.SoundnessBound;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Checks a proof against the model and the input batch, with no backend. A proof file that does not decode, or
 * whose header is not about this model and batch, is a rejection like any other bad proof (exit 1), decided from
 * its header before the body is read; a model or input that cannot be read is an error (exit 2). What a user or a
 * script acts on is the verified outputs ({@code --outputs}), never the host's claimed outputs file, which
 * {@code --expect} checks against them.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Checks a proof of the model's outputs on an input batch.",
            "Prints ACCEPT and exits 0, or REJECT: <reason> and exits 1; errors (unreadable files, options) exit 2.",
            "Only outputs a proof established are to be trusted: write them with --outputs, or check a host's outputs file with --expect."})
final class VerifyCommand implements Callable<Integer> {
    private static final int SHOWN_OUTPUTS = 10;
    private static final int SHOWN_SAMPLES = 16;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Spec
    CommandSpec spec;

    @Option(names = {"-M", "--model"}, required = true, paramLabel = "FILE", description = "The model (.snm).")
    Path model;

    @Option(names = {"-D", "--input"}, required = true, paramLabel = "FILE", description = "The input batch (JSON or .arrow, as for prove).")
    Path input;

    @Option(names = {"-P", "--proof"}, required = true, paramLabel = "FILE", description = "The proof.")
    Path proofPath;

    @Option(names = "--outputs", paramLabel = "FILE",
            description = {"After ACCEPT, write every verified output with the model's output scale and each sample's argmax:",
                "{\"verified\": true, \"model\": \"sha256:...\", \"output_scale\": S, \"outputs\": [[...], ...], \"argmax\": [...]}.",
                "FILE ending in .arrow: an Arrow IPC file, the outputs with the model digest and scale in its schema metadata.",
                "Nothing is written on REJECT."})
    Path outputsPath;

    @Option(names = "--expect", paramLabel = "FILE",
            description = {"A host's claimed outputs file (as prove writes it): REJECT (exit 1) unless it holds exactly the verified outputs."})
    Path expectPath;

    @Option(names = "--json", description = "Print the verdict as one JSON object (verdict, reason, layer, round, model, batch, soundness, verifier time).")
    boolean json;

    @Mixin
    LimitOptions limitOptions;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Limits limits = limitOptions.limits();
        if (outputsPath != null) OutputFiles.requireWritable(List.of(outputsPath), java.util.Arrays.asList(model, input, proofPath, expectPath)); // before any work
        Model network = Artifacts.readModel(model, limits);
        long[][] samples = Artifacts.readInputs(input, network, limits);
        InputBatch.requireWithinLimits(network, samples.length, limits);
        int claimCap = claimedOutputsCap(network, samples.length);
        byte[] claimed = expectPath == null ? null : UserFiles.readAtMost(expectPath, claimCap);

        long start = System.nanoTime();
        Verdict verdict = verify(network, samples, limits);
        if (verdict instanceof Verdict.Accepted accepted && expectPath != null) {
            String difference = claimed == null
                    ? expectPath + " holds more than " + claimCap + " bytes, more than an outputs file of " + samples.length + " samples needs"
                    : Artifacts.claimedOutputsDifference(expectPath, claimed, network, accepted.outputs());
            if (difference != null) verdict = new Verdict.Rejected(difference, 0, -1);
        }
        long nanos = System.nanoTime() - start;

        if (verdict instanceof Verdict.Accepted accepted && outputsPath != null) {
            OutputFiles.writeAtomically(Map.of(outputsPath, Artifacts.verifiedOutputsFile(outputsPath, network, accepted.outputs())));
        }
        if (json) {
            out.println(jsonVerdict(verdict, network, samples.length, nanos));
        } else if (verdict instanceof Verdict.Rejected rejected) {
            out.println("REJECT: " + Main.oneLine(rejected.describe()));
        } else {
            out.println("ACCEPT");
            describeAccepted(out, ((Verdict.Accepted) verdict).outputs(), nanos);
            if (outputsPath != null) out.println("  verified outputs written to " + outputsPath);
        }
        return verdict.accepted() ? Main.OK : Main.REJECTED;
    }

    /**
     * The most bytes a claimed outputs file of this batch is read to: 1 MiB, plus 256 bytes for each output and argmax
     * (a value takes at most 20 characters; the rest leaves room for any layout). A host's larger file is a REJECT
     * unread, not gigabytes of memory.
     */
    static int claimedOutputsCap(Model network, int batch) {
        return (int) Math.min(UserFiles.MAX_FILE_BYTES, (1L << 20) + 256L * batch * (network.output().size() + 1));
    }

    /**
     * The proof file's header is screened (model, batch, shapes, and a body exactly as long as the schedule needs)
     * before the rest is read: a hostile file of any size costs its first bytes.
     */
    private Verdict verify(Model network, long[][] samples, Limits limits) {
        String source = proofPath.toString();
        // A limit too small for any proof of this model and batch refuses the work (exit 2): that is no verdict.
        limits.requireProofBytes(source, Verifier.proofFileBytes(network, samples.length));
        // A pipe (-P <(...), /dev/stdin) has no size and can be read only once (sizing it as a file would read 0 bytes
        // and REJECT an honest proof): it is read whole, within the limit, and the verifier of file bytes screens its
        // header as below.
        if (!java.nio.file.Files.isRegularFile(proofPath)) {
            return Verifier.verify(network, samples, UserFiles.read(proofPath, limits.maxProofBytes()), limits);
        }
        long size = UserFiles.size(proofPath);
        try {
            ProofCodec.Header header = ProofCodec.decodeHeader(UserFiles.readPrefix(proofPath, ProofCodec.HEADER_BYTES), size, source);
            Verdict.Rejected screened = Verifier.screen(network, samples.length, header, limits);
            if (screened != null) return screened;
        } catch (MalformedInput e) {
            return new Verdict.Rejected(e.getMessage(), 0, -1);
        }
        return Verifier.verify(network, samples, Artifacts.readProof(proofPath, limits), limits);
    }

    private static String jsonVerdict(Verdict verdict, Model network, int batch, long nanos) {
        ObjectNode node = JSON.createObjectNode();
        node.put("verdict", verdict.accepted() ? "ACCEPT" : "REJECT");
        if (verdict instanceof Verdict.Rejected rejected) {
            node.put("reason", Main.oneLine(rejected.reason()));
            node.put("layer", rejected.layer());
            node.put("round", rejected.round());
        } else {
            node.putNull("reason");
            node.putNull("layer");
            node.putNull("round");
        }
        node.put("model", "sha256:" + Format.hex(network.digest()));
        node.put("batch", batch);
        SoundnessBound bound = SoundnessBound.of(network, batch);
        ObjectNode soundness = node.putObject("soundness_log2");
        soundness.put("interactive", round1(bound.interactiveLog2()));
        soundness.put("fiat_shamir_2^40_queries", round1(bound.fiatShamirLog2(40)));
        soundness.put("fiat_shamir_2^64_queries", round1(bound.fiatShamirLog2(64)));
        node.put("verifier_ms", round1(nanos / 1e6));
        return node.toString();
    }

    private static double round1(double value) {
        return Math.round(value * 10) / 10.0;
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
