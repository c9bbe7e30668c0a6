package org.safetynets.backend;

import org.safetynets.field.Fp;
import org.safetynets.poly.Multilinear;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;
import org.safetynets.tensor.Shape;

/**
 * The sequential, obviously-correct backend that every real backend must match element for element. Each
 * operation is the textbook loop, written to be read, not to be fast; it lives in test code and is shared
 * with the backend modules through the test-jar.
 */
public final class ReferenceBackend implements Backend {
    static final class HostTensor implements DeviceTensor {
        final long[] data;

        HostTensor(long[] data) {
            this.data = data;
        }

        @Override
        public int length() {
            return data.length;
        }

        @Override
        public void close() {
        }
    }

    private static long[] data(DeviceTensor t) {
        return ((HostTensor) t).data;
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String description() {
        return "sequential reference (tests only)";
    }

    @Override
    public DeviceTensor upload(long[] values) {
        return new HostTensor(values.clone());
    }

    @Override
    public long[] download(DeviceTensor tensor) {
        return data(tensor).clone();
    }

    @Override
    public long get(DeviceTensor tensor, int index) {
        return data(tensor)[index];
    }

    @Override
    public DeviceTensor matmul(DeviceTensor a, DeviceTensor b, int rows, int inner, int cols) {
        long[] x = data(a);
        long[] y = data(b);
        long[] c = new long[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                long sum = 0;
                for (int k = 0; k < inner; k++) sum = Fp.add(sum, Fp.mul(x[i * inner + k], y[k * cols + j]));
                c[i * cols + j] = sum;
            }
        }
        return new HostTensor(c);
    }

    @Override
    public DeviceTensor conv2d(DeviceTensor kernel, DeviceTensor input, ConvGeometry g) {
        long[] k = data(kernel);
        long[] x = data(input);
        Layout in = g.input();
        Layout out = g.output();
        Shape inShape = in.shape();
        int kp = g.paddedKernel();
        long[] y = new long[out.size()];
        for (int co = 0; co < g.outChannels(); co++)
            for (int oh = 0; oh < g.outputHeight(); oh++)
                for (int ow = 0; ow < g.outputWidth(); ow++)
                    for (int b = 0; b < in.paddedBatch(); b++) {
                        long sum = 0;
                        for (int ci = 0; ci < inShape.channels(); ci++)
                            for (int kh = 0; kh < g.kernel(); kh++)
                                for (int kw = 0; kw < g.kernel(); kw++) {
                                    int ih = g.inputCoordinate(oh, kh, inShape.height());
                                    int iw = g.inputCoordinate(ow, kw, inShape.width());
                                    if (ih < 0 || iw < 0) continue;
                                    long weight = k[co * g.kernelColumns() + (ci * kp + kh) * kp + kw];
                                    sum = Fp.add(sum, Fp.mul(weight, x[in.index(ci, ih, iw, b)]));
                                }
                        y[out.index(co, oh, ow, b)] = sum;
                    }
        return new HostTensor(y);
    }

    @Override
    public void addBias(DeviceTensor tensor, long[] bias, Layout layout) {
        long[] y = data(tensor);
        Shape s = layout.shape();
        for (int c = 0; c < s.channels(); c++)
            for (int h = 0; h < s.height(); h++)
                for (int w = 0; w < s.width(); w++)
                    for (int b = 0; b < layout.batch(); b++) {
                        int i = layout.index(c, h, w, b);
                        y[i] = Fp.add(y[i], bias[c]);
                    }
    }

    @Override
    public DeviceTensor square(DeviceTensor input) {
        long[] x = data(input);
        long[] y = new long[x.length];
        for (int i = 0; i < x.length; i++) y[i] = Fp.mul(x[i], x[i]);
        return new HostTensor(y);
    }

    @Override
    public DeviceTensor sumPool(DeviceTensor input, PoolGeometry g) {
        long[] x = data(input);
        Layout in = g.input();
        Layout out = g.output();
        int s = g.window();
        long[] y = new long[out.size()];
        for (int c = 0; c < in.shape().paddedChannels(); c++)
            for (int h = 0; h < in.shape().paddedHeight(); h++)
                for (int w = 0; w < in.shape().paddedWidth(); w++)
                    for (int b = 0; b < in.paddedBatch(); b++) {
                        int o = out.index(c, h / s, w / s, b);
                        y[o] = Fp.add(y[o], x[in.index(c, h, w, b)]);
                    }
        return new HostTensor(y);
    }

