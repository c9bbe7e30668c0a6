package org.safetynets.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.api.java.function.MapGroupsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.safetynets.Limits;
import org.safetynets.cli.ProofOutputs;
import org.safetynets.cli.TensorJson;
import org.safetynets.model.Model;
import org.safetynets.proof.Proof;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;

import java.util.ArrayList;
import java.util.List;

/**
 * The prove job: the inputs grouped into batches ({@link Batching}), each batch proven on an executor, and two
 * Parquet tables written, {@code proofs} (one row per batch) and {@code outputs} (one row per sample). The outputs
 * table is the host's claim, like {@code prove}'s outputs file: only the verify job's verified outputs are to be
 * acted on.
 *
 * <pre>{@code
 * Dataset<Row> proven = ProveJob.prove(Batching.normalize(spark.read().parquet("inputs"), "inputs"), modelFileBytes, 256, "auto");
 * ProveJob.write(proven, "proven");     // proven/proofs, proven/outputs
 * }</pre>
 */
public final class ProveJob {
    public static final String PROOFS_TABLE = "proofs";
    public static final String OUTPUTS_TABLE = "outputs";

    private ProveJob() {
    }

    /**
     * One row per batch ({@link Tables#PROVEN_BATCHES}), lazily: nothing runs until it is written. The model file is
     * broadcast once and decoded once per executor; each batch is proven with the backend {@link
     * ExecutorResources.BackendChoice#forTask} picks for the task that runs it.
     *
     * @param inputs as {@link Batching#normalize} returns them, ids unique ({@link Batching#requireUniqueIds})
     * @param modelFile the model's {@code .snm} bytes, decoded and checked here first so a bad file fails on the driver
     */
    public static Dataset<Row> prove(Dataset<Row> inputs, byte[] modelFile, int batchSize, String backend) {
        SparkSession spark = inputs.sparkSession();
        Model model = org.safetynets.model.ModelCodec.decode(modelFile, "the model", Limits.DEFAULTS);
        Batching.requireBatchSize(batchSize, Limits.DEFAULTS.maxBatch());
        String digest = ExecutorResources.digestName(model);
        Broadcast<byte[]> shipped = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(modelFile);
        return Batching.assign(inputs, batchSize)
                .groupByKey((MapFunction<Row, Long>) row -> row.getLong(0), Encoders.LONG())
                .mapGroups((MapGroupsFunction<Long, Row, Row>) (batchId, rows) -> proveBatch(batchId, Batching.collect(rows, ExecutorResources.model(digest, shipped)),
                        ExecutorResources.prover(digest, shipped), digest, backend), Encoders.row(Tables.PROVEN_BATCHES));
    }

    private static Row proveBatch(long batchId, Batching.Batch batch, Prover.Prepared prover, String digest, String backendName) {
        ExecutorResources.BackendChoice choice = ExecutorResources.BackendChoice.forTask(backendName);
        Proof proof;
        String backendDescription;
        long nanos;
        try (ExecutorResources.Lease lease = ExecutorResources.borrow(choice)) {
            backendDescription = choice.describe(lease.backend());
            long start = System.nanoTime();
            proof = prover.prove(batch.samples(), lease.backend(), Prover.Progress.NONE);
            nanos = System.nanoTime() - start;
        }
        return Tables.row(Tables.PROVEN_BATCHES, batchId, digest, ProofCodec.VERSION, batch.ids().length, batch.ids(), ProofCodec.encode(proof),
                backendDescription, nanos / 1e6, ProofOutputs.claimed(proof));
    }

    /** The per-sample rows ({@link Tables#SAMPLE_OUTPUTS}) of batches in {@link Tables#PROVEN_BATCHES}' layout, outputs claimed or verified. */
    public static Dataset<Row> sampleOutputs(Dataset<Row> batches) {
        return batches.select(Tables.BATCH_ID, Tables.SAMPLE_IDS, Tables.OUTPUTS).flatMap((FlatMapFunction<Row, Row>) row -> {
            long batchId = row.getLong(0);
            long[] ids = Batching.longs(row, Tables.SAMPLE_IDS);
            long[][] values = Batching.longRows(row, Tables.OUTPUTS);
            long[] argmax = TensorJson.argmax(values);
            List<Row> samples = new ArrayList<>(values.length);
            for (int i = 0; i < values.length; i++) samples.add(Tables.row(Tables.SAMPLE_OUTPUTS, ids[i], batchId, values[i], (int) argmax[i]));
            return samples.iterator();
        }, Encoders.row(Tables.SAMPLE_OUTPUTS));
    }

    /**
     * Runs the job: writes {@code out/proofs} and {@code out/outputs}. The batches are kept (memory, then disk) between
     * the two writes, so each batch is proven once; a task Spark retries recomputes the same batch (the grouping and
     * the proof are deterministic) and Spark's commit protocol keeps only one attempt's file, so no row is doubled.
     */
    public static void write(Dataset<Row> proven, String out) {
        Dataset<Row> kept = proven.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            kept.drop(Tables.OUTPUTS).write().mode(SaveMode.ErrorIfExists).parquet(Tables.path(out, PROOFS_TABLE));
            sampleOutputs(kept).write().mode(SaveMode.ErrorIfExists).parquet(Tables.path(out, OUTPUTS_TABLE));
        } finally {
            kept.unpersist();
        }
    }
}
