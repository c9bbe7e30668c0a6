package org.safetynets.model;

import org.safetynets.tensor.Shape;

/**
 * The plain double-precision loops of a forward pass, shared by the two float networks: {@link FloatInference} (an
 * integer model run on real values, the yardstick for the verifier) and the modelio module's float models (trained
 * weights, for accuracy figures and the quantizer). Activations are unpadded features x batch arrays with the batch
 * innermost (entry (feature, b) at feature*batch + b), so every inner loop runs over the batch and vectorises; a
 * single sample is batch 1.
 */
public final class FloatKernels {
    private FloatKernels() {
    }

    // y[o, b] = bias[o] + sum_j W[o, j] * x[j, b]
    public static double[] dense(int outputs, int inputs, double[] w, double[] bias, double[] x, int batch) {
        double[] y = new double[outputs * batch];
        for (int o = 0; o < outputs; o++) {
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
    public static double[] conv(int k, int stride, int pad, double[] w, double[] bias, Shape in, Shape out, double[] x, int batch) {
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

    public static double[] square(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * x[i];
        return y;
    }

    // factor * the window sums; windows at a ragged edge sum what they cover, as SumPool defines
    public static double[] pool(int window, double factor, Shape in, Shape out, double[] x, int batch) {
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
        if (factor != 1) for (int i = 0; i < y.length; i++) y[i] *= factor;
        return y;
    }
}
