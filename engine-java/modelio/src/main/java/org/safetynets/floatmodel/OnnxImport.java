package org.safetynets.floatmodel;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import org.safetynets.MalformedInput;
import org.safetynets.tensor.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an ONNX model that is a chain of the layers the prover handles: Conv, Gemm, MatMul (+ Add of a constant
 * bias), Mul(x, x) or Pow(x, 2) for x^2, AveragePool (sum pooling with the 1/window^2 kept as the pool's factor;
 * a following Mul by a scalar constant folds into it), Flatten or a Reshape to [batch, features], and
 * Identity/Dropout (no-ops at inference). Any other node is refused naming it, and so is a file the layers cannot
 * take as written (a tensor without its data, a stride of 0, ...): a refusal is a {@link MalformedInput}, never an
 * exception of another kind (which the CLI reports as a bug). The input levels come from the metadata entry
 * {@value #INPUT_MAX_KEY} (default 255: raw pixels scaled to [0, 1]).
 */
public final class OnnxImport {
    public static final String INPUT_MAX_KEY = "safetynets.input_max";
    /** The most elements of one tensor: a Java array's limit on common JVMs, so that counts below it are ints. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final String SUPPORTED = "Conv, Gemm, MatMul, Add (bias), Mul(x,x), Pow(x,2), AveragePool, Flatten, Reshape (to [batch, features]), Identity, Dropout";

    private final String source;
    private final Map<String, Constant> constants = new HashMap<>();
    private final List<FloatLayer> layers = new ArrayList<>();
    private Shape shape;
    /** The node after which the values are features rather than an image (a Flatten, Reshape, Gemm or MatMul), if any. */
    private String flattenedBy;

    private record Constant(double[] values, long[] dims) {
    }

    private OnnxImport(String source) {
        this.source = source;
    }

    public static FloatModel decode(byte[] bytes, String source) {
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedInput(source, "is not an ONNX model: " + e.getMessage());
        }
        if (!model.hasGraph()) throw new MalformedInput(source, "is not an ONNX model: it has no graph");
        return new OnnxImport(source).read(model);
    }

    private FloatModel read(OnnxMl.ModelProto model) {
        OnnxMl.GraphProto graph = model.getGraph();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) constants.put(t.getName(), constant(t));
        String current = null;
        Shape inputShape = null;
        for (OnnxMl.ValueInfoProto input : graph.getInputList()) {
            if (constants.containsKey(input.getName())) continue;
            if (current != null) throw new MalformedInput(source, "has more than one input (" + current + ", " + input.getName() + ")");
            current = input.getName();
            inputShape = inputShape(input);
            shape = inputShape;
        }
        if (current == null) throw new MalformedInput(source, "has no input");
        for (int i = 0; i < graph.getNodeCount(); i++) {
            OnnxMl.NodeProto node = graph.getNode(i);
            if (node.getOutputCount() == 0) {
                throw new MalformedInput(source, "node " + (i + 1) + " ('" + node.getName() + "', op " + node.getOpType() + ") has no output");
            }
            if (node.getOpType().equals("Constant")) {
                for (OnnxMl.AttributeProto a : node.getAttributeList()) if (a.hasT()) constants.put(node.getOutput(0), constant(a.getT()));
                continue;
            }
            if (node.getInputCount() == 0 || !node.getInput(0).equals(current)) {
                throw new MalformedInput(source, describe(node) + " does not take the previous layer's output (" + current
                        + "): only a chain of layers is supported");
            }
            apply(node);
            current = node.getOutput(0);
        }
        long inputMax = 255;
        for (OnnxMl.StringStringEntryProto p : model.getMetadataPropsList()) {
            if (p.getKey().equals(INPUT_MAX_KEY)) {
                try {
                    inputMax = Long.parseLong(p.getValue());
                } catch (NumberFormatException e) {
                    throw new MalformedInput(source, INPUT_MAX_KEY + " is not an integer: " + p.getValue());
                }
            }
        }
        if (layers.isEmpty()) throw new MalformedInput(source, "has no layers");
        String name = graph.getName().isEmpty() ? "onnx-model" : graph.getName();
        return new FloatModel(name, inputShape, inputMax, layers);
    }

    private Shape inputShape(OnnxMl.ValueInfoProto value) {
        List<OnnxMl.TensorShapeProto.Dimension> dims = value.getType().getTensorType().getShape().getDimList();
        List<Integer> sizes = new ArrayList<>();
        for (int i = 1; i < dims.size(); i++) { // dimension 0 is the batch
            if (!dims.get(i).hasDimValue() || dims.get(i).getDimValue() <= 0) {
                throw new MalformedInput(source, "input " + value.getName() + " dimension " + i + " has no fixed size");
            }
            long size = dims.get(i).getDimValue();
            if (size > Shape.MAX_PADDED_SIZE) {
                throw new MalformedInput(source, "input " + value.getName() + " dimension " + i + " is " + size + ", more than the 2^30 features a sample may have");
            }
            sizes.add((int) size);
        }
        try {
            return switch (sizes.size()) {
                case 1 -> Shape.vector(sizes.get(0));
                case 2 -> new Shape(1, sizes.get(0), sizes.get(1));
                case 3 -> new Shape(sizes.get(0), sizes.get(1), sizes.get(2));
                default -> throw new MalformedInput(source, "input " + value.getName() + " must be [batch, C, H, W], [batch, H, W] or [batch, features]");
            };
        } catch (IllegalArgumentException e) {
            throw new MalformedInput(source, "input " + value.getName() + ": " + e.getMessage());
        }
    }

    private void apply(OnnxMl.NodeProto node) {
        switch (node.getOpType()) {
            case "Conv" -> conv(node);
            case "Gemm" -> gemm(node);
            case "MatMul" -> {
                Constant w = weight(node, 1, 2);
                int in = (int) w.dims()[0];
                int out = (int) w.dims()[1];
                double[] t = new double[in * out];
                for (int i = 0; i < in; i++) for (int o = 0; o < out; o++) t[o * in + i] = w.values()[i * out + o];
                add(node, new FloatLayer.Dense(out, in, t, new double[out]));
            }
            case "Add" -> addBias(node);
            case "Mul" -> mul(node);
            case "Pow" -> {
                Constant e = constantInput(node, 1);
                if (e.values().length != 1 || e.values()[0] != 2.0) throw unsupported(node, "only the exponent 2 (x^2) is supported");
                add(node, new FloatLayer.Square());
            }
            case "AveragePool" -> pool(node);
            case "Flatten" -> add(node, new FloatLayer.Flatten());
            case "Reshape" -> reshape(node);
            case "Identity", "Dropout" -> {
            }
            default -> throw unsupported(node, "supported ops are " + SUPPORTED);
        }
    }

    private void conv(OnnxMl.NodeProto node) {
        requireImage(node);
        Constant w = weight(node, 1, 4);
        if (w.dims()[2] != w.dims()[3]) throw unsupported(node, "only square kernels are supported");
        int k = (int) w.dims()[2];
        long[] kernelShape = ints(node, "kernel_shape", k, k);
        if (!Arrays.equals(kernelShape, new long[] {k, k})) {
            throw unsupported(node, "kernel_shape " + Arrays.toString(kernelShape) + " does not match the " + k + "x" + k + " weights");
        }
        long[] strides = ints(node, "strides", 1, 1);
        long[] pads = ints(node, "pads", 0, 0, 0, 0);
        if (strides.length != 2) throw unsupported(node, "strides must have 2 entries (height, width), got " + Arrays.toString(strides));
        if (pads.length != 4) throw unsupported(node, "pads must have 4 entries, got " + Arrays.toString(pads));
        if (ints(node, "group", 1)[0] != 1) throw unsupported(node, "grouped convolutions are not supported");
        for (long d : ints(node, "dilations", 1, 1)) if (d != 1) throw unsupported(node, "dilated convolutions are not supported");
        String autoPad = string(node, "auto_pad");
        if (!autoPad.isEmpty() && !autoPad.equals("NOTSET")) throw unsupported(node, "auto_pad " + autoPad + " is not supported; give pads");
        if (strides[0] != strides[1]) throw unsupported(node, "unequal strides are not supported");
        for (long p : pads) if (p != pads[0]) throw unsupported(node, "padding must be the same on every side");
        if (strides[0] < 1) throw unsupported(node, "the stride must be positive, got " + strides[0]);
        if (strides[0] > Integer.MAX_VALUE) throw unsupported(node, "the stride " + strides[0] + " is more than 2^31 - 1");
        // The integer layer's rule (Conv2d): a padding of the kernel or more would add outputs that see only zeros.
        if (pads[0] < 0 || pads[0] >= k) throw unsupported(node, "the padding must be at least 0 and less than the kernel " + k + ", got " + pads[0]);
        int out = (int) w.dims()[0];
        double[] bias = node.getInputCount() > 2 ? constantInput(node, 2).values() : new double[out];
        if (bias.length != out) throw unsupported(node, "bias has " + bias.length + " values for " + out + " channels");
        add(node, new FloatLayer.Conv(out, (int) w.dims()[1], k, (int) strides[0], (int) pads[0], w.values(), bias));
    }

    private void gemm(OnnxMl.NodeProto node) {
        if (ints(node, "transA", 0)[0] != 0) throw unsupported(node, "transA = 1 is not supported");
        double alpha = real(node, "alpha", 1.0);
        double beta = real(node, "beta", 1.0);
        if (!Double.isFinite(alpha) || !Double.isFinite(beta)) throw unsupported(node, "alpha " + alpha + " and beta " + beta + " must be finite");
        boolean transB = ints(node, "transB", 0)[0] != 0;
        Constant w = weight(node, 1, 2);
        int out = (int) (transB ? w.dims()[0] : w.dims()[1]);
        int in = (int) (transB ? w.dims()[1] : w.dims()[0]);
        double[] weights = new double[in * out];
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++) weights[o * in + i] = alpha * (transB ? w.values()[o * in + i] : w.values()[i * out + o]);
        double[] bias = new double[out];
        if (node.getInputCount() > 2) {
            double[] c = constantInput(node, 2).values();
            if (c.length != out && c.length != 1) throw unsupported(node, "bias has " + c.length + " values for " + out + " outputs");
            for (int o = 0; o < out; o++) bias[o] = beta * c[c.length == 1 ? 0 : o];
        }
        add(node, new FloatLayer.Dense(out, in, weights, bias));
    }

    private void addBias(OnnxMl.NodeProto node) {
        Constant c = constantInput(node, 1);
        FloatLayer last = layers.isEmpty() ? null : layers.get(layers.size() - 1);
        if (last instanceof FloatLayer.Dense d && (c.values().length == d.outputs() || c.values().length == 1)) {
            double[] bias = d.bias().clone();
            for (int o = 0; o < bias.length; o++) bias[o] += c.values()[c.values().length == 1 ? 0 : o];
            layers.set(layers.size() - 1, new FloatLayer.Dense(d.outputs(), d.inputs(), d.weights(), bias));
        } else if (last instanceof FloatLayer.Conv v && (c.values().length == v.outChannels() || c.values().length == 1)) {
            double[] bias = v.bias().clone();
            for (int o = 0; o < bias.length; o++) bias[o] += c.values()[c.values().length == 1 ? 0 : o];
            layers.set(layers.size() - 1, new FloatLayer.Conv(v.outChannels(), v.inChannels(), v.kernel(), v.stride(), v.padding(), v.weights(), bias));
        } else {
            throw unsupported(node, "Add is supported only as a per-output bias right after Gemm, MatMul or Conv");
        }
    }

    private void mul(OnnxMl.NodeProto node) {
        if (node.getInputCount() == 2 && node.getInput(0).equals(node.getInput(1))) {
            add(node, new FloatLayer.Square());
            return;
        }
        Constant c = constantInput(node, 1);
        FloatLayer last = layers.isEmpty() ? null : layers.get(layers.size() - 1);
        if (c.values().length == 1 && last instanceof FloatLayer.Pool p && c.values()[0] > 0) {
            double factor = p.factor() * c.values()[0];
            // The quantizer divides its accumulated scale by the factor: 0 or infinity would make that scale meaningless.
            if (factor == 0 || Double.isInfinite(factor)) throw unsupported(node, "the pool's factor " + p.factor() + " times " + c.values()[0] + " is " + factor);
            layers.set(layers.size() - 1, new FloatLayer.Pool(p.window(), factor));
            return;
        }
        throw unsupported(node, "Mul is supported as x*x (x^2) or as a positive scalar right after a pool");
    }

    private void pool(OnnxMl.NodeProto node) {
        requireImage(node);
        long[] kernel = ints(node, "kernel_shape");
        long[] strides = ints(node, "strides", kernel);
        if (kernel.length != 2 || kernel[0] != kernel[1]) throw unsupported(node, "only square 2-D windows are supported");
        if (kernel[0] < 2 || kernel[0] > Shape.MAX_PADDED_SIZE || Long.bitCount(kernel[0]) != 1) {
            throw unsupported(node, "the window must be a power of two (the proof sums over window bits), got " + kernel[0]);
        }
        int window = (int) kernel[0];
        if (strides.length != 2 || strides[0] != window || strides[1] != window) throw unsupported(node, "the stride must equal the window");
        for (long p : ints(node, "pads", 0, 0, 0, 0)) if (p != 0) throw unsupported(node, "padded pooling is not supported");
        if (shape.height() % window != 0 || shape.width() % window != 0) {
            throw unsupported(node, "the window " + window + " must divide the input " + shape + " (ONNX drops ragged edges, sum pooling keeps them)");
        }
        add(node, new FloatLayer.Pool(window, 1.0 / (window * window)));
    }

    /**
     * A Reshape is imported as this project's Flatten, which keeps the (c, h, w) order and the shape that a dense
     * layer reads; that is the ONNX Reshape only when it makes [batch, features]. Any other target shape would be
     * silently ignored (a Conv or pool after it would see the old image), so it is refused here, before any work.
     */
    private void reshape(OnnxMl.NodeProto node) {
        long[] target;
        if (node.getInputCount() > 1) { // opset 5 on: the shape is an input; before, an attribute
            double[] values = constantInput(node, 1).values();
            target = new long[values.length];
            for (int i = 0; i < values.length; i++) target[i] = (long) values[i];
        } else {
            target = ints(node, "shape");
        }
        long features = shape.size();
        // [b, features] or [b, -1] with b the batch: -1 (inferred), 0 (copied from the input) or a fixed count
        boolean flattens = target.length == 2 && target[0] >= -1 && (target[1] == features || (target[1] == -1 && target[0] != -1));
        if (!flattens) {
            throw unsupported(node, "only a reshape to [batch, features] (a flatten: [-1, " + features + "] here) is supported, got "
                    + Arrays.toString(target));
        }
        add(node, new FloatLayer.Flatten());
    }

    /** The integer model takes no conv after a flatten or a dense layer; refused here, naming both nodes, not after the search. */
    private void requireImage(OnnxMl.NodeProto node) {
        if (flattenedBy != null) throw unsupported(node, "it needs an image, but " + flattenedBy + " made its input a vector of features");
    }

    private void add(OnnxMl.NodeProto node, FloatLayer layer) {
        try {
            shape = layer.outputShape(shape);
        } catch (IllegalArgumentException e) {
            throw unsupported(node, e.getMessage());
        }
        if (layer instanceof FloatLayer.Flatten || layer instanceof FloatLayer.Dense) flattenedBy = describe(node);
        layers.add(layer);
    }

    private Constant weight(OnnxMl.NodeProto node, int index, int rank) {
        Constant c = constantInput(node, index);
        if (c.dims().length != rank) throw unsupported(node, "input " + node.getInput(index) + " has rank " + c.dims().length + ", expected " + rank);
        for (long d : c.dims()) if (d == 0) throw unsupported(node, "input " + node.getInput(index) + " has dimensions " + Arrays.toString(c.dims()) + ", one of them 0");
        return c;
    }

    private Constant constantInput(OnnxMl.NodeProto node, int index) {
        if (node.getInputCount() <= index) throw unsupported(node, "input " + index + " is missing");
        Constant c = constants.get(node.getInput(index));
        if (c == null) throw unsupported(node, "input " + node.getInput(index) + " must be a constant (an initializer)");
        return c;
    }

    /**
     * A tensor's values, decoded strictly: the declared element count must fit an array and match the data the file
     * holds before anything is allocated (a 100-byte file can declare 10^10 elements), and every value must be
     * finite (a NaN or infinite weight has no integer counterpart).
     */
    private Constant constant(OnnxMl.TensorProto t) {
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        String what = "tensor " + t.getName();
        long n = 1;
        for (long d : dims) {
            if (d < 0) throw new MalformedInput(source, what + " has a negative dimension in " + Arrays.toString(dims));
            if (d > MAX_ELEMENTS || (d > 0 && n > MAX_ELEMENTS / d)) {
                throw new MalformedInput(source, what + " declares dimensions " + Arrays.toString(dims) + ", more than the " + MAX_ELEMENTS
                        + " values an array holds");
            }
            n *= d;
        }
        int type = t.getDataType();
        int elementBytes;
        int listed;
        if (type == OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
            elementBytes = Float.BYTES;
            listed = t.getFloatDataCount();
        } else if (type == OnnxMl.TensorProto.DataType.INT64.getNumber()) {
            elementBytes = Long.BYTES;
            listed = t.getInt64DataCount();
        } else if (type == OnnxMl.TensorProto.DataType.DOUBLE.getNumber()) {
            elementBytes = Double.BYTES;
            listed = t.getDoubleDataCount();
        } else {
            throw new MalformedInput(source, what + " has data type " + type + "; float, double and int64 are supported");
        }
        boolean raw = !t.getRawData().isEmpty();
        if (raw && t.getRawData().size() != n * elementBytes) {
            throw new MalformedInput(source, what + " has " + t.getRawData().size() + " bytes of data for " + n + " values of " + elementBytes + " bytes");
        }
        if (!raw && listed != n) throw new MalformedInput(source, what + " has " + listed + " values for the " + n + " its dimensions declare");
        double[] v = new double[(int) n];
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            if (type == OnnxMl.TensorProto.DataType.FLOAT.getNumber()) v[i] = raw ? b.getFloat() : t.getFloatData(i);
            else if (type == OnnxMl.TensorProto.DataType.INT64.getNumber()) v[i] = raw ? b.getLong() : t.getInt64Data(i);
            else v[i] = raw ? b.getDouble() : t.getDoubleData(i);
            if (!Double.isFinite(v[i])) throw new MalformedInput(source, what + " holds " + v[i] + " at index " + i + ": values must be finite");
        }
        return new Constant(v, dims);
    }

    private long[] ints(OnnxMl.NodeProto node, String name, long... defaults) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                if (a.getIntsCount() > 0) return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
                return new long[] {a.getI()};
            }
        }
        if (defaults.length == 0) throw unsupported(node, "attribute " + name + " is missing");
        return defaults;
    }

    private double real(OnnxMl.NodeProto node, String name, double fallback) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) if (a.getName().equals(name)) return a.getF();
        return fallback;
    }

    private static String string(OnnxMl.NodeProto node, String name) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) if (a.getName().equals(name)) return a.getS().toStringUtf8();
        return "";
    }

    private static String describe(OnnxMl.NodeProto node) {
        return "node '" + (node.getName().isEmpty() ? node.getOutput(0) : node.getName()) + "' (op " + node.getOpType() + ")";
    }

    private MalformedInput unsupported(OnnxMl.NodeProto node, String why) {
        return new MalformedInput(source, describe(node) + " is not supported: " + why);
    }
}
