package org.safetynets.bench;

import org.junit.jupiter.api.Test;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.bench.compare.WarmUp;
import org.safetynets.backend.ReferenceBackend;
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
            LayerComparison.Result result = LayerComparison.measure(reference, LAYERS, new WarmUp.Rule(0, 0), 1, 1);
            for (LayerComparison.Row row : result.rows()) {
                String name = row.layer().name();
                assertEquals(directChecksum(row.layer()), row.cChecksum(), name + ": C __int128 kernel vs ReferenceBackend");
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

    /** The checksum of the product by ReferenceBackend, the engine's sequential reference. */
    private static long directChecksum(LayerComparison.Layer layer) {
        try (Backend reference = new ReferenceBackend()) {
            long[] left;
            long[] right;
            if (layer.conv() == null) {
                LayerFill.Dense d = LayerFill.Dense.of(layer.rows(), layer.inner(), layer.cols(), layer.maxWeight(), layer.bits());
                left = d.weights();
                right = d.activations();
            } else {
                LayerFill.Conv c = LayerFill.Conv.of(layer.conv(), layer.maxWeight(), layer.bits());
                left = c.kernel();
                right = c.input();
            }
            try (DeviceTensor a = reference.upload(left); DeviceTensor b = reference.upload(right);
                 DeviceTensor y = layer.conv() == null ? reference.matmul(a, b, layer.rows(), layer.inner(), layer.cols())
                         : reference.conv2d(a, b, layer.conv())) {
                return FieldFill.checksum(reference.download(y));
            }
        }
    }
}
