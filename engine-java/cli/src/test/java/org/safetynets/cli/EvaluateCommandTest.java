package org.safetynets.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.data.LabeledImages;
import org.safetynets.data.Pixels;
import org.safetynets.floatmodel.FloatFixtures;
import org.safetynets.floatmodel.FloatLayer;
import org.safetynets.floatmodel.FloatModel;
import org.safetynets.floatmodel.OnnxExport;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.quantize.Quantizer;
import org.safetynets.tensor.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code evaluate} end to end on a tiny quantized network and a tiny idx test set written here. */
class EvaluateCommandTest {
    private static final int TEST = 10;
    private static final int BATCH = 4; // 4 + 4 + 2: the last batch is partial

    @Test
    void provesAndVerifiesEveryBatchAndReportsTheVerifiedAccuracy(@TempDir Path work) throws IOException {
        FloatModel floatModel = FloatFixtures.smallCnn(5, 1);
        LabeledImages calibration = TinyDigits.images(floatModel, 11, 40);
        int[] labels = new int[calibration.count()];
        for (int i = 0; i < labels.length; i++) labels[i] = calibration.label(i);
        Model model = Quantizer.quantize(floatModel, Pixels.levels(calibration, 0, calibration.count(), 1), labels, 20, line -> { }).model();
        Path snm = Files.write(work.resolve("small.snm"), ModelCodec.encode(model));
        Path onnx = Files.write(work.resolve("small.onnx"), OnnxExport.encode(floatModel));
        Path data = Files.createDirectories(work.resolve("data"));
        LabeledImages test = TinyDigits.images(floatModel, 12, TEST);
        TinyDigits.write(data, "t10k", test);

        Cli evaluate = Cli.run("evaluate", "--model", snm.toString(), "--float", onnx.toString(), "--data", data.toString(),
                "--batch", Integer.toString(BATCH), "--backend", "cpu", "--no-progress");

        assertEquals(Main.OK, evaluate.exitCode(), evaluate::transcript);
        assertTrue(evaluate.out().contains("on " + TEST + " test images of " + data + ", 3 batches of up to " + BATCH), evaluate::transcript);
        assertTrue(evaluate.out().matches("(?s).*batches verified\\s+3 of 3 \\(" + TEST + " images\\).*"), evaluate::transcript);
        assertTrue(evaluate.err().contains("3/3 batches proven and verified"), evaluate::transcript);
        assertTrue(!evaluate.out().contains("REJECT"), evaluate::transcript);
        double field = 100.0 * TinyDigits.integerCorrect(model, test, 0, TEST) / TEST;
        double floating = 100.0 * TinyDigits.floatCorrect(floatModel, test, 0, TEST) / TEST;
        assertRow(evaluate, "field accuracy (proven and verified)", String.format("%.2f%%", field));
        assertRow(evaluate, "float accuracy (small.onnx, same input levels)", String.format("%.2f%%", floating));
        assertRow(evaluate, "difference (field - float)", String.format("%+.2f points", field - floating));
    }

    @Test
    void aModelForOtherImagesIsOneLine(@TempDir Path work) throws IOException {
        FloatModel floatModel = FloatFixtures.smallCnn(5, 1);
        Path data = Files.createDirectories(work.resolve("data"));
        TinyDigits.write(data, "t10k", new LabeledImages(2, 4, 4, new byte[32], new byte[2]));
        Model model = Quantizer.quantize(floatModel, new long[1][64], new int[1], 1, line -> { }).model();
        Path snm = Files.write(work.resolve("small.snm"), ModelCodec.encode(model));
        Cli evaluate = Cli.run("evaluate", "--model", snm.toString(), "--data", data.toString(), "--backend", "cpu");
        assertEquals(Main.ERROR, evaluate.exitCode(), evaluate::transcript);
        assertEquals("error: " + snm + ": takes 1x8x8 inputs, the images are 4x4", evaluate.err().strip(), evaluate::transcript);
    }

    /** The --float model was once run on whatever the images held: "float accuracy 0.00%" for a 4-feature, 2-output model. */
    @Test
    void aFloatModelForOtherImagesOrOutputsIsOneLine(@TempDir Path work) throws IOException {
        FloatModel floatModel = FloatFixtures.smallCnn(5, 1);
        Path data = Files.createDirectories(work.resolve("data"));
        TinyDigits.write(data, "t10k", TinyDigits.images(floatModel, 12, 2));
        Model model = Quantizer.quantize(floatModel, new long[1][64], new int[1], 1, line -> { }).model();
        Path snm = Files.write(work.resolve("small.snm"), ModelCodec.encode(model));

        FloatModel fourFeatures = new FloatModel("four", Shape.vector(4), 1, List.of(new FloatLayer.Dense(5, 4, new double[20], new double[5])));
        Path four = Files.write(work.resolve("four.onnx"), OnnxExport.encode(fourFeatures));
        Cli evaluate = Cli.run("evaluate", "--model", snm.toString(), "--float", four.toString(), "--data", data.toString(), "--backend", "cpu");
        assertEquals(Main.ERROR, evaluate.exitCode(), evaluate::transcript);
        assertEquals("error: " + four + ": takes 4x1x1 inputs, the images are 8x8", evaluate.err().strip(), evaluate::transcript);

        FloatModel twoOutputs = new FloatModel("two", new Shape(1, 8, 8), 1, List.of(new FloatLayer.Dense(2, 64, new double[128], new double[2])));
        Path two = Files.write(work.resolve("two.onnx"), OnnxExport.encode(twoOutputs));
        evaluate = Cli.run("evaluate", "--model", snm.toString(), "--float", two.toString(), "--data", data.toString(), "--backend", "cpu");
        assertEquals(Main.ERROR, evaluate.exitCode(), evaluate::transcript);
        assertEquals("error: " + two + ": has 2 outputs (2x1x1) but " + snm + " has 5 (5x1x1)", evaluate.err().strip(), evaluate::transcript);
    }

    private static void assertRow(Cli run, String label, String value) {
        assertTrue(run.out().lines().anyMatch(line -> line.strip().startsWith(label) && line.strip().endsWith(value)),
                () -> label + " should be " + value + "\n" + run.transcript());
    }
}
