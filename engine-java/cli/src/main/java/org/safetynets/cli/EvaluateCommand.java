package org.safetynets.cli;

import org.safetynets.Limits;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.safetynets.MalformedInput;
import org.safetynets.backend.Backend;
import org.safetynets.data.LabeledImages;
import org.safetynets.data.MnistData;
import org.safetynets.data.Pixels;
import org.safetynets.floatmodel.FloatModel;
import org.safetynets.floatmodel.OnnxImport;
import org.safetynets.model.Model;
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
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * Accuracy through the real path: every batch of the test set is proven and the proof verified; the accuracy
 * counted is that of the outputs the verifier accepted. With {@code --float}, the float model's accuracy on the
 * same (quantized-level) inputs is shown beside it, with the difference.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = "Proves and verifies every batch of the MNIST test set with an integer model and reports its accuracy "
                + "(and the float model's, with --float), the batches verified and the prover and verifier time.")
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"--model", "-M"}, paramLabel = "MODEL.snm", required = true, description = "The integer model.")
    Path modelPath;

    @Option(names = "--float", paramLabel = "FLOAT.onnx", description = "The float model it was quantized from, for the float accuracy and the drop.")
    Path floatPath;

    @Option(names = "--data", paramLabel = "DIR", description = "MNIST idx directory (default: $SAFETYNETS_MNIST or ../shared/data/mnist).")
    Path data;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "500", description = "Images per proof (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Evaluate only the first N test images (0: all).")
    int limit;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    LimitOptions limitOptions;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Limits limits = limitOptions.limits();
        if (batch < 1 || batch > limits.maxBatch()) {
            throw new MalformedInput("--batch", "must be between 1 and " + limits.maxBatch() + " (--max-batch), got " + batch);
        }
        if (limit < 0) throw new MalformedInput("--limit", "must be 0 (all) or positive");
        Model model = Artifacts.readModel(modelPath, limits);
        if (model.inputMin() != 0) throw new MalformedInput(modelPath.toString(), "takes inputs from " + model.inputMin() + ", not pixel levels from 0");
        FloatModel floatModel = floatPath == null ? null : OnnxImport.decode(UserFiles.read(floatPath), floatPath.toString());
        if (floatModel != null && floatModel.inputMax() != model.inputMax()) {
            throw new MalformedInput(floatPath.toString(), "takes input levels 0.." + floatModel.inputMax() + " but " + modelPath + " takes 0.." + model.inputMax());
        }
        if (floatModel != null && floatModel.output().size() != model.output().size()) {
            throw new MalformedInput(floatPath.toString(), "has " + floatModel.output().size() + " outputs (" + floatModel.output() + ") but "
                    + modelPath + " has " + model.output().size() + " (" + model.output() + ")");
        }
        MnistData dataset = MnistData.resolve(data);
        LabeledImages test = dataset.test();
        test.requireModelInput(modelPath.toString(), model.input());
        if (floatModel != null) test.requireModelInput(floatPath.toString(), floatModel.input());
        int total = limit == 0 ? test.count() : Math.min(limit, test.count());
        int batches = (total + batch - 1) / batch;
        out.printf("evaluate: %s (input levels 0..%d) on %d test images of %s, %d batches of up to %d, each proven and verified%n",
                modelPath, model.inputMax(), total, dataset.directory(), batches, batch);
        out.flush();

        // The model's digest and each batch size's network once, not per batch.
        Prover.Prepared prover = Prover.Prepared.of(model, limits);
        Verifier.Prepared verifier = Verifier.Prepared.of(model, limits);
        long proverNanos = 0;
        long verifierNanos = 0;
        int fieldCorrect = 0;
        int floatCorrect = 0;
        int verified = 0;
        try (Backend backend = backendOptions.open(err);
             ProgressBar bar = System.console() != null && !noProgress
                     ? new ProgressBarBuilder().setTaskName("prove+verify").setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                             .setConsumer(new ConsoleProgressBarConsumer(System.err)).continuousUpdate().build()
                     : null) {
            for (int from = 0; from < total; from += batch) {
                int n = Math.min(batch, total - from);
                long[][] samples = Pixels.levels(test, from, n, model.inputMax());
                long start = System.nanoTime();
                byte[] proof = ProofCodec.encode(prover.prove(samples, backend, Prover.Progress.NONE));
                proverNanos += System.nanoTime() - start;
                start = System.nanoTime();
                Verdict verdict = verifier.verify(samples, proof);
                verifierNanos += System.nanoTime() - start;
                if (verdict instanceof Verdict.Rejected rejected) {
                    out.println("batch " + (from / batch + 1) + ": REJECT: " + Main.oneLine(rejected.describe()));
                    return Main.REJECTED;
                }
                verified++;
                long[] argmax = TensorJson.argmax(((Verdict.Accepted) verdict).outputs());
                for (int i = 0; i < n; i++) if (argmax[i] == test.label(from + i)) fieldCorrect++;
                if (floatModel != null) {
                    int base = from;
                    floatCorrect += (int) IntStream.range(0, n).parallel()
                            .filter(i -> FloatModel.argmax(floatModel.forwardLevels(samples[i])) == test.label(base + i)).count();
                }
                if (bar != null) {
                    bar.stepBy(n);
                    bar.setExtraMessage(String.format("accuracy %.2f%%", 100.0 * fieldCorrect / (from + n)));
                } else if (verified % 5 == 0 || verified == batches) {
                    err.printf("%d/%d batches proven and verified, accuracy so far %.2f%%%n", verified, batches, 100.0 * fieldCorrect / (from + n));
                    err.flush();
                }
            }
        }
        double fieldAccuracy = 100.0 * fieldCorrect / total;
        Format.Table table = new Format.Table(false, true);
        if (floatModel != null) {
            double floatAccuracy = 100.0 * floatCorrect / total;
            table.row("float accuracy (" + floatPath.getFileName() + ", same input levels)", String.format("%.2f%%", floatAccuracy));
            table.row("field accuracy (proven and verified)", String.format("%.2f%%", fieldAccuracy));
            table.row("difference (field - float)", String.format("%+.2f points", fieldAccuracy - floatAccuracy));
        } else {
            table.row("field accuracy (proven and verified)", String.format("%.2f%%", fieldAccuracy));
        }
        table.row("batches verified", verified + " of " + batches + " (" + total + " images)")
                .row("prover time (total)", Format.duration(proverNanos))
                .row("verifier time (total)", Format.duration(verifierNanos));
        table.lines("  ").forEach(out::println);
        return Main.OK;
    }
}
