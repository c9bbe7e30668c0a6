package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.backend.Backend;
import org.safetynets.data.MnistData;
import org.safetynets.files.OutputFiles;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.proof.InteractiveSession;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.Proof;
import org.safetynets.proof.SoundnessBound;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The whole story: prove a batch, verify it, show that a proof with one output changed is rejected, and compare the
 * costs. By default on the trained MNIST model shipped in the jar ({@link ShippedModel}) and real test digits,
 * reporting the accuracy of the verified outputs; without data, on synthetic inputs, and it says so. With
 * {@code --model random}, the seeded random demo CNN on random inputs. Everything follows from the seed (and the
 * data), so the same seed gives the same model, inputs and proof bytes.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Proves and verifies a batch, shows that a tampered proof is rejected, and prints the costs. By default on the "
                + "trained MNIST model shipped in the jar and real test digits, with the accuracy of the verified outputs; without "
                + "MNIST data, on synthetic inputs.",
            "Timings are taken once, after " + DemoCommand.WARM_UP_RUNS + " untimed warm-up runs of the same batch."})
final class DemoCommand implements Callable<Integer> {
    static final String SHIPPED = "mnist";
    /** Untimed runs before the timed one. */
    static final int WARM_UP_RUNS = 5;
    static final String RANDOM = "random";

