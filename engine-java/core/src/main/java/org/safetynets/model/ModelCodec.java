package org.safetynets.model;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.tensor.Shape;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The model file format, version 1 (all integers little-endian):
 * <pre>
 * magic "SNMODEL\0" | u32 version | u16 name length | name (UTF-8)
 * u32 channels | u32 height | u32 width | i64 inputMin | i64 inputMax | i64 inputScale
 * u32 layer count, then per layer a u8 kind and its fields:
 *   1 dense:   u32 outputs | u32 inputs | i64 weightScale | i64[outputs*inputs] weights | i64[outputs] bias
 *   2 conv2d:  u32 outChannels | u32 inChannels | u32 kernel | u32 stride | u32 padding | i64 weightScale
 *              | i64[out*in*k*k] weights | i64[out] bias
 *   3 square   4 sumpool: u32 window   5 flatten
 * </pre>
 * The encoding is canonical, so the SHA-256 of these bytes is the model's digest. Decoding is strict: every
 * declared size is checked against the bytes that remain and against the {@link Limits} before anything is
 * allocated, trailing bytes are an error, every layer's activation shape is checked against the limits before
 * the value-bound analysis runs, and the decoded model is validated like one built in code.
 */
public final class ModelCodec {
    private static final byte[] MAGIC = "SNMODEL\0".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    private static final int MAX_LAYERS = 4096;

    private static final int DENSE = 1;
    private static final int CONV2D = 2;
    private static final int SQUARE = 3;
    private static final int SUMPOOL = 4;
    private static final int FLATTEN = 5;

    private ModelCodec() {
    }

