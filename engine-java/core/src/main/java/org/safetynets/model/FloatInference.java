package org.safetynets.model;

import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * The network as a client would run it without SafetyNets: a plain double-precision forward pass on real values
 * (integer / scale), on one thread, with no field arithmetic, no padding and no proof. It is the yardstick the
 * verifier's cost is compared with ("checking the proof is N times cheaper than running the network yourself").
 *
 * <p>Weights are converted to reals once, here, as a client holding a float model would have them; {@link #run}
 * then costs only the forward pass. Activations are unpadded features x batch arrays with the batch innermost,
 * so every inner loop runs over the batch and the JIT can vectorise it. Results equal the integer network's
 * divided by {@link Model#outputScale()} up to double rounding (exactly, while every value stays below 2^53).
 */
public final class FloatInference {
    private final Model model;
    private final List<RealParameters> parameters; // per model layer; null where a layer has no weights

    private record RealParameters(double[] weights, double[] bias) {
    }

    private FloatInference(Model model) {
        this.model = model;
        List<RealParameters> converted = new ArrayList<>();
        double scale = model.inputScale();
        for (Layer layer : model.layers()) {
            if (layer instanceof Dense d) {
                converted.add(realParameters(d.weights(), d.weightScale(), d.bias(), scale * d.weightScale()));
                scale *= d.weightScale();
            } else if (layer instanceof Conv2d c) {
                converted.add(realParameters(c.weights(), c.weightScale(), c.bias(), scale * c.weightScale()));
                scale *= c.weightScale();
            } else {
                if (layer instanceof Square) scale *= scale;
                converted.add(null);
            }
        }
        this.parameters = converted;
    }

    /** Converts the model's integer weights to reals; what a client that runs the network itself holds. */
    public static FloatInference of(Model model) {
        return new FloatInference(model);
    }

    public Model model() {
        return model;
    }

    /**
     * Runs the network on a batch of integer inputs (at the model's input scale).
     *
     * @return real outputs, sample by sample, in the output's (c, h, w) row-major order
     */
    public double[][] run(long[][] samples) {
        int batch = samples.length;
        Shape shape = model.input();
        int features = shape.size();
        double[] x = new double[features * batch];
        double inputScale = model.inputScale();
        for (int b = 0; b < batch; b++) {
            long[] sample = samples[b];
            if (sample.length != features) {
                throw new IllegalArgumentException("sample " + b + " has " + sample.length + " values, the model takes " + features);
            }
            for (int i = 0; i < features; i++) x[i * batch + b] = sample[i] / inputScale;
        }
        List<Layer> layers = model.layers();
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            Shape next = layer.outputShape(shape);
            RealParameters real = parameters.get(l);
            if (layer instanceof Dense d) x = dense(d, real.weights(), real.bias(), x, batch);
            else if (layer instanceof Conv2d c) x = conv(c, real.weights(), real.bias(), shape, next, x, batch);
            else if (layer instanceof Square) x = square(x);
            else if (layer instanceof SumPool p) x = pool(p.window(), shape, next, x, batch);
            // Flatten: the (c, h, w) row-major features are already the dense layer's columns
            shape = next;
        }
        int outputs = shape.size();
        double[][] out = new double[batch][outputs];
        for (int b = 0; b < batch; b++) for (int i = 0; i < outputs; i++) out[b][i] = x[i * batch + b];
        return out;
    }

    private static RealParameters realParameters(long[] weights, long weightScale, long[] bias, double biasScale) {
        double[] w = new double[weights.length];
        for (int i = 0; i < w.length; i++) w[i] = weights[i] / (double) weightScale;
        double[] beta = new double[bias.length];
        for (int i = 0; i < beta.length; i++) beta[i] = bias[i] / biasScale;
        return new RealParameters(w, beta);
    }

    // y[o, b] = bias[o] + sum_j W[o, j] * x[j, b]
    private static double[] dense(Dense d, double[] w, double[] bias, double[] x, int batch) {
        int inputs = d.inputs();
        double[] y = new double[d.outputs() * batch];
        for (int o = 0; o < d.outputs(); o++) {
            int yRow = o * batch;
            for (int b = 0; b < batch; b++) y[yRow + b] = bias[o];
            for (int j = 0; j < inputs; j++) {
                double weight = w[o * inputs + j]; // no skipping of zeros: a client's float pass does the full product
                int xRow = j * batch;
                for (int b = 0; b < batch; b++) y[yRow + b] += weight * x[xRow + b];
            }
        }
        return y;
    }

    // y[co, oh, ow, b] = bias[co] + sum over ci, kh, kw of K[co, ci, kh, kw] * x[ci, oh*s + kh - pad, ow*s + kw - pad, b]
    private static double[] conv(Conv2d c, double[] w, double[] bias, Shape in, Shape out, double[] x, int batch) {
        int k = c.kernel();
        int stride = c.stride();
        int pad = c.padding();
        int inH = in.height();
        int inW = in.width();
        int outH = out.height();
        int outW = out.width();
        double[] y = new double[out.size() * batch];
        for (int co = 0; co < out.channels(); co++) {
            int yPlane = co * outH * outW;
            for (int p = 0; p < outH * outW; p++) {
                int row = (yPlane + p) * batch;
                for (int b = 0; b < batch; b++) y[row + b] = bias[co];
            }
            for (int ci = 0; ci < in.channels(); ci++) {
                int xPlane = ci * inH * inW;
                for (int kh = 0; kh < k; kh++) {
                    for (int kw = 0; kw < k; kw++) {
                        double weight = w[((co * in.channels() + ci) * k + kh) * k + kw];
                        for (int oh = 0; oh < outH; oh++) {
                            int ih = oh * stride + kh - pad;
                            if (ih < 0 || ih >= inH) continue;
                            for (int ow = 0; ow < outW; ow++) {
                                int iw = ow * stride + kw - pad;
                                if (iw < 0 || iw >= inW) continue;
                                int yRow = (yPlane + oh * outW + ow) * batch;
                                int xRow = (xPlane + ih * inW + iw) * batch;
                                for (int b = 0; b < batch; b++) y[yRow + b] += weight * x[xRow + b];
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    private static double[] square(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * x[i];
        return y;
    }

    // windows at a ragged edge sum what they cover, as SumPool defines
    private static double[] pool(int window, Shape in, Shape out, double[] x, int batch) {
        double[] y = new double[out.size() * batch];
        for (int c = 0; c < in.channels(); c++) {
            for (int h = 0; h < in.height(); h++) {
                for (int w = 0; w < in.width(); w++) {
                    int yRow = ((c * out.height() + h / window) * out.width() + w / window) * batch;
                    int xRow = ((c * in.height() + h) * in.width() + w) * batch;
                    for (int b = 0; b < batch; b++) y[yRow + b] += x[xRow + b];
                }
            }
        }
        return y;
    }
}
