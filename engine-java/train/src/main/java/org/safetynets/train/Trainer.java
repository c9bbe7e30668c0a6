package org.safetynets.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.CosineTracker;
import org.safetynets.data.LabeledImages;
import org.safetynets.data.Pixels;
import org.safetynets.floatmodel.FloatLayer;
import org.safetynets.floatmodel.FloatModel;
import org.safetynets.model.PaperArchitecture;
import org.safetynets.model.PaperArchitecture.LayerSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains one of the paper's x^2 networks with DJL on PyTorch (CPU), and returns it as a {@link FloatModel}.
 *
 * <p>Choices for x^2 networks, whose activations grow as the 4th power of the first layer's scale: no batch
 * norm (nothing to fold before export), LeCun-normal initialisation (variance 1/fan-in) so pre-activations start
 * near unit size, average pooling in training (the integer network sums and the 1/4 moves into the scale),
 * Adam with a cosine-decaying learning rate and gradient clipping, small L2 weight decay (smaller weights also
 * mean a smaller worst-case bound for the quantizer), and random shifts of up to {@code shift} pixels as
 * augmentation. Inputs are the quantized levels the integer model will see: q / inputMax with
 * q = round(pixel * inputMax / 255).
 */
public final class Trainer {
    public record Options(PaperArchitecture architecture, int epochs, int batch, float learningRate, long seed, long inputMax,
                          int shift, int maxBatchesPerEpoch) {
    }

    /** What one batch reports to the progress display. */
    public interface Listener {
        void batch(int epoch, int batch, int batches, double loss, double runningAccuracy);

        void epoch(int epoch, double loss, double accuracy, double testAccuracy, long nanos);
    }

    private Trainer() {
    }

