package org.safetynets.service;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;

import java.util.List;

/**
 * Batches of samples (inputs, outputs) as Arrow record batches: one row per sample, one column {@code sample} of type
 * {@code FixedSizeList<Int64>(width)}, neither the list nor its values nullable.
 *
 * <p>Why one fixed-size list column and not one column per feature: models take 784 features and more, and a
 * column per feature would mean a schema (and 784 vectors with their validity buffers) per model; a fixed-size
 * list is one schema for every model, parametrised by its width, whose values are one contiguous Int64 buffer in
 * (sample, feature) order, exactly the engine's {@code long[batch][width]}. The width in the schema is checked
 * against the model before a value is read.
 */
final class ArrowBatches {
    static final String COLUMN = "sample";
    private static final String VALUE = "value";

    private ArrowBatches() {
    }

    static Schema schema(int width) {
        return schema(width, null);
    }

    /** {@link #schema}(width) with the schema's key-value metadata (null: none). */
    static Schema schema(int width, java.util.Map<String, String> metadata) {
        Field value = new Field(VALUE, FieldType.notNullable(new ArrowType.Int(64, true)), null);
        Field sample = new Field(COLUMN, FieldType.notNullable(new ArrowType.FixedSizeList(width)), List.of(value));
        return new Schema(List.of(sample), metadata);
    }

    /** A new root holding {@code rows} (each of {@code width} values); the caller closes it. */
    static VectorSchemaRoot write(BufferAllocator allocator, int width, long[][] rows) {
        return write(allocator, schema(width), rows);
    }

    /** A new root of {@code schema} (a {@link #schema}(width, metadata)) holding {@code rows}; the caller closes it. */
    static VectorSchemaRoot write(BufferAllocator allocator, Schema schema, long[][] rows) {
        int width = ((ArrowType.FixedSizeList) schema.getFields().get(0).getType()).getListSize();
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        try {
            fill(root, width, rows);
            return root;
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** Replaces the contents of a root of {@link #schema}(width) with {@code rows}. */
    static void fill(VectorSchemaRoot root, int width, long[][] rows) {
        FixedSizeListVector list = (FixedSizeListVector) root.getVector(COLUMN);
        BigIntVector values = (BigIntVector) list.getDataVector();
        root.clear();
        list.allocateNew();
        values.allocateNew(Math.multiplyExact(rows.length, width));
        for (int b = 0; b < rows.length; b++) {
            if (rows[b].length != width) throw new IllegalArgumentException("row " + b + " has " + rows[b].length + " values, not " + width);
            list.setNotNull(b);
            for (int f = 0; f < width; f++) values.set(b * width + f, rows[b][f]);
        }
        values.setValueCount(rows.length * width);
        list.setValueCount(rows.length);
        root.setRowCount(rows.length);
    }

    /** Room in a batch's Flight message for its IPC header, padding and frame: far more than they take. */
    private static final long MESSAGE_OVERHEAD_BYTES = 1 << 16;

    /**
     * The most bytes the Flight message of a batch of {@code rows} samples of {@code width} values can take: the
     * values, the validity bitmaps of the values and the rows, and {@link #MESSAGE_OVERHEAD_BYTES}. The bound on
     * inbound messages on both sides.
     */
    static long messageBytes(int width, int rows) {
        long values = Limits.product(width, rows);
        long bytes = Limits.product(values, Long.BYTES);
        if (bytes > Long.MAX_VALUE / 2) return Long.MAX_VALUE;
        return bytes + (values + 7) / 8 + (rows + 7L) / 8 + MESSAGE_OVERHEAD_BYTES;
    }

    /**
     * Refuses (MalformedInput naming {@code source}) a schema other than {@link #schema}(width), nullable or not:
     * checked as soon as a schema is known, before a batch is loaded, so a schema that declares a hostile width
     * costs nothing. Names from the file are not printed: they may hold anything.
     */
    static void requireSchema(Schema schema, int width, String source) {
        String expected = "FixedSizeList<Int64>(" + width + ") in one column '" + COLUMN + "'";
        List<Field> fields = schema.getFields();
        if (fields.size() != 1) throw new MalformedInput(source, "expected " + expected + ", got " + fields.size() + " columns");
        Field field = fields.get(0);
        if (!(field.getType() instanceof ArrowType.FixedSizeList list) || field.getChildren().size() != 1) {
            throw new MalformedInput(source, "the column is " + field.getType().getTypeID() + ", expected " + expected);
        }
        if (list.getListSize() != width) {
            throw new MalformedInput(source, "each sample has " + list.getListSize() + " values; the model takes " + width);
        }
        ArrowType valueType = field.getChildren().get(0).getType();
        if (!valueType.equals(new ArrowType.Int(64, true))) {
            throw new MalformedInput(source, "sample values are " + valueType + ", expected Int64");
        }
        if (!field.getName().equals(COLUMN)) {
            throw new MalformedInput(source, "the column is not named '" + COLUMN + "' (expected " + expected + ")");
        }
    }

    /**
     * The rows of a received batch, refused (MalformedInput naming {@code source}) unless its schema is exactly
     * {@link #schema}(width) ({@link #requireSchema}) and no row or value is null. At most {@code maxRows} rows are
     * accepted, {@code bound} saying what they are ("65536 allowed (--max-batch)"); the count is checked before
     * anything is copied.
     */
    static long[][] read(VectorSchemaRoot root, int width, int maxRows, String bound, String source) {
        requireSchema(root.getSchema(), width, source);
        List<FieldVector> vectors = root.getFieldVectors();
        if (vectors.size() != 1 || !(vectors.get(0) instanceof FixedSizeListVector samples)
                || !(samples.getDataVector() instanceof BigIntVector values)) {
            throw new IllegalStateException("the vectors do not match their checked schema: " + root.getSchema());
        }
        int rows = root.getRowCount();
        if (rows < 1) throw new MalformedInput(source, "the batch has no samples");
        if (rows > maxRows) throw new MalformedInput(source, "the batch has " + rows + " samples, more than the " + bound);
        if (samples.getValueCount() < rows || values.getValueCount() < (long) rows * width) {
            throw new MalformedInput(source, "the batch declares " + rows + " rows but holds fewer values");
        }
        if (samples.getNullCount() != 0) throw new MalformedInput(source, "a sample is null");
        long[][] out = new long[rows][width];
        for (int b = 0; b < rows; b++) {
            for (int f = 0; f < width; f++) {
                int at = b * width + f;
                if (values.isNull(at)) throw new MalformedInput(source, "sample " + b + " value " + f + " is null");
                out[b][f] = values.get(at);
            }
        }
        return out;
    }
}
