package org.safetynets.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The tables the jobs read and write, one schema each, so that the prove job, the verify job and their tests agree
 * on every column. Arrays of integers are {@code array<bigint>}; outputs are signed integers (real output = integer /
 * the model's output scale, as everywhere in the engine).
 */
public final class Tables {
    private Tables() {
    }

    /** The table {@code name} under {@code location} (a local directory or a URI such as hdfs://...). */
    public static String path(String location, String name) {
        return location.endsWith("/") ? location + name : location + "/" + name;
    }

    /**
     * A row of {@code schema} that keeps its schema. Spark may hand a row a job function returned straight to the next
     * function without encoding it, and a plain {@code RowFactory} row cannot then be read by column name.
     */
    public static Row row(StructType schema, Object... values) {
        return new GenericRowWithSchema(values, schema);
    }

    /** Inputs: one row per sample, the model's integer inputs in (channel, row, column) order. */
    public static final String ID = "id";
    public static final String SAMPLE = "sample";

    public static final StructType INPUTS = new StructType()
            .add(ID, DataTypes.LongType, false)
            .add(SAMPLE, DataTypes.createArrayType(DataTypes.LongType, false), false);

    /** The batch a sample belongs to (see {@link Batching}). */
    public static final String BATCH_ID = "batch_id";

    /** Proofs: one row per batch. {@code sample_ids} are in the order the proof binds them (ascending). */
    public static final String MODEL_DIGEST = "model_digest";
    public static final String PROOF_FORMAT = "proof_format";
    public static final String BATCH_SIZE = "batch_size";
    public static final String SAMPLE_IDS = "sample_ids";
    public static final String PROOF = "proof";
    public static final String BACKEND = "backend";
    public static final String PROVER_MS = "prover_ms";

    public static final StructType PROOFS = new StructType()
            .add(BATCH_ID, DataTypes.LongType, false)
            .add(MODEL_DIGEST, DataTypes.StringType, false)
            .add(PROOF_FORMAT, DataTypes.IntegerType, false)
            .add(BATCH_SIZE, DataTypes.IntegerType, false)
            .add(SAMPLE_IDS, DataTypes.createArrayType(DataTypes.LongType, false), false)
            .add(PROOF, DataTypes.BinaryType, false)
            .add(BACKEND, DataTypes.StringType, false)
            .add(PROVER_MS, DataTypes.DoubleType, false);

    /** What a prove task returns: a proofs row and the batch's outputs, sample by sample in {@code sample_ids} order. */
    public static final String OUTPUTS = "outputs";

    public static final StructType PROVEN_BATCHES = PROOFS
            .add(OUTPUTS, DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.LongType, false), false), false);

    /** Outputs: one row per sample. The prove job's table is the host's claim; the verify job's holds only verified rows. */
    public static final String SAMPLE_ID = "sample_id";
    public static final String ARGMAX = "argmax";

    public static final StructType SAMPLE_OUTPUTS = new StructType()
            .add(SAMPLE_ID, DataTypes.LongType, false)
            .add(BATCH_ID, DataTypes.LongType, false)
            .add(OUTPUTS, DataTypes.createArrayType(DataTypes.LongType, false), false)
            .add(ARGMAX, DataTypes.IntegerType, false);

    /** Verdicts: one row per batch of the inputs (and per batch id of a proof or an outputs row the inputs lack). */
    public static final String VERDICT = "verdict";
    public static final String REASON = "reason";
    public static final String LAYER = "layer";
    public static final String ROUND = "round";
    public static final String ACCEPT = "ACCEPT";
    public static final String REJECT = "REJECT";

    public static final StructType VERDICTS = new StructType()
            .add(BATCH_ID, DataTypes.LongType, false)
            .add(VERDICT, DataTypes.StringType, false)
            .add(REASON, DataTypes.StringType, true)
            .add(LAYER, DataTypes.IntegerType, false)
            .add(ROUND, DataTypes.IntegerType, false);
}
