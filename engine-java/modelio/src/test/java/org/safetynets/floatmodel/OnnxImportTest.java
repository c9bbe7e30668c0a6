package org.safetynets.floatmodel;

import ai.onnx.proto.OnnxMl;
import org.junit.jupiter.api.Test;
import org.safetynets.MalformedInput;
import org.safetynets.tensor.Shape;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX fixtures built here in Java, checked against inference worked out by hand. */
class OnnxImportTest {
    private static OnnxMl.NodeProto node(String op, String name, List<String> in, String out, OnnxMl.AttributeProto... attributes) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out).addAllAttribute(List.of(attributes)).build();
    }

    private static OnnxMl.AttributeProto ints(String name, long... v) {
        OnnxMl.AttributeProto.Builder b = OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long x : v) b.addInts(x);
        return b.build();
    }

    private static byte[] model(List<Integer> inputDims, List<OnnxMl.TensorProto> initializers, OnnxMl.NodeProto... nodes) {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("fixture")
                .addInput(OnnxExport.valueInfo("x", inputDims)).addAllInitializer(initializers);
        for (OnnxMl.NodeProto n : nodes) g.addNode(n);
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(g).build().toByteArray();
    }

    /**
     * x (1x4x4) -> Conv 2x2 (1 -> 1, weights [1, 0; 0, -1], bias 1, stride 2) -> Pow(., 2) -> Flatten -> MatMul [4 x 2] + Add.
     */
    @Test
    void convPowFlattenMatMulAddMatchesAHandComputation() {
        byte[] onnx = model(List.of(-1, 1, 4, 4), List.of(
                        OnnxExport.tensor("w", new double[] {1, 0, 0, -1}, 1, 1, 2, 2),
                        OnnxExport.tensor("b", new double[] {1}, 1),
                        OnnxExport.tensor("two", new double[] {2}),
                        OnnxExport.tensor("m", new double[] {1, 0, 2, 0, 0, 1, 0, -1}, 4, 2),
                        OnnxExport.tensor("c", new double[] {0.5, -0.5}, 2)),
                node("Conv", "conv", List.of("x", "w", "b"), "y", ints("kernel_shape", 2, 2), ints("strides", 2, 2)),
                node("Pow", "pow", List.of("y", "two"), "z"),
                node("Flatten", "flat", List.of("z"), "f"),
                node("MatMul", "mm", List.of("f", "m"), "g"),
                node("Add", "bias", List.of("g", "c"), "out"));
        FloatModel model = OnnxImport.decode(onnx, "fixture.onnx");
        assertEquals(new Shape(1, 4, 4), model.input());
        assertEquals(255, model.inputMax());
        double[] x = new double[16];
        for (int i = 0; i < 16; i++) x[i] = i; // row-major 4x4: 0..15
        // conv outputs at (0,0),(0,1),(1,0),(1,1): x[a] - x[a+5] + 1 = -5 + 1 = -4 each; squared 16 each
        // matmul: out0 = 16*1 + 16*2 = 48 (+0.5), out1 = 16*1 - 16*1 = 0 (-0.5)
        assertArrayEquals(new double[] {48.5, -0.5}, model.forward(x), 1e-9);
    }

    /** Gemm(transB) -> Mul(x, x) -> AveragePool 2 -> Mul 4 (sum pooling) -> Flatten -> Gemm. */
    @Test
    void averagePoolWithScaleBecomesSumPooling() {
        byte[] onnx = model(List.of(-1, 1, 2, 2), List.of(
                        OnnxExport.tensor("k", new double[] {2}, 1, 1, 1, 1),
                        OnnxExport.tensor("four", new double[] {4}),
                        OnnxExport.tensor("w", new double[] {1, -1}, 2, 1),
                        OnnxExport.tensor("b", new double[] {0, 1}, 2)),
                node("Conv", "scale", List.of("x", "k"), "y", ints("kernel_shape", 1, 1)),
                node("Mul", "square", List.of("y", "y"), "s"),
                node("AveragePool", "pool", List.of("s"), "p", ints("kernel_shape", 2, 2), ints("strides", 2, 2)),
                node("Mul", "sum", List.of("p", "four"), "q"),
                node("Flatten", "flat", List.of("q"), "f"),
                node("Gemm", "fc", List.of("f", "w", "b"), "out",
                        OnnxMl.AttributeProto.newBuilder().setName("transB").setType(OnnxMl.AttributeProto.AttributeType.INT).setI(1).build()));
        FloatModel model = OnnxImport.decode(onnx, "pool.onnx");
        assertEquals(1.0, ((FloatLayer.Pool) model.layers().get(2)).factor(), 1e-12);
        // (2x)^2 summed over x = 1, 2, 3, 4: 4 * 30 = 120; outputs 120 and -120 + 1
        assertArrayEquals(new double[] {120, -119}, model.forward(new double[] {1, 2, 3, 4}), 1e-9);
    }

    @Test
    void exportThenImportIsTheSameNetwork() {
        FloatModel original = new FloatModel("round-trip", new Shape(1, 4, 4), 3, List.of(
                new FloatLayer.Conv(2, 1, 3, 1, 1, new double[] {1, -2, 0.5, 0, 1, 0, -1, 0.25, 2, 1, 1, 1, 0, 0, 0, -1, -1, -1}, new double[] {0.5, -1}),
                new FloatLayer.Square(), new FloatLayer.Pool(2, 0.25), new FloatLayer.Flatten(),
                new FloatLayer.Dense(3, 8, new double[] {1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8, 0, 1, 0, 1, 0, 1, 0, 1}, new double[] {1, 2, 3})));
        FloatModel copy = OnnxImport.decode(OnnxExport.encode(original), "copy.onnx");
        assertEquals(3, copy.inputMax());
        double[] x = {0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 1, 1, 0, 3, 0, 3};
        assertArrayEquals(original.forward(x), copy.forward(x), 1e-9);
    }

    @Test
    void unsupportedOpsAreRefusedNamingTheNode() {
        byte[] onnx = model(List.of(-1, 4), List.of(OnnxExport.tensor("w", new double[] {1, 1, 1, 1}, 4, 1)),
                node("Relu", "act1", List.of("x"), "y"));
        MalformedInput e = assertThrows(MalformedInput.class, () -> OnnxImport.decode(onnx, "relu.onnx"));
        assertTrue(e.getMessage().startsWith("relu.onnx: node 'act1' (op Relu) is not supported"), e.getMessage());

        byte[] pool3 = model(List.of(-1, 1, 6, 6), List.of(), node("AveragePool", "p", List.of("x"), "y", ints("kernel_shape", 3, 3), ints("strides", 3, 3)));
        assertTrue(assertThrows(MalformedInput.class, () -> OnnxImport.decode(pool3, "p.onnx")).getMessage().contains("power of two"));
        assertThrows(MalformedInput.class, () -> OnnxImport.decode(new byte[] {1, 2, 3}, "junk.onnx"));
    }

    private static OnnxMl.NodeProto conv3x3(OnnxMl.AttributeProto... attributes) {
        return node("Conv", "conv", List.of("x", "w"), "y", attributes);
    }

    private static OnnxMl.TensorProto weights3x3() {
        return OnnxExport.tensor("w", new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, 1, 1, 3, 3);
    }

    private static String refusal(byte[] onnx) {
        return assertThrows(MalformedInput.class, () -> OnnxImport.decode(onnx, "bad.onnx")).getMessage();
    }

    private static void assertRefused(String expected, byte[] onnx) {
        String message = refusal(onnx);
        assertTrue(message.startsWith("bad.onnx: ") && message.contains(expected), () -> "expected '" + expected + "' in: " + message);
    }

    /** A tensor with the given dims and no data at all: 100 bytes of file that once asked for gigabytes. */
    private static OnnxMl.TensorProto declared(OnnxMl.TensorProto.DataType type, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName("w").setDataType(type.getNumber());
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    @Test
    void tensorsAreCheckedAgainstTheirDataBeforeAnythingIsAllocated() {
        List<Integer> image = List.of(-1, 1, 28, 28);
        assertRefused("tensor w declares dimensions [100000, 100000], more than", model(image, List.of(declared(OnnxMl.TensorProto.DataType.FLOAT, 100000, 100000)), conv3x3()));
        assertRefused("tensor w declares dimensions [4294967296, 4294967296]", model(image, List.of(declared(OnnxMl.TensorProto.DataType.FLOAT, 1L << 32, 1L << 32)), conv3x3()));
        assertRefused("tensor w has 0 values for the 1073741824 its dimensions declare",
                model(image, List.of(declared(OnnxMl.TensorProto.DataType.INT64, 1 << 30, 1)), conv3x3()));
        assertRefused("tensor w has a negative dimension in [-1, 1, 3, 3]", model(image, List.of(declared(OnnxMl.TensorProto.DataType.FLOAT, -1, 1, 3, 3)), conv3x3()));
        OnnxMl.TensorProto shortDoubles = declared(OnnxMl.TensorProto.DataType.DOUBLE, 1, 1, 3, 3).toBuilder().addDoubleData(1).build();
        assertRefused("tensor w has 1 values for the 9", model(image, List.of(shortDoubles), conv3x3()));
        OnnxMl.TensorProto shortRaw = OnnxExport.tensor("w", new double[8], 8).toBuilder().clearDims().addDims(1).addDims(1).addDims(3).addDims(3).build();
        assertRefused("tensor w has 32 bytes of data for 9 values", model(image, List.of(shortRaw), conv3x3()));
        assertRefused("input w has dimensions [1, 1, 0, 0], one of them 0", model(image, List.of(OnnxExport.tensor("w", new double[0], 1, 1, 0, 0)), conv3x3()));
    }

    @Test
    void nonFiniteWeightsAndBiasesAreRefusedNamingTheTensor() {
        List<Integer> features = List.of(-1, 4);
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            double[] weights = {1, 1, 1, 1, 1, 1, 1, bad};
            assertRefused("tensor w holds " + bad + " at index 7", model(features, List.of(OnnxExport.tensor("w", weights, 4, 2)),
                    node("MatMul", "mm", List.of("x", "w"), "y")));
            assertRefused("tensor b holds " + bad + " at index 1", model(features, List.of(OnnxExport.tensor("w", new double[8], 4, 2),
                            OnnxExport.tensor("b", new double[] {0, bad}, 2)), node("Gemm", "fc", List.of("x", "w", "b"), "y")));
        }
    }

    private static byte[] withInput(long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder().addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (long d : dims) shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        OnnxMl.ValueInfoProto input = OnnxMl.ValueInfoProto.newBuilder().setName("x").setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().addInput(input).addInitializer(weights3x3()).addNode(conv3x3()).build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(graph).build().toByteArray();
    }

    @Test
    void inputDimensionsBeyondASampleAreRefusedNotWrapped() {
        assertEquals(new Shape(1, 28, 28), OnnxImport.decode(withInput(1, 28, 28), "ok.onnx").input());
        assertRefused("input x dimension 3 is 4294967324, more than the 2^30 features", withInput(1, 28, (1L << 32) + 28)); // once read as 28
        assertRefused("input x dimension 3 is 2147483648", withInput(1, 28, 1L << 31));
        assertRefused("input x: shape 1x1048576x1048576 pads to more than 2^30 features", withInput(1, 1 << 20, 1 << 20));
    }

    @Test
    void aNodeWithoutAnOutputIsRefused() {
        OnnxMl.NodeProto identity = OnnxMl.NodeProto.newBuilder().setOpType("Identity").addInput("x").build();
        assertRefused("node 1 ('', op Identity) has no output", model(List.of(-1, 4), List.of(), identity));
        OnnxMl.NodeProto constant = OnnxMl.NodeProto.newBuilder().setOpType("Constant").setName("c")
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("value").setT(OnnxExport.tensor("one", new double[] {1}, 1))).build();
        assertRefused("node 1 ('c', op Constant) has no output", model(List.of(-1, 4), List.of(), constant));
    }

    @Test
    void convAndPoolAttributesOutsideWhatTheLayersTakeAreRefusedNamingTheNode() {
        List<Integer> image = List.of(-1, 1, 28, 28);
        List<OnnxMl.TensorProto> w = List.of(weights3x3());
        assertEquals(new Shape(1, 14, 14), OnnxImport.decode(model(image, w, conv3x3(ints("strides", 2, 2), ints("pads", 1, 1, 1, 1))), "ok.onnx").output());
        assertRefused("node 'conv' (op Conv) is not supported: the stride must be positive, got 0", model(image, w, conv3x3(ints("strides", 0, 0))));
        assertRefused("the stride must be positive, got -1", model(image, w, conv3x3(ints("strides", -1, -1))));
        assertRefused("the stride 8589934592 is more than 2^31 - 1", model(image, w, conv3x3(ints("strides", 1L << 33, 1L << 33))));
        assertRefused("node 'conv' (op Conv) is not supported: conv kernel 3 does not fit input 1x2x2 with padding 0", // once one output
                model(List.of(-1, 1, 2, 2), w, conv3x3(ints("strides", 2, 2))));
        assertRefused("strides must have 2 entries (height, width), got [1]", model(image, w, conv3x3(ints("strides", 1))));
        assertRefused("pads must have 4 entries, got [1, 1]", model(image, w, conv3x3(ints("pads", 1, 1))));
        assertRefused("the padding must be at least 0 and less than the kernel 3, got 3", model(image, w, conv3x3(ints("pads", 3, 3, 3, 3))));
        assertRefused("the padding must be at least 0 and less than the kernel 3, got -1", model(image, w, conv3x3(ints("pads", -1, -1, -1, -1))));
        assertRefused("kernel_shape [5, 5] does not match the 3x3 weights", model(image, w, conv3x3(ints("kernel_shape", 5, 5))));

        List<Integer> small = List.of(-1, 1, 4, 4);
        assertRefused("node 'p' (op AveragePool) is not supported: the stride must equal the window",
                model(small, List.of(), node("AveragePool", "p", List.of("x"), "y", ints("kernel_shape", 2, 2), ints("strides", 2))));
        assertRefused("the window must be a power of two (the proof sums over window bits), got 4294967298", // once cast to 2
                model(small, List.of(), node("AveragePool", "p", List.of("x"), "y", ints("kernel_shape", (1L << 32) + 2, (1L << 32) + 2))));
    }

    /** Scalars that scale a layer must stay finite and non-zero: the quantizer divides and multiplies its scales by them. */
    @Test
    void gemmScalarsAndPoolFactorsMustStayFinite() {
        OnnxMl.AttributeProto nanAlpha = OnnxMl.AttributeProto.newBuilder().setName("alpha").setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(Float.NaN).build();
        assertRefused("node 'fc' (op Gemm) is not supported: alpha NaN and beta 1.0 must be finite",
                model(List.of(-1, 4), List.of(OnnxExport.tensor("w", new double[8], 4, 2)), node("Gemm", "fc", List.of("x", "w"), "y", nanAlpha)));

        List<OnnxMl.NodeProto> nodes = new java.util.ArrayList<>(List.of(node("AveragePool", "p", List.of("x"), "m0", ints("kernel_shape", 2, 2))));
        for (int i = 0; i < 9; i++) nodes.add(node("Mul", "tiny" + i, List.of("m" + i, "tiny"), "m" + (i + 1))); // 0.25 * (1e-38)^9 underflows
        assertRefused("node 'tiny8' (op Mul) is not supported: the pool's factor",
                model(List.of(-1, 1, 2, 2), List.of(OnnxExport.tensor("tiny", new double[] {1e-38})), nodes.toArray(OnnxMl.NodeProto[]::new)));
    }

    private static OnnxMl.TensorProto int64(String name, long... values) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                .addDims(values.length);
        for (long v : values) t.addInt64Data(v);
        return t.build();
    }

    /**
     * A Reshape becomes a Flatten, which keeps the old shape: only a reshape to [batch, features] is that. Any other
     * is refused at import, naming the node, rather than after the whole scale search ("conv2d follows a flatten").
     */
    @Test
    void onlyAReshapeThatFlattensIsImported() {
        List<Integer> image = List.of(-1, 1, 4, 4);
        for (long[] flat : new long[][] {{-1, 16}, {0, -1}, {0, 16}, {8, -1}}) {
            FloatModel model = OnnxImport.decode(model(image, List.of(int64("shape", flat), OnnxExport.tensor("m", new double[32], 16, 2)),
                    node("Reshape", "r", List.of("x", "shape"), "f"), node("MatMul", "mm", List.of("f", "m"), "y")), "flat.onnx");
            assertEquals(List.of("flatten", "dense"), model.layers().stream().map(FloatLayer::kind).toList());
        }
        assertRefused("node 'r' (op Reshape) is not supported: only a reshape to [batch, features] (a flatten: [-1, 16] here) is supported, got [-1, 1, 2, 8]",
                model(image, List.of(int64("shape", -1, 1, 2, 8), OnnxExport.tensor("w", new double[] {1, 1, 1, 1}, 1, 1, 2, 2)),
                        node("Reshape", "r", List.of("x", "shape"), "s"), node("Conv", "conv", List.of("s", "w"), "y", ints("strides", 2, 2))));
        for (long[] wrong : new long[][] {{-1, 8}, {-1}, {-1, -1}, {-1, 4, 4}}) {
            assertRefused("got " + java.util.Arrays.toString(wrong), model(image, List.of(int64("shape", wrong)), node("Reshape", "r", List.of("x", "shape"), "f")));
        }
        assertRefused("node 'r' (op Reshape) is not supported: attribute shape is missing", model(image, List.of(), node("Reshape", "r", List.of("x"), "f")));
    }

    @Test
    void aConvOrPoolAfterTheValuesWereFlattenedIsRefusedNamingBothNodes() {
        List<OnnxMl.TensorProto> weights = List.of(OnnxExport.tensor("m", new double[16], 4, 4), OnnxExport.tensor("k", new double[] {1, 1, 1, 1}, 4, 1, 1, 1));
        assertRefused("node 'conv' (op Conv) is not supported: it needs an image, but node 'fc' (op Gemm) made its input a vector of features",
                model(List.of(-1, 4), weights, node("Gemm", "fc", List.of("x", "m"), "g"), node("Conv", "conv", List.of("g", "k"), "y", ints("kernel_shape", 1, 1))));
        assertRefused("node 'p' (op AveragePool) is not supported: it needs an image, but node 'flat' (op Flatten) made its input a vector of features",
                model(List.of(-1, 1, 4, 4), List.of(), node("Flatten", "flat", List.of("x"), "f"),
                        node("AveragePool", "p", List.of("f"), "y", ints("kernel_shape", 2, 2))));
    }
}