    public static byte[] encode(Model model) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAGIC);
        writeInt(out, VERSION);
        byte[] name = model.name().getBytes(StandardCharsets.UTF_8);
        if (name.length > 0xFFFF) throw new IllegalArgumentException("model name too long");
        out.write(name.length & 0xFF);
        out.write(name.length >>> 8);
        out.writeBytes(name);
        writeInt(out, model.input().channels());
        writeInt(out, model.input().height());
        writeInt(out, model.input().width());
        writeLong(out, model.inputMin());
        writeLong(out, model.inputMax());
        writeLong(out, model.inputScale());
        writeInt(out, model.layers().size());
        for (Layer layer : model.layers()) {
            if (layer instanceof Dense d) {
                out.write(DENSE);
                writeInt(out, d.outputs());
                writeInt(out, d.inputs());
                writeLong(out, d.weightScale());
                writeLongs(out, d.weights());
                writeLongs(out, d.bias());
            } else if (layer instanceof Conv2d c) {
                out.write(CONV2D);
                writeInt(out, c.outChannels());
                writeInt(out, c.inChannels());
                writeInt(out, c.kernel());
                writeInt(out, c.stride());
                writeInt(out, c.padding());
                writeLong(out, c.weightScale());
                writeLongs(out, c.weights());
                writeLongs(out, c.bias());
            } else if (layer instanceof Square) {
                out.write(SQUARE);
            } else if (layer instanceof SumPool p) {
                out.write(SUMPOOL);
                writeInt(out, p.window());
            } else if (layer instanceof Flatten) {
                out.write(FLATTEN);
            }
        }
        return out.toByteArray();
    }

    /** Decodes under {@link Limits#DEFAULTS}. */
    public static Model decode(byte[] bytes, String source) {
        return decode(bytes, source, Limits.DEFAULTS);
    }

    /**
     * @param source the file name (or "model") for error messages
     * @throws MalformedInput for bytes that are not a valid model
     * @throws org.safetynets.LimitExceeded for parameters, or one sample's activation at some layer, over the limits
     */
    public static Model decode(byte[] bytes, String source, Limits limits) {
        Reader in = new Reader(bytes, source);
        byte[] magic = in.bytes(MAGIC.length, "magic number");
        if (!java.util.Arrays.equals(magic, MAGIC)) throw new MalformedInput(source, "not a SafetyNets model file (bad magic number)");
        int version = in.u32("version");
        if (version != VERSION) {
            throw new MalformedInput(source, "model format version " + version + "; this build reads version " + VERSION);
        }
        int nameLength = in.u8("name length") | (in.u8("name length") << 8);
        String name = utf8(in.bytes(nameLength, "name"), source);
        Shape input = in.shape();
        limits.requireTensor(source, "input of " + input + " pads to a tensor", input.paddedSize());
        long inputMin = in.i64("input minimum");
        long inputMax = in.i64("input maximum");
        long inputScale = in.i64("input scale");
        int count = in.u32("layer count");
        if (count > MAX_LAYERS) throw new MalformedInput(source, "declares " + count + " layers (limit " + MAX_LAYERS + ")");
        List<Layer> layers = new ArrayList<>();
        long parameters = 0;
        for (int i = 1; i <= count; i++) {
            int kind = in.u8("kind of layer " + i);
            String where = "layer " + i;
            try {
                switch (kind) {
                    case DENSE -> {
                        int outputs = in.u32(where + " outputs");
                        int inputs = in.u32(where + " inputs");
                        long scale = in.i64(where + " weight scale");
                        long n = Limits.product(outputs, inputs);
                        parameters = addParameters(parameters, n, outputs, limits, source, i);
                        layers.add(new Dense(outputs, inputs, in.longs(n, where + " weights"), in.longs(outputs, where + " bias"), scale));
                    }
                    case CONV2D -> {
                        int co = in.u32(where + " output channels");
                        int ci = in.u32(where + " input channels");
                        int k = in.u32(where + " kernel");
                        int stride = in.u32(where + " stride");
                        int padding = in.u32(where + " padding");
                        long scale = in.i64(where + " weight scale");
                        long n = Limits.product(co, ci, k, k);
                        parameters = addParameters(parameters, n, co, limits, source, i);
                        layers.add(new Conv2d(co, ci, k, stride, padding, in.longs(n, where + " weights"), in.longs(co, where + " bias"), scale));
                    }
                    case SQUARE -> layers.add(new Square());
                    case SUMPOOL -> layers.add(new SumPool(in.u32(where + " window")));
                    case FLATTEN -> layers.add(new Flatten());
                    default -> throw new MalformedInput(source, where + " has unknown kind " + kind);
                }
            } catch (IllegalArgumentException e) {
                throw new MalformedInput(source, where + ": " + e.getMessage());
            }
        }
        if (in.remaining() != 0) throw new MalformedInput(source, in.remaining() + " trailing bytes after the last layer");
        // Shapes before the Model's own checks: its bound analysis should never run on an oversized network.
        Shape shape = input;
        for (int i = 0; i < layers.size(); i++) {
            try {
                shape = layers.get(i).outputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new MalformedInput(source, "layer " + (i + 1) + " (" + layers.get(i).kind() + "): " + e.getMessage());
            }
            limits.requireTensor(source, "layer " + (i + 1) + " output " + shape + " pads to a tensor", shape.paddedSize());
        }
        Model model;
        try {
            model = new Model(name, input, inputMin, inputMax, inputScale, layers);
        } catch (MalformedInput e) {
            throw new MalformedInput(source, e.getMessage().substring(e.source().length() + 2));
        }
        limits.requireTensor(source, "the weights padded to powers of two", model.paddedParameters());
        return model;
    }

    /**
     * Strict UTF-8: a lenient decoder would turn invalid bytes into U+FFFD, so two different files would decode to
     * one model (and one digest) and the encoding would no longer be canonical.
     */
    private static String utf8(byte[] bytes, String source) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new MalformedInput(source, "the model name is not valid UTF-8");
        }
    }

    public static byte[] digest(Model model) {
        return digestOfEncoding(encode(model));
    }

    /** The digest of a model from its canonical encoding ({@link #encode}): SHA-256 of those bytes. */
    public static byte[] digestOfEncoding(byte[] encoded) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(encoded);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    /** The running parameter count with one more layer's weights and bias, checked before they are read. */
    private static long addParameters(long parameters, long weights, long bias, Limits limits, String source, int layer) {
        long total = weights == Long.MAX_VALUE ? Long.MAX_VALUE : Math.min(Long.MAX_VALUE - bias, parameters + weights) + bias;
        limits.requireTensor(source, "parameters through layer " + layer, total);
        return total;
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        for (int i = 0; i < 4; i++) out.write(v >>> (8 * i));
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)));
    }

    private static void writeLongs(ByteArrayOutputStream out, long[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asLongBuffer().put(values);
        out.writeBytes(buffer.array());
    }

    /** Bounded little-endian reader: every read checks what remains and names the field it was reading. */
    private static final class Reader {
        private final ByteBuffer buffer;
        private final String source;

        Reader(byte[] bytes, String source) {
            this.buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            this.source = source;
        }

        int remaining() {
            return buffer.remaining();
        }

        private void need(long n, String field) {
            if (buffer.remaining() < n) {
                throw new MalformedInput(source, "file ends early while reading " + field + " (needs " + n + " bytes, "
                        + buffer.remaining() + " remain)");
            }
        }

        int u8(String field) {
            need(1, field);
            return buffer.get() & 0xFF;
        }

        int u32(String field) {
            need(4, field);
            int v = buffer.getInt();
            if (v < 0) throw new MalformedInput(source, field + " is " + Integer.toUnsignedString(v) + ", too large");
            return v;
        }

        long i64(String field) {
            need(8, field);
            return buffer.getLong();
        }

        byte[] bytes(int n, String field) {
            need(n, field);
            byte[] out = new byte[n];
            buffer.get(out);
            return out;
        }

        long[] longs(long n, String field) {
            if (n > buffer.remaining() / 8) need(Limits.product(n, 8), field); // n * 8 could overflow
            long[] out = new long[(int) n];
            buffer.asLongBuffer().get(out);
            buffer.position(buffer.position() + (int) n * 8);
            return out;
        }

        Shape shape() {
            int c = u32("input channels");
            int h = u32("input height");
            int w = u32("input width");
            try {
                return new Shape(c, h, w); // refuses a shape that pads beyond 2^30 features
            } catch (IllegalArgumentException e) {
                throw new MalformedInput(source, e.getMessage());
            }
        }
    }
}
