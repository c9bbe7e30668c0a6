package org.safetynets.floatmodel;

import org.safetynets.MalformedInput;
import org.safetynets.tensor.Shape;

import java.util.List;

/**
 * A real-valued network: input shape, the number of input levels it was trained on (inputs are q / inputMax for
 * q in 0..inputMax, see {@link org.safetynets.data.Pixels}), and its layers. {@link #forward} is the plain
 * obviously-correct double-precision inference that accuracy figures and the quantizer's search use.
 */
public record FloatModel(String name, Shape input, long inputMax, List<FloatLayer> layers) {
    public FloatModel {
        layers = List.copyOf(layers);
        if (inputMax < 1) throw new MalformedInput("model", "input levels must be at least 1, got " + inputMax);
        Shape s = input;
        for (int i = 0; i < layers.size(); i++) {
            try {
                s = layers.get(i).outputShape(s);
            } catch (IllegalArgumentException e) {
                throw new MalformedInput("model", "layer " + (i + 1) + " (" + layers.get(i).kind() + "): " + e.getMessage());
            }
        }
    }

    public Shape output() {
        Shape s = input;
        for (FloatLayer l : layers) s = l.outputShape(s);
        return s;
    }

    /** The network on one sample (values in (c, h, w) order). */
    public double[] forward(double[] x) {
        Shape shape = input;
        for (FloatLayer layer : layers) {
            Shape next = layer.outputShape(shape);
            if (layer instanceof FloatLayer.Dense d) x = dense(d, x);
            else if (layer instanceof FloatLayer.Conv c) x = conv(c, shape, next, x);
            else if (layer instanceof FloatLayer.Square) {
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) y[i] = x[i] * x[i];
                x = y;
            } else if (layer instanceof FloatLayer.Pool p) x = pool(p, shape, next, x);
            shape = next;
        }
        return x;
    }

    /** The network on integer input levels q (real input q / inputMax). */
    public double[] forwardLevels(long[] levels) {
        double[] x = new double[levels.length];
        for (int i = 0; i < x.length; i++) x[i] = levels[i] / (double) inputMax;
        return forward(x);
    }

    public static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private static double[] dense(FloatLayer.Dense d, double[] x) {
        double[] y = new double[d.outputs()];
        for (int o = 0; o < d.outputs(); o++) {
            double s = d.bias()[o];
            int row = o * d.inputs();
            for (int j = 0; j < d.inputs(); j++) s += d.weights()[row + j] * x[j];
            y[o] = s;
        }
        return y;
    }

    private static double[] conv(FloatLayer.Conv c, Shape in, Shape out, double[] x) {
        int k = c.kernel();
        double[] y = new double[out.size()];
        for (int co = 0; co < c.outChannels(); co++) {
            for (int oh = 0; oh < out.height(); oh++) {
                for (int ow = 0; ow < out.width(); ow++) {
                    double s = c.bias()[co];
                    for (int ci = 0; ci < c.inChannels(); ci++) {
                        int wBase = (co * c.inChannels() + ci) * k * k;
                        int xBase = ci * in.height() * in.width();
                        for (int kh = 0; kh < k; kh++) {
                            int ih = oh * c.stride() - c.padding() + kh;
                            if (ih < 0 || ih >= in.height()) continue;
                            for (int kw = 0; kw < k; kw++) {
                                int iw = ow * c.stride() - c.padding() + kw;
                                if (iw < 0 || iw >= in.width()) continue;
                                s += c.weights()[wBase + kh * k + kw] * x[xBase + ih * in.width() + iw];
                            }
                        }
                    }
                    y[(co * out.height() + oh) * out.width() + ow] = s;
                }
            }
        }
        return y;
    }

    private static double[] pool(FloatLayer.Pool p, Shape in, Shape out, double[] x) {
        double[] y = new double[out.size()];
        int s = p.window();
        for (int c = 0; c < in.channels(); c++)
            for (int h = 0; h < in.height(); h++)
                for (int w = 0; w < in.width(); w++)
                    y[(c * out.height() + h / s) * out.width() + w / s] += x[(c * in.height() + h) * in.width() + w];
        for (int i = 0; i < y.length; i++) y[i] *= p.factor();
        return y;
    }
}
