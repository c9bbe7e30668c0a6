package org.safetynets.service;

import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.SeekableReadChannel;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.cli.Main;
import org.safetynets.cli.TensorFormat;
import org.safetynets.model.Model;
import org.safetynets.proof.InputBatch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Input batches and outputs as Arrow IPC files ({@code .arrow}, the IPC file format that {@code pyarrow.ipc.new_file},
 * {@code pyarrow.feather.write_feather}, Polars' {@code write_ipc} and DuckDB write), in the columns the prover host
 * sends ({@link ArrowBatches}): one row per sample, one column {@code sample} of type {@code FixedSizeList<Int64>(width)},
 * not null, in one or more record batches. Verified outputs carry the schema metadata {@code safetynets.verified=true},
 * {@code safetynets.model=sha256:...} and {@code safetynets.output_scale=S}. Registered for the CLI as a
 * {@link TensorFormat}, so the CLI's jar carries no Arrow.
 */
public final class ArrowTensorFormat implements TensorFormat {
    static final String VERIFIED = "safetynets.verified";
    static final String MODEL = "safetynets.model";
    static final String OUTPUT_SCALE = "safetynets.output_scale";

    @Override
    public String extension() {
        return ".arrow";
    }

    @Override
    public long[][] readInputs(byte[] bytes, String source, Model model, Limits limits) {
        long[][] rows = read(bytes, source, model.input().size(), limits.maxBatch(), "allowed (--max-batch)");
        try {
            InputBatch.of(model, rows, limits); // the input range and the limits, checked where every input batch is
        } catch (MalformedInput e) {
            throw new MalformedInput(source, e.getMessage());
        }
        return rows;
    }

    @Override
    public byte[] writeOutputs(long[][] outputs) {
        return write(outputs, null);
    }

    @Override
    public byte[] writeVerifiedOutputs(Model model, long[][] outputs) {
        return write(outputs, verifiedMetadata(model));
    }

    /** The schema metadata of {@code model}'s verified outputs, as written and as a claimed file's is checked. */
    private static Map<String, String> verifiedMetadata(Model model) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(VERIFIED, "true");
        metadata.put(MODEL, ModelRegistry.digest(model));
        metadata.put(OUTPUT_SCALE, model.exactOutputScale().toString()); // exact: a double rounds above 2^53 and overflows to Infinity
        return metadata;
    }

    @Override
    public long[][] readOutputs(byte[] bytes, String source, int width, int maxRows) {
        return read(bytes, source, width, maxRows, "the proof establishes");
    }

    /**
     * The metadata is read from everywhere an Arrow reader may find it: the footer, the schema and each field. A key
     * in the {@code safetynets.} namespace that this writer does not write is a difference too: no tool is to read
     * a claim from such a file that a proof did not establish.
     */
    @Override
    public String metadataDifference(byte[] bytes, String source, Model model) {
        Map<String, String> expected = verifiedMetadata(model);
        List<Map<String, String>> found = new ArrayList<>();
        long memory = readingMemory(bytes.length, 0, 0);
        try (BufferAllocator allocator = new RootAllocator(memory); ArrowFileReader reader = reader(bytes, allocator)) {
            Schema schema = reader.getVectorSchemaRoot().getSchema();
            found.add(reader.getMetaData());
            found.add(schema.getCustomMetadata());
            List<Field> fields = new ArrayList<>(schema.getFields());
            for (int i = 0; i < fields.size(); i++) {
                found.add(fields.get(i).getMetadata());
                fields.addAll(fields.get(i).getChildren());
            }
        } catch (IOException | RuntimeException e) {
            return Main.oneLine(unreadable(source, e, memory).getMessage());
        }
        for (Map<String, String> metadata : found) {
            if (metadata == null) continue;
            for (Map.Entry<String, String> entry : metadata.entrySet()) {
                String key = entry.getKey();
                String value = entry.getValue();
                if (!key.startsWith(NAMESPACE)) continue;
                if (!expected.containsKey(key)) return source + " metadata has a key " + printable(key) + " that verified outputs do not carry";
                boolean honest = key.equals(VERIFIED) ? value.equals("true") || value.equals("false") : value.equals(expected.get(key));
                if (!honest) {
                    return source + " metadata " + key + " claims " + printable(value)
                            + (key.equals(VERIFIED) ? "; it can only be true or false" : "; the verified outputs have " + expected.get(key));
                }
            }
        }
        return null;
    }

    private static final String NAMESPACE = "safetynets.";

    /** A string from a file, quoted, with control characters escaped and cut at 80 characters, for a one-line message. */
    private static String printable(String text) {
        boolean cut = text.codePointCount(0, text.length()) > 80;
        String shown = cut ? text.substring(0, text.offsetByCodePoints(0, 80)) : text;
        return "'" + Main.escapeControls(shown) + (cut ? "...'" : "'");
    }

    /** One record batch of {@code rows}, as an IPC file. */
    static byte[] write(long[][] rows, Map<String, String> metadata) {
        int width = rows[0].length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BufferAllocator allocator = new RootAllocator();
             VectorSchemaRoot root = ArrowBatches.write(allocator, ArrowBatches.schema(width, metadata), rows);
             ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(out))) {
            writer.start();
            writer.writeBatch();
            writer.end();
        } catch (IOException e) {
            throw new IllegalStateException("writing an Arrow file to memory failed", e);
        }
        return out.toByteArray();
    }

    /**
     * The rows of every record batch in an IPC file, each checked by {@link ArrowBatches#read} (one FixedSizeList<Int64>
     * column of {@code width}, no nulls); at most {@code maxRows} in all, a bound {@code rowBound} names ("allowed
     * (--max-batch)"). Uncompressed, LZ4_FRAME or ZSTD compressed buffers.
     */
    static long[][] read(byte[] bytes, String source, int width, int maxRows, String rowBound) {
        long memory = readingMemory(bytes.length, width, maxRows);
        List<long[]> rows = new ArrayList<>();
        try (BufferAllocator allocator = new RootAllocator(memory); ArrowFileReader reader = reader(bytes, allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            // Before any batch is loaded: a schema declaring 10^8 values a sample is refused, not allocated for.
            ArrowBatches.requireSchema(root.getSchema(), width, source);
            int batches = reader.getRecordBlocks().size();
            for (int i = 0; i < batches; i++) {
                if (!reader.loadNextBatch()) break;
                if (root.getRowCount() == 0) continue;
                int room = maxRows - rows.size();
                if (root.getRowCount() > room) throw new MalformedInput(source, "holds more than the " + maxRows + " samples " + rowBound);
                rows.addAll(List.of(ArrowBatches.read(root, width, room, room + " samples " + rowBound, source + " (record batch " + i + ")")));
            }
        } catch (MalformedInput e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw unreadable(source, e, memory);
        } catch (LinkageError e) {
            // zstd-jni loads its natives on the first ZSTD buffer; a platform it has none for is an Error.
            throw new MalformedInput(source, "is compressed with a codec whose native library does not load on this platform: "
                    + Main.oneLine(String.valueOf(e)) + "; write it uncompressed (pyarrow: compression='uncompressed')");
        }
        if (rows.isEmpty()) throw new MalformedInput(source, "holds no samples");
        return rows.toArray(new long[0][]);
    }

    /**
     * The most memory Arrow may take to read a file of {@code fileBytes} bytes whose record batches hold at most
     * {@code maxRows} samples of {@code width} values; beyond it the allocator throws Arrow's OutOfMemoryException
     * (a RuntimeException), so a length flipped in a hostile file is a one-line error, not a 2^55-byte allocation.
     * Reading one record batch (the previous one is released first) takes:
     * (a) its message, metadata and body, read whole: at most the file's length;
     * (b) a validity bitmap Arrow makes for each vector the file writes without one: a bit a sample and a value;
     * (c) in a compressed file, each buffer decoded: at most the batch decoded, 8 bytes a value plus its bitmaps.
     * (b) and (c) together are under 9 bytes for each of the {@code maxRows * (width + 1)} samples and values; in an
     * uncompressed file (b) alone is under 1/32 of the values the body holds, so its bound is about the file's
     * length. The allocator rounds each buffer up to a power of two: twice the sum, plus 64 KiB for the buffers
     * of an empty batch.
     */
    static long readingMemory(long fileBytes, int width, int maxRows) {
        double decoded = 9.0 * maxRows * (width + 1.0);
        return (long) Math.min(Long.MAX_VALUE / 4.0, 2.0 * (fileBytes + decoded)) + (64 << 10);
    }

    private static ArrowFileReader reader(byte[] bytes, BufferAllocator allocator) {
        return new ArrowFileReader(new SeekableReadChannel(new ByteArrayReadableSeekableByteChannel(bytes)), allocator, BoundedDecompression.FACTORY);
    }

    /** Arrow's exception on reading {@code source}, as one line naming the file. */
    private static MalformedInput unreadable(String source, Exception e, long memory) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof OutOfMemoryException) {
                return new MalformedInput(source, "declares buffers larger than the file and its samples can need (reading it would take more than "
                        + memory + " bytes): it is damaged or hostile");
            }
        }
        // Arrow's own decoders throw IOException, IllegalArgumentException, IndexOutOfBoundsException and more on bad bytes.
        return new MalformedInput(source, "is not a readable Arrow IPC file (.arrow is the IPC file format, as pyarrow.ipc.new_file writes): "
                + Main.oneLine(String.valueOf(e.getMessage())));
    }

    /**
     * Arrow's LZ4_FRAME and ZSTD codecs (arrow-compression), with each buffer's declared decoded length checked
     * against the allocator's headroom first: the LZ4 codec sizes a heap array from it before the allocator sees it.
     */
    private record BoundedDecompression(CompressionCodec codec) implements CompressionCodec {
        static final CompressionCodec.Factory FACTORY = new CompressionCodec.Factory() {
            @Override
            public CompressionCodec createCodec(CompressionUtil.CodecType type) {
                return new BoundedDecompression(CommonsCompressionFactory.INSTANCE.createCodec(type));
            }

            @Override
            public CompressionCodec createCodec(CompressionUtil.CodecType type, int level) {
                return new BoundedDecompression(CommonsCompressionFactory.INSTANCE.createCodec(type, level));
            }
        };

        @Override
        public ArrowBuf decompress(BufferAllocator allocator, ArrowBuf compressed) {
            // A compressed buffer starts with its decoded length, an Int64 (little-endian, as Arrow writes it); -1: stored raw.
            if (compressed.writerIndex() >= Long.BYTES) {
                long declared = compressed.getLong(0);
                if (!MemoryUtil.LITTLE_ENDIAN) declared = Long.reverseBytes(declared);
                if (declared != CompressionUtil.NO_COMPRESSION_LENGTH && (declared < 0 || declared > allocator.getHeadroom())) {
                    throw new OutOfMemoryException("a compressed buffer declares " + declared + " bytes decoded, more than the "
                            + allocator.getHeadroom() + " left");
                }
            }
            return codec.decompress(allocator, compressed);
        }

        @Override
        public ArrowBuf compress(BufferAllocator allocator, ArrowBuf uncompressed) {
            return codec.compress(allocator, uncompressed);
        }

        @Override
        public CompressionUtil.CodecType getCodecType() {
            return codec.getCodecType();
        }
    }
}
