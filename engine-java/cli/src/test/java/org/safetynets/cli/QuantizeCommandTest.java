package org.safetynets.cli;

import ai.onnx.proto.OnnxMl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.data.LabeledImages;
import org.safetynets.floatmodel.FloatFixtures;
import org.safetynets.floatmodel.FloatLayer;
import org.safetynets.floatmodel.FloatModel;
import org.safetynets.floatmodel.OnnxExport;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.model.ValueBounds;
import org.safetynets.tensor.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code quantize} end to end on a tiny ONNX network built in Java and a tiny idx training set written here. */
class QuantizeCommandTest {
    private static final int TRAIN = 60;
    private static final int CALIBRATION = 40;

    @Test
    void writesAModelProvenWithinTheFieldAndReportsItsAccuracies(@TempDir Path work) throws IOException {
        FloatModel floatModel = FloatFixtures.smallCnn(5, 1);
        Path onnx = Files.write(work.resolve("small.onnx"), OnnxExport.encode(floatModel));
        Path data = Files.createDirectories(work.resolve("data"));
        LabeledImages train = TinyDigits.images(floatModel, 11, TRAIN);
        TinyDigits.write(data, "train", train);
        Path out = work.resolve("small.snm");

        Cli quantize = Cli.run("quantize", "--model", onnx.toString(), "--out", out.toString(), "--data", data.toString(),
                "--calibration", Integer.toString(CALIBRATION), "--search", "20");

        assertEquals(Main.OK, quantize.exitCode(), quantize::transcript);
        assertTrue(quantize.out().contains("calibration: last " + CALIBRATION + " training images of " + data), quantize::transcript);
        Model model = ModelCodec.decode(Files.readAllBytes(out), out.toString()); // strict: the no-overflow proof holds
        assertEquals(floatModel.input(), model.input());
        assertEquals(1, model.inputMax());
        assertTrue(ValueBounds.analyze(model.input(), model.inputMin(), model.inputMax(), model.layers()).layers().stream()
                .allMatch(ValueBounds.LayerBound::withinField));
        assertTrue(quantize.out().contains("wrote " + out + " (digest " + Format.hex(model.digest()).substring(0, 16)), quantize::transcript);
        assertTrue(quantize.out().contains("headroom (bits)"), quantize::transcript);

        // The reported accuracies against exact inference here: BigInteger for the integer model, the float network for the float one.
        int from = TRAIN - CALIBRATION;
        String expected = String.format("calibration accuracy: float %.2f%%, integer %.2f%% (%d images)",
                100.0 * TinyDigits.floatCorrect(floatModel, train, from, CALIBRATION) / CALIBRATION,
                100.0 * TinyDigits.integerCorrect(model, train, from, CALIBRATION) / CALIBRATION, CALIBRATION);
        assertTrue(quantize.out().contains(expected), () -> "expected " + expected + "\n" + quantize.transcript());
    }

    @Test
    void aModelThatIsNotOnnxIsOneLineAndWritesNothing(@TempDir Path work) throws IOException {
        Path junk = Files.writeString(work.resolve("junk.onnx"), "not a protobuf");
        Path out = work.resolve("out.snm");
        Cli quantize = Cli.run("quantize", "--model", junk.toString(), "--out", out.toString(), "--data", work.toString());
        assertEquals(Main.ERROR, quantize.exitCode(), quantize::transcript);
        assertTrue(quantize.err().startsWith("error: " + junk), quantize::transcript);
        assertEquals(1, quantize.err().lines().count(), quantize::transcript);
        assertFalse(Files.exists(out));
    }

    /** Once a 4-feature model calibrated on the first 4 pixels and wrote a model, and a 1x8x8 model on 3x3 images crashed. */
    @Test
    void imagesOfAnotherSizeThanTheModelsInputAreOneLineAndWriteNothing(@TempDir Path work) throws IOException {
        FloatModel features = new FloatModel("four", Shape.vector(4), 1, List.of(new FloatLayer.Dense(2, 4, new double[8], new double[2])));
        for (FloatModel floatModel : List.of(FloatFixtures.smallCnn(5, 1), features)) {
            Path onnx = Files.write(work.resolve(floatModel.name() + ".onnx"), OnnxExport.encode(floatModel));
            Path data = Files.createDirectories(work.resolve("data"));
            TinyDigits.write(data, "train", new LabeledImages(3, 3, 3, new byte[27], new byte[3]));
            Path out = work.resolve("out.snm");
            Cli quantize = Cli.run("quantize", "--model", onnx.toString(), "--out", out.toString(), "--data", data.toString());
            assertEquals(Main.ERROR, quantize.exitCode(), quantize::transcript);
            assertEquals("error: " + onnx + ": takes " + floatModel.input() + " inputs, the images are 3x3", quantize.err().strip(), quantize::transcript);
            assertFalse(Files.exists(out));
        }
    }

    /** A Conv with strides [0, 0] once divided by zero: exit 3, "internal error". */
    @Test
    void aMalformedConvIsOneLineNamingTheFileAndTheNode(@TempDir Path work) throws IOException {
        OnnxMl.ModelProto.Builder onnx = OnnxMl.ModelProto.parseFrom(OnnxExport.encode(FloatFixtures.smallCnn(5, 1))).toBuilder();
        OnnxMl.NodeProto.Builder conv = onnx.getGraphBuilder().getNodeBuilder(0);
        assertEquals("Conv", conv.getOpType());
        for (int i = 0; i < conv.getAttributeCount(); i++) {
            if (conv.getAttribute(i).getName().equals("strides")) conv.setAttribute(i, conv.getAttribute(i).toBuilder().setInts(0, 0).setInts(1, 0));
        }
        Path file = Files.write(work.resolve("stride0.onnx"), onnx.build().toByteArray());
        Path out = work.resolve("out.snm");
        Cli quantize = Cli.run("quantize", "--model", file.toString(), "--out", out.toString(), "--data", work.toString());
        assertEquals(Main.ERROR, quantize.exitCode(), quantize::transcript);
        assertEquals("error: " + file + ": node '" + conv.getName() + "' (op Conv) is not supported: the stride must be positive, got 0",
                quantize.err().strip(), quantize::transcript);
        assertFalse(Files.exists(out));
    }
}
