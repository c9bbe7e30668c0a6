package org.safetynets.bench;

import org.junit.jupiter.api.Test;
import org.safetynets.field.Fp;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bench/c/layer_kernels.c, the Java CPU backend and a direct Java sum agree on the layer products: the same operands
 * (LayerFill mirrors the C fill) and the same checksum, for one-limb and two-limb data, odd sizes and tails.
 */
class LayerKernelsAgreementTest {
    private static final List<LayerComparison.Layer> LAYERS = List.of(
            new LayerComparison.Layer("conv, any element", new ConvGeometry(new Layout(new Shape(3, 9, 7), 3), 6, 3, 1, 1), 0, 0, 0, 5, 61),
            new LayerComparison.Layer("conv, 12 bits", new ConvGeometry(new Layout(new Shape(2, 6, 5), 2), 5, 5, 1, 2), 0, 0, 0, 1, 12),
            LayerComparison.Layer.dense("dense, any element", 5, 37, 19, 46, 61),
            LayerComparison.Layer.dense("dense, 40 bits", 3, 70, 24, 32, 40));

    @Test
    void cKernelsJavaBackendAndDirectSumsAgree() {
        CReference reference;
        try {
            reference = CReference.compile("gcc", CReference.LAYER_SOURCE);
        } catch (CReference.Unavailable e) {
            assumeTrue(false, "C layer kernels unavailable: " + e.getMessage());
            return;
        }
        try (reference) {
            LayerComparison.Result result = LayerComparison.measure(reference, LAYERS, 0, 1, 1);
            for (LayerComparison.Row row : result.rows()) {
                String name = row.layer().name();
                assertEquals(directChecksum(row.layer()), row.cChecksum(), name + ": C __int128 kernel vs direct sums");
                assertEquals(row.cChecksum(), row.javaChecksum(), name + ": Java backend vs C");
                if (row.limbsSkipped() == null) {
                    assertEquals(row.cChecksum(), row.limbsChecksum(), name + ": C AVX-512 limbs vs C __int128");
                } else {
                    assertTrue(row.limbsSkipped().contains("AVX-512"), row.limbsSkipped());
                }
                assertTrue(row.agrees(), name);
            }
        }
    }

    private static long directChecksum(LayerComparison.Layer layer) {
        if (layer.conv() == null) {
            LayerFill.Dense d = LayerFill.Dense.of(layer.rows(), layer.inner(), layer.cols(), layer.maxWeight(), layer.bits());
            long[] y = new long[layer.rows() * layer.cols()];
            for (int i = 0; i < layer.rows(); i++)
                for (int j = 0; j < layer.cols(); j++)
                    for (int k = 0; k < layer.inner(); k++)
                        y[i * layer.cols() + j] = Fp.add(y[i * layer.cols() + j], Fp.mul(d.weights()[i * layer.inner() + k], d.activations()[k * layer.cols() + j]));
            return FieldFill.checksum(y);
        }
        ConvGeometry g = layer.conv();
        LayerFill.Conv c = LayerFill.Conv.of(g, layer.maxWeight(), layer.bits());
        Layout in = g.input();
        Layout out = g.output();
        Shape s = in.shape();
        int kp = g.paddedKernel();
        long[] y = new long[out.size()];
        for (int co = 0; co < g.outChannels(); co++)
            for (int oh = 0; oh < g.outputHeight(); oh++)
                for (int ow = 0; ow < g.outputWidth(); ow++)
                    for (int b = 0; b < in.paddedBatch(); b++)
                        for (int ci = 0; ci < s.channels(); ci++)
                            for (int kh = 0; kh < g.kernel(); kh++)
                                for (int kw = 0; kw < g.kernel(); kw++) {
                                    int ih = oh + kh - g.padding();
                                    int iw = ow + kw - g.padding();
                                    if (ih < 0 || ih >= s.height() || iw < 0 || iw >= s.width()) continue;
                                    int o = out.index(co, oh, ow, b);
                                    y[o] = Fp.add(y[o], Fp.mul(c.kernel()[co * g.kernelColumns() + (ci * kp + kh) * kp + kw], c.input()[in.index(ci, ih, iw, b)]));
                                }
        return FieldFill.checksum(y);
    }
}