    /** Where the default MNIST directory is looked for; tests pass one that finds nothing. */
    private final MnistData.Lookup mnistLookup;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "mnist|random|FILE.snm", defaultValue = SHIPPED,
            description = "mnist: the trained MNIST CNN shipped in the jar, on test digits (the default); random: the seeded random "
                    + "demo CNN on random inputs; or an integer model file, on test digits if it takes them.")
    String modelChoice;

    @Option(names = "--data", paramLabel = "DIR",
            description = "MNIST idx directory for the test digits (default: $" + MnistData.ENVIRONMENT_VARIABLE
                    + ", else shared/data/mnist looked for from the working directory upwards; none found: synthetic inputs).")
    Path data;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Which test digits (or synthetic inputs); with --model random, also the model (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "Samples in the batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--save", paramLabel = "DIR",
            description = "Also write DIR/" + Artifacts.MODEL_FILE + ", DIR/" + Artifacts.INPUT_FILE + ", DIR/" + Artifacts.PROOF_FILE
                    + " and DIR/" + Artifacts.OUTPUT_FILE + ", which `safetynets verify` accepts as they are. DIR is created if missing; "
                    + "an existing file there that is a symbolic link or not a regular file is refused before any work.")
    Path saveDirectory;

    @Option(names = "--interactive", description = "Also run the interactive protocol (verifier coins from SecureRandom).")
    boolean interactive;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    LimitOptions limitOptions;

    DemoCommand(MnistData.Lookup mnistLookup) {
        this.mnistLookup = mnistLookup;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Limits limits = limitOptions.limits();
        if (batch < 1) throw new MalformedInput("--batch", "must be at least 1, got " + batch);
        if (saveDirectory != null) { // before the work, not after it
            OutputFiles.requireWritableDirectory(saveDirectory);
            OutputFiles.requireWritable(savedFiles());
        }
        boolean randomModel = RANDOM.equals(modelChoice);
        if (randomModel && data != null) {
            throw new MalformedInput("--data", "the random demo model takes random inputs; use --model " + SHIPPED + " (or a model file) for test digits");
        }
        Model model;
        String modelName;
        if (randomModel) {
            model = DemoNetwork.build(seed);
            modelName = model.name();
        } else if (SHIPPED.equals(modelChoice)) {
            model = ShippedModel.load(limits);
            modelName = model.name() + " (trained, shipped in the jar)";
        } else {
            model = Artifacts.readModel(Path.of(modelChoice), limits);
            modelName = modelChoice;
        }
        InputBatch.requireWithinLimits(model, batch, limits); // before reading or generating anything
        DemoBatch inputs = randomModel ? DemoBatch.randomDemo(seed, batch)
                : DemoBatch.forModel(model, SHIPPED.equals(modelChoice) ? "the shipped model " + ShippedModel.RESOURCE : modelChoice,
                        data, mnistLookup, batch, seed);
        long[][] samples = inputs.samples();

        try (Backend backend = backendOptions.open(err)) {
            out.println("demo: " + modelName + ", " + model.input() + " -> " + model.output() + ", batch " + batch + " of " + inputs.description());
            if (inputs.note() != null) out.println("  " + inputs.note());
            out.println("backend: " + backend.description());
            out.flush();

            // Warm-up: the same work, untimed, so the timed run is not measuring the JIT compiler. Several runs: the
            // CPU backend's SIMD kernels are only fast once C2 has compiled them, which takes a few proofs.
            for (int run = 1; run <= WARM_UP_RUNS; run++) {
                byte[] warmUp;
                try (ConsoleProgress progress = ConsoleProgress.onTerminal(err, "warm-up run " + run + "/" + WARM_UP_RUNS + " (untimed)")) {
                    warmUp = ProofCodec.encode(Prover.prove(model, samples, backend, progress, limits));
                }
                Verifier.verify(model, samples, warmUp, limits);
                Prover.infer(model, samples, backend);
            }

            long start = System.nanoTime();
            Prover.infer(model, samples, backend);
            long inferenceNanos = System.nanoTime() - start;

            Proof proof;
            start = System.nanoTime();
            try (ConsoleProgress progress = ConsoleProgress.onTerminal(err, "proving")) {
                proof = Prover.prove(model, samples, backend, progress, limits);
            }
            long proverNanos = System.nanoTime() - start;
            byte[] encoded = ProofCodec.encode(proof);

            start = System.nanoTime();
            Verdict verdict = Verifier.verify(model, samples, encoded, limits);
            long verifierNanos = System.nanoTime() - start;

            out.println();
            if (verdict instanceof Verdict.Rejected rejected) {
                out.println("honest proof (Fiat-Shamir): REJECT: " + Main.oneLine(rejected.describe()));
                return Main.REJECTED;
            }
            out.println("honest proof (Fiat-Shamir): ACCEPT");
            long[][] outputs = ((Verdict.Accepted) verdict).outputs();
            VerifyCommand.describeAccepted(out, outputs, verifierNanos);
            if (inputs.labels() != null) {
                int correct = DemoBatch.correct(outputs, inputs.labels());
                out.printf(Locale.ROOT, "accuracy on these %d test digits: %d/%d (%.1f%%), the argmax of the verified outputs against the labels%n",
                        batch, correct, batch, 100.0 * correct / batch);
            }

            boolean tamperCaught = showTampering(out, model, samples, proof);
            boolean interactiveAccepted = !interactive || showInteractive(out, model, samples, backend);

            out.println();
            out.println("costs (batch " + batch + ", " + backend.name() + "; each run once after " + WARM_UP_RUNS + " untimed warm-up runs):");
            new Format.Table(false, true)
                    .row("field inference (Prover.infer)", Format.duration(inferenceNanos))
                    .row("prover (Prover.prove)", Format.duration(proverNanos))
                    .row("verifier (Verifier.verify)", Format.duration(verifierNanos))
                    .row("proof size", Format.bytes(encoded.length))
                    .row("prover / inference", Format.ratio((double) proverNanos / inferenceNanos))
                    .row("inference / verifier (speedup)", Format.ratio((double) inferenceNanos / verifierNanos))
                    .lines("  ").forEach(out::println);
            out.println("  soundness error: " + SoundnessBound.of(model, batch).describe());

            if (saveDirectory != null) save(out, model, samples, encoded, outputs);
            return tamperCaught && interactiveAccepted ? Main.OK : Main.REJECTED;
        }
    }

    /** Raises the first claimed output by 1 (mod p) and re-encodes: the verifier must reject. */
    private static boolean showTampering(PrintWriter out, Model model, long[][] samples, Proof proof) {
        byte[] tampered = ProofCodec.encode(ProofOutputs.withOutputRaised(proof, 0, 0));
        Verdict verdict = Verifier.verify(model, samples, tampered);
        out.println();
        if (verdict instanceof Verdict.Rejected rejected) {
            out.println("tampered proof (sample 0 output 0 raised by 1): REJECT: " + Main.oneLine(rejected.describe()));
            return true;
        }
        out.println("tampered proof (sample 0 output 0 raised by 1): ACCEPT -- the verifier failed to catch it");
        return false;
    }

    private static boolean showInteractive(PrintWriter out, Model model, long[][] samples, Backend backend) {
        long start = System.nanoTime();
        Verdict verdict = InteractiveSession.run(model, samples, backend);
        String took = " (" + Format.duration(System.nanoTime() - start) + ", prover and verifier in lock-step)";
        if (verdict instanceof Verdict.Rejected rejected) {
            out.println("interactive session: REJECT: " + Main.oneLine(rejected.describe()) + took);
            return false;
        }
        out.println("interactive session: ACCEPT" + took);
        return true;
    }

    /** The files {@code --save} writes: model, input, proof, outputs. */
    private List<Path> savedFiles() {
        return Stream.of(Artifacts.MODEL_FILE, Artifacts.INPUT_FILE, Artifacts.PROOF_FILE, Artifacts.OUTPUT_FILE)
                .map(saveDirectory::resolve).toList();
    }

    private void save(PrintWriter out, Model model, long[][] samples, byte[] proof, long[][] outputs) {
        List<Path> paths = savedFiles();
        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(paths.get(0), ModelCodec.encode(model));
        files.put(paths.get(1), TensorJson.writeInputs(samples));
        files.put(paths.get(2), proof);
        files.put(paths.get(3), TensorJson.writeOutputs(outputs));
        OutputFiles.writeAtomically(files);
        out.println();
        out.println("saved " + String.join(", ", Artifacts.MODEL_FILE, Artifacts.INPUT_FILE, Artifacts.PROOF_FILE, Artifacts.OUTPUT_FILE)
                + " in " + saveDirectory);
        out.println("  check with: safetynets verify -M " + paths.get(0) + " -D " + paths.get(1) + " -P " + paths.get(2));
    }
}
