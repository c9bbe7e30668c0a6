package org.safetynets.cli;

import org.safetynets.data.IdxFixtures;
import org.safetynets.data.LabeledImages;
import org.safetynets.data.Pixels;
import org.safetynets.floatmodel.FloatModel;
import org.safetynets.model.IntegerReference;
import org.safetynets.model.Model;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Random;

/**
 * A tiny MNIST-layout data set for the quantize and evaluate tests: seeded random 8x8 images (the input of
 * {@code FloatFixtures.smallCnn}) labelled with the float network's own answer, except every third image, which
 * gets the next class, so no accuracy is trivially 0 or 100%.
 */
final class TinyDigits {
    private TinyDigits() {
    }

    static LabeledImages images(FloatModel labeller, long seed, int count) {
        Random random = new Random(seed);
        int size = labeller.input().size();
        byte[] pixels = new byte[count * size];
        random.nextBytes(pixels);
        byte[] labels = new byte[count];
        LabeledImages unlabelled = new LabeledImages(count, labeller.input().height(), labeller.input().width(), pixels, labels);
        int classes = labeller.output().size();
        for (int i = 0; i < count; i++) {
            int answer = FloatModel.argmax(labeller.forwardLevels(Pixels.levels(unlabelled, i, 1, labeller.inputMax())[0]));
            labels[i] = (byte) (i % 3 == 0 ? (answer + 1) % classes : answer);
        }
        return new LabeledImages(count, unlabelled.rows(), unlabelled.columns(), pixels, labels);
    }

    static void write(Path directory, String prefix, LabeledImages images) throws IOException {
        IdxFixtures.writeSet(directory, prefix, images, true);
    }

    /** Images [from, from + n) the integer model gets right, by exact BigInteger inference (IntegerReference). */
    static int integerCorrect(Model model, LabeledImages images, int from, int n) {
        long[][] levels = Pixels.levels(images, from, n, model.inputMax());
        int correct = 0;
        for (int i = 0; i < n; i++) if (argmax(IntegerReference.run(model, levels[i])) == images.label(from + i)) correct++;
        return correct;
    }

    /** Images [from, from + n) the float model gets right on the same input levels. */
    static int floatCorrect(FloatModel model, LabeledImages images, int from, int n) {
        long[][] levels = Pixels.levels(images, from, n, model.inputMax());
        int correct = 0;
        for (int i = 0; i < n; i++) if (FloatModel.argmax(model.forwardLevels(levels[i])) == images.label(from + i)) correct++;
        return correct;
    }

    /** The first largest entry, as the CLI breaks ties. */
    static int argmax(BigInteger[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) if (values[i].compareTo(values[best]) > 0) best = i;
        return best;
    }
}
