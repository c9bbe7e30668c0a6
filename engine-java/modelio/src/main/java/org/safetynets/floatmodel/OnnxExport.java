package org.safetynets.floatmodel;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes a {@link FloatModel} as ONNX (opset 13): Conv, Mul(x, x) for x^2, AveragePool (plus a Mul by a constant
 * when the pool's factor is not 1/window^2), Flatten, Gemm(transB = 1). Weights are float32 {@code raw_data},
 * little-endian, as PyTorch writes them. The input levels go in the metadata as {@value OnnxImport#INPUT_MAX_KEY}.
 */
public final class OnnxExport {
    private OnnxExport() {
    }

    public static byte[] encode(FloatModel model) {
        OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder().setName(model.name());
        graph.addInput(valueInfo("input", List.of(-1, model.input().channels(), model.input().height(), model.input().width())));
        String current = "input";
        int index = 0;
        for (FloatLayer layer : model.layers()) {
            index++;
            String out = "t" + index;
            String prefix = "layer" + index;
            if (layer instanceof FloatLayer.Conv c) {
                graph.addInitializer(tensor(prefix + ".weight", c.weights(), c.outChannels(), c.inChannels(), c.kernel(), c.kernel()));
                graph.addInitializer(tensor(prefix + ".bias", c.bias(), c.outChannels()));
                graph.addNode(node("Conv", prefix, List.of(current, prefix + ".weight", prefix + ".bias"), out)
                        .addAttribute(ints("kernel_shape", c.kernel(), c.kernel()))
                        .addAttribute(ints("strides", c.stride(), c.stride()))
                        .addAttribute(ints("pads", c.padding(), c.padding(), c.padding(), c.padding())));
            } else if (layer instanceof FloatLayer.Dense d) {
                graph.addInitializer(tensor(prefix + ".weight", d.weights(), d.outputs(), d.inputs()));
                graph.addInitializer(tensor(prefix + ".bias", d.bias(), d.outputs()));
                graph.addNode(node("Gemm", prefix, List.of(current, prefix + ".weight", prefix + ".bias"), out)
                        .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("transB").setType(OnnxMl.AttributeProto.AttributeType.INT).setI(1)));
            } else if (layer instanceof FloatLayer.Square) {
                graph.addNode(node("Mul", prefix, List.of(current, current), out));
            } else if (layer instanceof FloatLayer.Pool p) {
                double average = 1.0 / ((double) p.window() * p.window());
                String pooled = Math.abs(p.factor() - average) < 1e-12 * average ? out : out + ".avg";
                graph.addNode(node("AveragePool", prefix, List.of(current), pooled)
                        .addAttribute(ints("kernel_shape", p.window(), p.window()))
                        .addAttribute(ints("strides", p.window(), p.window())));
                if (!pooled.equals(out)) {
                    graph.addInitializer(tensor(prefix + ".scale", new double[] {p.factor() / average}));
                    graph.addNode(node("Mul", prefix + ".scale", List.of(pooled, prefix + ".scale"), out));
                }
            } else if (layer instanceof FloatLayer.Flatten) {
                graph.addNode(node("Flatten", prefix, List.of(current), out)
                        .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis").setType(OnnxMl.AttributeProto.AttributeType.INT).setI(1)));
            }
            current = out;
        }
        graph.addOutput(valueInfo(current, List.of(-1, model.output().size())));
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("safetynets")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(OnnxImport.INPUT_MAX_KEY).setValue(Long.toString(model.inputMax())))
                .setGraph(graph)
                .build().toByteArray();
    }

    private static OnnxMl.NodeProto.Builder node(String op, String name, List<String> inputs, String output) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name + "." + op).addAllInput(inputs).addOutput(output);
    }

    private static OnnxMl.AttributeProto ints(String name, long... values) {
        OnnxMl.AttributeProto.Builder b = OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) b.addInts(v);
        return b.build();
    }

    static OnnxMl.TensorProto tensor(String name, double[] values, long... dims) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) buffer.putFloat((float) v);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(buffer.array()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    static OnnxMl.ValueInfoProto valueInfo(String name, List<Integer> dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (int d : dims) {
            shape.addDim(d < 0 ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                    : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }
}
