package org.safetynets.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.safetynets.MalformedInput;
import org.safetynets.SafetyNetsException;
import org.safetynets.data.LabeledImages;
import org.safetynets.data.MnistData;
import org.safetynets.files.OutputFiles;
import org.safetynets.floatmodel.FloatModel;
import org.safetynets.floatmodel.OnnxExport;
import org.safetynets.model.PaperArchitecture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code safetynets train}: trains one of the paper's x^2 networks on MNIST-format data and writes it as ONNX.
 * Runs from the train module's own jar and dependency directory (bin/safetynets dispatches to it), so the prover
 * and verifier never carry DJL.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains an x^2 network (DJL, PyTorch CPU, offline) on MNIST idx files and writes it as ONNX.",
            "Then: safetynets quantize --model OUT.onnx --out MODEL.snm"})
public final class TrainMain implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", description = "Directory with the MNIST (or Fashion-MNIST) idx files (default: $SAFETYNETS_MNIST or ../shared/data/mnist).")
    Path data;

    @Option(names = "--arch", paramLabel = "NAME", defaultValue = "mnist-cnn", description = "mnist-cnn, mnist-fc3 or mnist-fc4 (default: ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "10", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = {"--out", "-O"}, paramLabel = "MODEL.onnx", required = true, description = "Where to write the trained float model (ONNX): a new or regular file; a symbolic link or special file is refused.")
    Path out;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "Images per training batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.002", description = "Initial Adam learning rate, decayed by a cosine to 1/100 (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--input-max", paramLabel = "N", defaultValue = "1",
            description = "Input levels 0..N the integer model will take (pixel -> round(pixel*N/255)); each x^2 doubles their bits, "
                    + "so few levels leave room for precise weights (default: ${DEFAULT-VALUE}: black and white).")
    long inputMax;

    @Option(names = "--shift", paramLabel = "PIXELS", defaultValue = "2", description = "Random shift augmentation, up to this many pixels (default: ${DEFAULT-VALUE}).")
    int shift;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed for initialisation, order and augmentation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-batches", paramLabel = "N", defaultValue = "0", description = "Stop each epoch after N batches (0: the whole set; for quick checks).")
    int maxBatches;

    @Option(names = "--no-progress", description = "Plain periodic lines instead of a progress bar.")
    boolean noProgress;

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        // Before DJL loads: never download an engine; the natives come from the pytorch-native-cpu jar.
        System.setProperty("ai.djl.offline", "true");
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        // DJL probes CUDA even for a CPU engine and warns when no driver matches: noise for a CPU-only run.
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        CommandLine commandLine = new CommandLine(new TrainMain()).setOut(out).setErr(err);
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            if (e instanceof SafetyNetsException) {
                err.println("error: " + e.getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " "));
                return 2;
            }
            err.println("error: internal error: " + e);
            if (System.getenv("SAFETYNETS_DEBUG") != null) e.printStackTrace(err);
            return 3;
        });
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PaperArchitecture architecture = PaperArchitecture.forName(arch);
        if (epochs < 1) throw new MalformedInput("--epochs", "must be at least 1, got " + epochs);
        if (batch < 1) throw new MalformedInput("--batch", "must be at least 1, got " + batch);
        if (inputMax < 1 || inputMax > 255) throw new MalformedInput("--input-max", "must be in 1..255, got " + inputMax);
        if (shift < 0 || shift > 8) throw new MalformedInput("--shift", "must be in 0..8, got " + shift);
        if (!(learningRate > 0)) throw new MalformedInput("--lr", "must be positive");
        OutputFiles.requireWritable(List.of(this.out)); // before minutes of training, not after
        MnistData dataset = MnistData.resolve(data);
        LabeledImages train = dataset.train();
        LabeledImages test = dataset.test();
        out.printf("train: %s (%s) on %s: %d training, %d test images; input levels 0..%d; %d epochs of batch %d%n",
                architecture.cliName(), architecture.summary(), dataset.directory(), train.count(), test.count(), inputMax, epochs, batch);
        out.flush();
        long start = System.nanoTime();
        Trainer.Options options = new Trainer.Options(architecture, epochs, batch, learningRate, seed, inputMax, shift, maxBatches);
        FloatModel model;
        try (Display display = new Display(out, err, epochs, System.console() != null && !noProgress)) {
            model = Trainer.train(options, train, test, display);
        }
        OutputFiles.writeAtomically(Map.of(this.out, OnnxExport.encode(model)));
        out.printf("wrote %s (float, ONNX) in %s total; next: safetynets quantize --model %s --out MODEL.snm%n",
                this.out, format(System.nanoTime() - start), this.out);
        return 0;
    }

    static String format(long nanos) {
        Duration d = Duration.ofNanos(nanos);
        return d.toMinutes() > 0 ? String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart()) : String.format("%.1fs", nanos / 1e9);
    }

    /** A progress bar on a terminal, plain lines every 10 s otherwise; one summary line per epoch either way. */
    static final class Display implements Trainer.Listener, AutoCloseable {
        private final PrintWriter out;
        private final PrintWriter err;
        private final int epochs;
        private final boolean bar;
        private ProgressBar progress;
        private long lastLine = System.nanoTime();

        Display(PrintWriter out, PrintWriter err, int epochs, boolean bar) {
            this.out = out;
            this.err = err;
            this.epochs = epochs;
            this.bar = bar;
        }

        @Override
        public void batch(int epoch, int batch, int batches, double loss, double runningAccuracy) {
            if (bar) {
                if (progress == null) {
                    progress = new ProgressBarBuilder().setTaskName("epoch " + epoch + "/" + epochs).setInitialMax(batches)
                            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate()
                            .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build();
                }
                progress.stepTo(batch);
                progress.setExtraMessage(String.format("loss %.4f acc %.2f%%", loss, 100 * runningAccuracy));
            } else if (System.nanoTime() - lastLine > 10_000_000_000L || batch == batches) {
                lastLine = System.nanoTime();
                err.printf("epoch %d/%d batch %d/%d loss %.4f running accuracy %.2f%%%n", epoch, epochs, batch, batches, loss, 100 * runningAccuracy);
                err.flush();
            }
        }

        @Override
        public void epoch(int epoch, double loss, double accuracy, double testAccuracy, long nanos) {
            close();
            out.printf("epoch %d/%d: loss %.4f, training accuracy %.2f%%, test accuracy (float) %.2f%%, %s%n",
                    epoch, epochs, loss, 100 * accuracy, 100 * testAccuracy, format(nanos));
            out.flush();
        }

        @Override
        public void close() {
            if (progress != null) {
                progress.close();
                progress = null;
            }
        }
    }
}
