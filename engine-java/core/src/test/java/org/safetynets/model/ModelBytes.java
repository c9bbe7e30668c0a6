package org.safetynets.model;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes model files field by field, so tests can declare what no Model object could hold (a 2^40-element
 * layer, a wrapped parameter count) and check that the decoder refuses it. Layout as in {@link ModelCodec}.
 */
public final class ModelBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Magic, version 1, name "m", the input shape, input range [0, 3], scale 1, and the layer count. */
    public static ModelBytes header(int channels, int height, int width, int layers) {
        ModelBytes b = new ModelBytes();
        b.out.writeBytes("SNMODEL\0".getBytes(StandardCharsets.US_ASCII));
        b.u32(ModelCodec.VERSION).u8(1).u8(0).u8('m');
        b.u32(channels).u32(height).u32(width).i64(0).i64(3).i64(1).u32(layers);
        return b;
    }

    public ModelBytes u8(int v) {
        out.write(v);
        return this;
    }

    public ModelBytes u32(int v) {
        for (int i = 0; i < 4; i++) out.write(v >>> (8 * i));
        return this;
    }

    public ModelBytes i64(long v) {
        for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)));
        return this;
    }

    /** {@code count} copies of {@code v} as i64. */
    public ModelBytes i64s(long v, long count) {
        for (long i = 0; i < count; i++) i64(v);
        return this;
    }

    public byte[] bytes() {
        return out.toByteArray();
    }
}
