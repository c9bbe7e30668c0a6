package org.safetynets.cli;

import org.safetynets.MalformedInput;
import org.safetynets.data.LabeledImages;
import org.safetynets.data.MnistData;
import org.safetynets.data.Pixels;
import org.safetynets.files.OutputFiles;
import org.safetynets.floatmodel.FloatModel;
import org.safetynets.floatmodel.OnnxImport;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.model.ValueBounds;
import org.safetynets.quantize.Quantizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** ONNX float model -> integer .snm model whose field computation is proven exact over every valid input. */
@Command(name = "quantize", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Quantizes a float model (ONNX) to an integer model (.snm): per-layer weight scales searched on a calibration "
                + "sample of the training data, subject to the interval proof that no value leaves +-(p-1)/2 over every valid input.",
            "Prints the proven bound and its headroom in bits per layer."})
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"--model", "-M"}, paramLabel = "FLOAT.onnx", required = true, description = "The float model (ONNX).")
    Path floatPath;

    @Option(names = {"--out", "-O"}, paramLabel = "MODEL.snm", required = true, description = "Where to write the integer model (a new or regular file; a symbolic link or special file is refused).")
    Path out;

    @Option(names = "--data", paramLabel = "DIR", description = "MNIST idx directory for calibration (default: $SAFETYNETS_MNIST or ../shared/data/mnist).")
    Path data;

    @Option(names = "--calibration", paramLabel = "N", defaultValue = "2000",
            description = "Training images (the last N) on which the accuracies are reported (default: ${DEFAULT-VALUE}).")
    int calibration;

    @Option(names = "--search", paramLabel = "N", defaultValue = "256", description = "Of those, images the scale search measures (default: ${DEFAULT-VALUE}).")
    int search;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (calibration < 1 || search < 1) throw new MalformedInput("--calibration", "and --search must be positive");
        OutputFiles.requireWritable(List.of(this.out), List.of(floatPath)); // before minutes of search, not after
        FloatModel floatModel = OnnxImport.decode(UserFiles.read(floatPath), floatPath.toString());
        MnistData dataset = MnistData.resolve(data);
        LabeledImages train = dataset.train();
        train.requireModelInput(floatPath.toString(), floatModel.input());
        int n = Math.min(calibration, train.count());
        int from = train.count() - n;
        long[][] inputs = Pixels.levels(train, from, n, floatModel.inputMax());
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = train.label(from + i);
        out.printf("quantize: %s (%s -> %s, input levels 0..%d), calibration: last %d training images of %s%n",
                floatPath, floatModel.input(), floatModel.output(), floatModel.inputMax(), n, dataset.directory());
        out.flush();
        Quantizer.Result result = Quantizer.quantize(floatModel, inputs, labels, search, line -> {
            out.println(line);
            out.flush();
        });
        Model model = result.model();
        printBounds(out, model);
        out.printf("calibration accuracy: float %.2f%%, integer %.2f%% (%d images)%n",
                100 * result.floatAccuracy(), 100 * result.quantizedAccuracy(), result.calibrationSize());
        OutputFiles.writeAtomically(Map.of(this.out, ModelCodec.encode(model)));
        out.println("wrote " + this.out + " (digest " + Format.hex(model.digest()).substring(0, 16) + "...)");
        return Main.OK;
    }

    static void printBounds(PrintWriter out, Model model) {
        out.println("proven bounds over every input in " + model.inputMin() + ".." + model.inputMax() + " (field limit (p-1)/2 ~ 2^60):");
        Format.Table table = new Format.Table(true, false).row("layer", "kind", "weight scale", "bound (bits)", "headroom (bits)");
        for (ValueBounds.LayerBound b : ValueBounds.analyze(model.input(), model.inputMin(), model.inputMax(), model.layers()).layers()) {
            org.safetynets.model.Layer layer = model.layers().get(b.layer() - 1);
            String scale = layer instanceof org.safetynets.model.Conv2d c ? Long.toString(c.weightScale())
                    : layer instanceof org.safetynets.model.Dense d ? Long.toString(d.weightScale()) : "";
            table.row(Integer.toString(b.layer()), b.kind(), scale, String.format("%.1f", b.bits()), String.format("%.1f", b.headroomBits()));
        }
        table.lines("  ").forEach(out::println);
    }
}
