package org.safetynets.train;

import org.junit.jupiter.api.Test;
import org.safetynets.data.LabeledImages;
import org.safetynets.floatmodel.FloatModel;
import org.safetynets.floatmodel.OnnxExport;
import org.safetynets.floatmodel.OnnxImport;
import org.safetynets.model.PaperArchitecture;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CI check of training: the paper's CNN, a few dozen batches of synthetic digits (class k is a bright 6x6
 * block at a place of its own, plus noise), on DJL's PyTorch CPU engine fully offline. The loss must fall, and the
 * exported float model, run by our own Java inference after an ONNX round trip, must classify the images far
 * above chance: that checks the weight layouts of the export too.
 */
class TrainerTest {
    static LabeledImages synthetic(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] pixels = new byte[count * 784];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(10);
            labels[i] = (byte) label;
            int top = 2 + (label / 5) * 12 + random.nextInt(3);
            int left = 1 + (label % 5) * 5 + random.nextInt(2);
            for (int r = 0; r < 28; r++)
                for (int c = 0; c < 28; c++) {
                    boolean on = r >= top && r < top + 6 && c >= left && c < left + 4;
                    int v = on ? 200 + random.nextInt(56) : (random.nextInt(20) == 0 ? 255 : 0);
                    pixels[i * 784 + r * 28 + c] = (byte) v;
                }
        }
        return new LabeledImages(count, 28, 28, pixels, labels);
    }

    @Test
    void lossFallsAndTheExportedModelClassifies() {
        LabeledImages train = synthetic(32 * 40, 1);
        List<Double> losses = new ArrayList<>();
        List<String> epochs = new ArrayList<>();
        Trainer.Options options = new Trainer.Options(PaperArchitecture.MNIST_CNN, 1, 32, 0.003f, 7, 1, 0, 40);
        FloatModel model = Trainer.train(options, train, null, new Trainer.Listener() {
            @Override
            public void batch(int epoch, int batch, int batches, double loss, double runningAccuracy) {
                losses.add(loss); // running mean over the epoch so far
            }

            @Override
            public void epoch(int epoch, double loss, double accuracy, double testAccuracy, long nanos) {
                epochs.add(epoch + ":" + loss);
            }
        });
        assertEquals(40, losses.size());
        assertEquals(1, epochs.size());
        assertTrue(losses.get(39) < 0.6 * losses.get(4), "running loss after 5 batches " + losses.get(4) + ", after 40 " + losses.get(39));
        FloatModel copy = OnnxImport.decode(OnnxExport.encode(model), "trained.onnx");
        double accuracy = Trainer.accuracy(copy, synthetic(500, 2));
        assertTrue(accuracy > 0.8, "accuracy of the exported model on fresh synthetic digits: " + accuracy);
    }
}