    @Override
    public DeviceTensor productTable(long[] zeroWeights, long[] oneWeights) {
        long[] table = new long[1 << zeroWeights.length];
        for (int x = 0; x < table.length; x++) {
            long product = 1;
            for (int j = 0; j < zeroWeights.length; j++) product = Fp.mul(product, ((x >>> j) & 1) == 1 ? oneWeights[j] : zeroWeights[j]);
            table[x] = product;
        }
        return new HostTensor(table);
    }

    @Override
    public DeviceTensor rowCombination(DeviceTensor weights, DeviceTensor matrix, int rows, int cols) {
        long[] e = data(weights);
        long[] m = data(matrix);
        long[] out = new long[cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) out[j] = Fp.add(out[j], Fp.mul(e[i], m[i * cols + j]));
        return new HostTensor(out);
    }

    @Override
    public DeviceTensor columnCombination(DeviceTensor matrix, DeviceTensor weights, int rows, int cols) {
        long[] e = data(weights);
        long[] m = data(matrix);
        long[] out = new long[rows];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) out[i] = Fp.add(out[i], Fp.mul(m[i * cols + j], e[j]));
        return new HostTensor(out);
    }

    @Override
    public long[] roundEvaluations(DeviceTensor[] tables, int[] factors, int half, int degree) {
        long[] out = new long[degree + 1];
        for (int t = 0; t <= degree; t++) {
            for (int i = 0; i < half; i++) {
                long product = 1;
                for (int f : factors) {
                    long[] table = data(tables[f]);
                    long at = Fp.add(table[i], Fp.mul(t, Fp.sub(table[i + half], table[i])));
                    product = Fp.mul(product, at);
                }
                out[t] = Fp.add(out[t], product);
            }
        }
        return out;
    }

    @Override
    public void fold(DeviceTensor table, int half, long r) {
        Multilinear.fold(data(table), half, r);
    }

    @Override
    public long[] poolOffsetSums(DeviceTensor input, DeviceTensor eqOut, PoolGeometry g) {
        long[] x = data(input);
        long[] e = data(eqOut);
        Layout in = g.input();
        Layout out = g.output();
        int s = g.window();
        long[] sums = new long[s * s];
        for (int c = 0; c < in.shape().paddedChannels(); c++)
            for (int h = 0; h < in.shape().paddedHeight(); h++)
                for (int w = 0; w < in.shape().paddedWidth(); w++)
                    for (int b = 0; b < in.paddedBatch(); b++) {
                        int offset = (h % s) * s + (w % s);
                        long term = Fp.mul(e[out.index(c, h / s, w / s, b)], x[in.index(c, h, w, b)]);
                        sums[offset] = Fp.add(sums[offset], term);
                    }
        return sums;
    }

    @Override
    public DeviceTensor convPatchSums(DeviceTensor x, long[] eqRows, long[] eqCols, ConvGeometry g) {
        long[] xs = data(x);
        Shape in = g.input().shape();
        int kp = g.paddedKernel();
        long[] u = new long[g.kernelColumns()];
        for (int ci = 0; ci < in.channels(); ci++)
            for (int kh = 0; kh < g.kernel(); kh++)
                for (int kw = 0; kw < g.kernel(); kw++)
                    for (int oh = 0; oh < g.outputHeight(); oh++)
                        for (int ow = 0; ow < g.outputWidth(); ow++) {
                            int ih = g.inputCoordinate(oh, kh, in.height());
                            int iw = g.inputCoordinate(ow, kw, in.width());
                            if (ih < 0 || iw < 0) continue;
                            int k = (ci * kp + kh) * kp + kw;
                            long weight = Fp.mul(eqRows[oh], eqCols[ow]);
                            u[k] = Fp.add(u[k], Fp.mul(weight, xs[in.paddedIndex(ci, ih, iw)]));
                        }
        return new HostTensor(u);
    }

    @Override
    public void close() {
    }
}