    public static FloatModel train(Options options, LabeledImages train, LabeledImages test, Listener listener) {
        int batches = train.count() / options.batch();
        if (options.maxBatchesPerEpoch() > 0) batches = Math.min(batches, options.maxBatchesPerEpoch());
        if (batches < 1) throw new IllegalArgumentException("fewer training images than one batch");
        SplittableRandom random = new SplittableRandom(options.seed());
        try (Model model = Model.newInstance(options.architecture().cliName(), Device.cpu(), "PyTorch")) {
            ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed((int) options.seed());
            SequentialBlock block = network(options.architecture());
            model.setBlock(block);
            int totalSteps = Math.max(1, batches * options.epochs());
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Adam.builder()
                            .optLearningRateTracker(CosineTracker.builder().setBaseValue(options.learningRate())
                                    .optFinalValue(options.learningRate() / 100).setMaxUpdates(totalSteps).build())
                            .optWeightDecays(1e-5f)
                            .optClipGrad(1f)
                            .build())
                    .optInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 1f), Parameter.Type.WEIGHT)
                    .optDevices(new Device[] {Device.cpu()});
            try (ai.djl.training.Trainer trainer = model.newTrainer(config)) {
                Shape inputShape = new Shape(options.batch(), 1, train.rows(), train.columns());
                trainer.initialize(inputShape);
                int size = train.imageSize();
                for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                    long start = System.nanoTime();
                    int[] order = permutation(train.count(), random);
                    double lossSum = 0;
                    long correct = 0;
                    long seen = 0;
                    for (int b = 0; b < batches; b++) {
                        float[] x = new float[options.batch() * size];
                        float[] y = new float[options.batch()];
                        for (int i = 0; i < options.batch(); i++) {
                            int image = order[b * options.batch() + i];
                            int dy = options.shift() == 0 ? 0 : random.nextInt(2 * options.shift() + 1) - options.shift();
                            int dx = options.shift() == 0 ? 0 : random.nextInt(2 * options.shift() + 1) - options.shift();
                            shifted(train, image, dy, dx, options.inputMax(), x, i * size);
                            y[i] = train.label(image);
                        }
                        try (NDManager batchManager = trainer.getManager().newSubManager()) {
                            NDArray input = batchManager.create(x, inputShape);
                            NDArray labels = batchManager.create(y, new Shape(options.batch()));
                            NDList prediction;
                            NDArray loss;
                            try (GradientCollector collector = trainer.newGradientCollector()) {
                                prediction = trainer.forward(new NDList(input));
                                loss = trainer.getLoss().evaluate(new NDList(labels), prediction);
                                collector.backward(loss);
                            }
                            trainer.step();
                            double lossValue = loss.getFloat();
                            if (!Double.isFinite(lossValue)) {
                                throw new TrainingDiverged("loss became " + lossValue + " in epoch " + epoch + " batch " + (b + 1)
                                        + ": lower --lr or the input levels");
                            }
                            long hits = prediction.singletonOrThrow().argMax(1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                                    .eq(labels).sum().getLong();
                            lossSum += lossValue * options.batch();
                            correct += hits;
                            seen += options.batch();
                            listener.batch(epoch, b + 1, batches, lossSum / seen, correct / (double) seen);
                        }
                    }
                    FloatModel snapshot = export(options, block, train.rows(), train.columns());
                    double testAccuracy = test == null ? Double.NaN : accuracy(snapshot, test);
                    listener.epoch(epoch, lossSum / seen, correct / (double) seen, testAccuracy, System.nanoTime() - start);
                }
                return export(options, block, train.rows(), train.columns());
            }
        }
    }

    /** Float accuracy of {@code model} on {@code images} (inputs quantized to the model's levels). */
    public static double accuracy(FloatModel model, LabeledImages images) {
        long[][] levels = Pixels.levels(images, 0, images.count(), model.inputMax());
        long correct = java.util.stream.IntStream.range(0, images.count()).parallel()
                .filter(i -> FloatModel.argmax(model.forwardLevels(levels[i])) == images.label(i)).count();
        return correct / (double) images.count();
    }

    static SequentialBlock network(PaperArchitecture architecture) {
        SequentialBlock block = new SequentialBlock();
        for (LayerSpec spec : architecture.layers()) {
            block.add(switch (spec.kind()) {
                case CONV -> Conv2d.builder().setKernelShape(new Shape(spec.kernel(), spec.kernel()))
                        .optStride(new Shape(spec.stride(), spec.stride())).optPadding(new Shape(spec.padding(), spec.padding()))
                        .setFilters(spec.outputs()).build();
                case DENSE -> Linear.builder().setUnits(spec.outputs()).build();
                case SQUARE -> new LambdaBlock(list -> new NDList(list.singletonOrThrow().square()), "square");
                case POOL -> Pool.avgPool2dBlock(new Shape(spec.kernel(), spec.kernel()), new Shape(spec.kernel(), spec.kernel()));
                case FLATTEN -> Blocks.batchFlattenBlock();
            });
        }
        return block;
    }

    /** The trained parameters as a float model (average pooling: factor 1/window^2). */
    static FloatModel export(Options options, SequentialBlock block, int rows, int columns) {
        List<FloatLayer> layers = new ArrayList<>();
        List<LayerSpec> specs = options.architecture().layers();
        List<Block> children = block.getChildren().values();
        for (int i = 0; i < specs.size(); i++) {
            LayerSpec spec = specs.get(i);
            Block child = children.get(i);
            switch (spec.kind()) {
                case CONV -> layers.add(new FloatLayer.Conv(spec.outputs(), spec.inputs(), spec.kernel(), spec.stride(), spec.padding(),
                        values(child, "weight"), values(child, "bias")));
                case DENSE -> layers.add(new FloatLayer.Dense(spec.outputs(), spec.inputs(), values(child, "weight"), values(child, "bias")));
                case SQUARE -> layers.add(new FloatLayer.Square());
                case POOL -> layers.add(new FloatLayer.Pool(spec.kernel(), 1.0 / (spec.kernel() * spec.kernel())));
                case FLATTEN -> layers.add(new FloatLayer.Flatten());
            }
        }
        return new FloatModel(options.architecture().cliName(), new org.safetynets.tensor.Shape(1, rows, columns), options.inputMax(), layers);
    }

    private static double[] values(Block block, String name) {
        float[] f = block.getParameters().get(name).getArray().toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** Image {@code image} moved by (dy, dx) with zero fill, as levels / inputMax, into {@code out} at {@code offset}. */
    private static void shifted(LabeledImages images, int image, int dy, int dx, long inputMax, float[] out, int offset) {
        int rows = images.rows();
        int columns = images.columns();
        for (int r = 0; r < rows; r++) {
            int sr = r - dy;
            for (int c = 0; c < columns; c++) {
                int sc = c - dx;
                float v = 0;
                if (sr >= 0 && sr < rows && sc >= 0 && sc < columns) {
                    v = Pixels.level(images.pixel(image, sr * columns + sc), inputMax) / (float) inputMax;
                }
                out[offset + r * columns + c] = v;
            }
        }
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
