package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.backend.Backend;
import org.safetynets.files.OutputFiles;
import org.safetynets.model.Model;
import org.safetynets.proof.Proof;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Runs the model on an input batch and writes a non-interactive (Fiat-Shamir) proof of its outputs. */
@Command(name = "prove", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Runs the model on an input batch and writes a proof of its outputs, and the outputs.",
            "Both files are written atomically: on an error neither is left half-written. Each may be a new file or a "
                    + "regular file, which is replaced; a directory, device, FIFO, socket or symbolic link is refused before any work."})
final class ProveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-M", "--model"}, required = true, paramLabel = "FILE", description = "The model (.snm).")
    Path model;

    @Option(names = {"-D", "--input"}, required = true, paramLabel = "FILE",
            description = "The input batch: {\"input_data\": [[v0, v1, ...], ...]}, one array per sample in (c,h,w) order; or an Arrow IPC file (.arrow).")
    Path input;

    @Option(names = {"-O", "--out"}, required = true, paramLabel = "PROOF", description = "Where to write the proof.")
    Path proofPath;

    @Option(names = "--outputs", paramLabel = "FILE",
            description = {"Where to write the outputs {\"outputs\": [[...], ...], \"argmax\": [...]} (an Arrow IPC file if FILE ends in .arrow).",
                "Default: next to the proof, X.bin -> X.outputs.json (proof.bin -> proof.outputs.json), "
                        + "any other name NAME -> NAME.outputs.json."})
    Path outputsPath;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    LimitOptions limitOptions;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Limits limits = limitOptions.limits();
        Path outputs = outputsPath != null ? outputsPath : Artifacts.defaultOutputs(proofPath);
        OutputFiles.requireWritable(List.of(proofPath, outputs), List.of(model, input)); // before the work, not after it
        Model network = Artifacts.readModel(model, limits);
        long[][] samples = Artifacts.readInputs(input, network, limits);

        Proof proof;
        String backendDescription;
        long nanos;
        try (Backend backend = backendOptions.open(err); ConsoleProgress progress = ConsoleProgress.onTerminal(err, "proving")) {
            backendDescription = backend.description();
            long start = System.nanoTime();
            proof = Prover.prove(network, samples, backend, progress, limits);
            nanos = System.nanoTime() - start;
        }
        byte[] encoded = ProofCodec.encode(proof);
        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(proofPath, encoded);
        files.put(outputs, Artifacts.outputsFile(outputs, ProofOutputs.claimed(proof)));
        OutputFiles.writeAtomically(files);

        new Format.Table().row("model", network.name() + " (" + network.input() + " -> " + network.output() + ")")
                .row("batch", Integer.toString(samples.length))
                .row("backend", backendDescription)
                .row("prover", Format.duration(nanos))
                .row("proof", proofPath + ", " + Format.bytes(encoded.length))
                .row("outputs", outputs.toString())
                .lines("").forEach(out::println);
        return Main.OK;
    }
}
