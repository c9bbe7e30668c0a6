package org.safetynets.model;

import org.safetynets.tensor.Shape;

import java.math.BigInteger;

/** The integer network computed naively with BigInteger on unpadded tensors: what the field result must equal. */
public final class IntegerReference {
    private IntegerReference() {
    }

    public static BigInteger[] run(Model model, long[] sample) {
        BigInteger[] x = new BigInteger[sample.length];
        for (int i = 0; i < x.length; i++) x[i] = BigInteger.valueOf(sample[i]);
        Shape shape = model.input();
        for (Layer layer : model.layers()) {
            Shape next = layer.outputShape(shape);
            if (layer instanceof Dense d) x = dense(d, x);
            else if (layer instanceof Conv2d c) x = conv(c, shape, next, x);
            else if (layer instanceof Square) x = square(x);
            else if (layer instanceof SumPool p) x = pool(p, shape, next, x);
            shape = next;
        }
        return x;
    }

    private static BigInteger[] dense(Dense d, BigInteger[] x) {
        BigInteger[] y = new BigInteger[d.outputs()];
        for (int o = 0; o < d.outputs(); o++) {
            BigInteger sum = BigInteger.valueOf(d.bias()[o]);
            for (int j = 0; j < d.inputs(); j++) sum = sum.add(BigInteger.valueOf(d.weight(o, j)).multiply(x[j]));
            y[o] = sum;
        }
        return y;
    }

    private static BigInteger[] conv(Conv2d c, Shape in, Shape out, BigInteger[] x) {
        BigInteger[] y = new BigInteger[out.size()];
        for (int co = 0; co < out.channels(); co++)
            for (int oh = 0; oh < out.height(); oh++)
                for (int ow = 0; ow < out.width(); ow++) {
                    BigInteger sum = BigInteger.valueOf(c.bias()[co]);
                    for (int ci = 0; ci < in.channels(); ci++)
                        for (int kh = 0; kh < c.kernel(); kh++)
                            for (int kw = 0; kw < c.kernel(); kw++) {
                                int ih = oh * c.stride() + kh - c.padding();
                                int iw = ow * c.stride() + kw - c.padding();
                                if (ih < 0 || iw < 0 || ih >= in.height() || iw >= in.width()) continue;
                                sum = sum.add(BigInteger.valueOf(c.weight(co, ci, kh, kw)).multiply(x[(ci * in.height() + ih) * in.width() + iw]));
                            }
                    y[(co * out.height() + oh) * out.width() + ow] = sum;
                }
        return y;
    }

    private static BigInteger[] square(BigInteger[] x) {
        BigInteger[] y = new BigInteger[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i].multiply(x[i]);
        return y;
    }

    private static BigInteger[] pool(SumPool p, Shape in, Shape out, BigInteger[] x) {
        BigInteger[] y = new BigInteger[out.size()];
        java.util.Arrays.fill(y, BigInteger.ZERO);
        for (int c = 0; c < in.channels(); c++)
            for (int h = 0; h < in.height(); h++)
                for (int w = 0; w < in.width(); w++) {
                    int o = (c * out.height() + h / p.window()) * out.width() + w / p.window();
                    y[o] = y[o].add(x[(c * in.height() + h) * in.width() + w]);
                }
        return y;
    }
}
