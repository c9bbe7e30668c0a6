package org.safetynets.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.CoGroupFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.cli.TensorJson;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * The verify job, run by the client with its own copy of the model and the inputs: it rebuilds the batches it expects
 * from the inputs ({@link Batching}, the same grouping as the prove job), pairs each with the proofs table's row for
 * that batch id, verifies the proof with {@link Verifier#verify} (the engine's verifier, which needs no backend), and
 * with the host's outputs table checks that every row of a verified batch holds exactly the verified outputs. It
 * writes one verdict per batch and, for accepted batches only, the verified outputs: those are what a user acts on.
 * A batch with no proof, two proofs, a proof over other samples, or an outputs row that differs is REJECT, named by
 * its batch id.
 */
public final class VerifyJob {
    public static final String VERDICTS_TABLE = "verdicts";
    public static final String VERIFIED_OUTPUTS_TABLE = "verified-outputs";
    /** The reason of a batch of the inputs that no proof covers. */
    public static final String MISSING = "missing: no proof for this batch";

    /** A verdict with the batch's sample ids and, after ACCEPT, its verified outputs (null otherwise). */
    static final StructType CHECKED = Tables.VERDICTS
            .add(Tables.SAMPLE_IDS, DataTypes.createArrayType(DataTypes.LongType, false), false)
            .add(Tables.OUTPUTS, DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.LongType, false), false), true);

    /** The job's counts; {@link #allAccepted} is what the exit code follows. */
    public record Counts(long batches, long accepted, long rejected, long missing, long samplesVerified) {
        public boolean allAccepted() {
            return rejected == 0 && batches > 0;
        }

        public String describe() {
            return "batches: " + batches + ", accepted: " + accepted + ", rejected: " + rejected + " (missing: " + missing
                    + "), samples verified: " + samplesVerified;
        }
    }

    private VerifyJob() {
    }

    /**
     * One {@link #CHECKED} row per batch, lazily.
     *
     * @param inputs as {@link Batching#normalize} returns them, ids unique
     * @param proofs the prove job's proofs table
     * @param claimedOutputs the prove job's outputs table, or null to check the proofs alone
     * @param batchSize the batch size the client asked the prover for
     */
    public static Dataset<Row> verify(Dataset<Row> inputs, Dataset<Row> proofs, Dataset<Row> claimedOutputs, byte[] modelFile, int batchSize) {
        Model model = ModelCodec.decode(modelFile, "the model", Limits.DEFAULTS);
        Batching.requireBatchSize(batchSize, Limits.DEFAULTS.maxBatch());
        requireWellFormed(proofs, Tables.PROOFS, List.of(Tables.BATCH_ID, Tables.SAMPLE_IDS, Tables.PROOF), "the proofs table");
        if (claimedOutputs != null) {
            requireWellFormed(claimedOutputs, Tables.SAMPLE_OUTPUTS, List.of(Tables.SAMPLE_ID, Tables.BATCH_ID, Tables.OUTPUTS, Tables.ARGMAX),
                    "the outputs table");
        }
        String digest = ExecutorResources.digestName(model);
        Broadcast<byte[]> shipped = JavaSparkContext.fromSparkContext(inputs.sparkSession().sparkContext()).broadcast(modelFile);
        MapFunction<Row, Long> batchOf = row -> row.getAs(Tables.BATCH_ID);
        Dataset<Row> checked = Batching.assign(inputs, batchSize).groupByKey(batchOf, Encoders.LONG())
                .cogroup(proofs.groupByKey(batchOf, Encoders.LONG()), (CoGroupFunction<Long, Row, Row, Row>) (batchId, samples, proofRows) ->
                        List.of(checkProof(batchId, Batching.collect(samples, ExecutorResources.model(digest, shipped)), proofRows,
                                ExecutorResources.verifier(digest, shipped))).iterator(),
                        Encoders.row(CHECKED));
        if (claimedOutputs == null) return checked;
        return checked.groupByKey(batchOf, Encoders.LONG())
                .cogroup(claimedOutputs.groupByKey(batchOf, Encoders.LONG()), (CoGroupFunction<Long, Row, Row, Row>) (batchId, checkedRows, claimed) ->
                        List.of(checkOutputs(batchId, checkedRows, claimed)).iterator(), Encoders.row(CHECKED));
    }

    /**
     * The host's tables are untrusted input: each column the job reads must be there with the prove job's type, and
     * no row may hold a null in it (nor an array a null element), else a MalformedInput names the table, the column
     * and the count. A row like that cannot be assigned to a batch, so it is refused before any batch is checked
     * rather than crashing a task.
     */
    static void requireWellFormed(Dataset<Row> table, StructType expected, List<String> columns, String source) {
        Column bad = null;
        for (String name : columns) {
            DataType wanted = expected.apply(name).dataType();
            if (!Arrays.asList(table.schema().fieldNames()).contains(name)) {
                throw new MalformedInput(source, "has no column " + name + " (" + wanted.simpleString() + ")");
            }
            DataType found = table.schema().apply(name).dataType();
            if (!found.simpleString().equals(wanted.simpleString())) { // simpleString leaves nullability out
                throw new MalformedInput(source, "column " + name + " is " + found.simpleString() + ", not " + wanted.simpleString());
            }
            Column nullHere = col(name).isNull();
            if (found instanceof ArrayType array) {
                nullHere = nullHere.or(exists(col(name), x -> array.elementType() instanceof ArrayType ? x.isNull().or(exists(x, Column::isNull)) : x.isNull()));
            }
            bad = bad == null ? nullHere : bad.or(nullHere);
        }
        long rows = table.where(bad).count();
        if (rows > 0) throw new MalformedInput(source, rows + (rows == 1 ? " row has" : " rows have") + " a null in " + String.join(", ", columns));
    }

    /**
     * The verdict on one batch. {@code batch} is the client's own samples, checked against the model as they were
     * collected: a malformed sample is the client's error (MalformedInput, the job fails), not a verdict on the host.
     */
    private static Row checkProof(long batchId, Batching.Batch batch, Iterator<Row> proofRows, Verifier.Prepared verifier) {
        List<Row> proofs = new ArrayList<>();
        proofRows.forEachRemaining(proofs::add);
        if (batch.ids().length == 0) return rejected(batchId, "a proof for batch " + batchId + ", which the inputs do not have", batch.ids());
        if (proofs.isEmpty()) return rejected(batchId, MISSING, batch.ids());
        if (proofs.size() > 1) return rejected(batchId, proofs.size() + " proofs for this batch", batch.ids());
        Row proof = proofs.get(0);
        long[] provenIds = Batching.longs(proof, Tables.SAMPLE_IDS);
        if (!Arrays.equals(provenIds, batch.ids())) {
            return rejected(batchId, "the proof's sample ids are not this batch's (" + provenIds.length + " ids, "
                    + batch.ids().length + " expected from the inputs)", batch.ids());
        }
        Verdict verdict = verifier.verify(batch.samples(), (byte[]) proof.getAs(Tables.PROOF));
        if (verdict instanceof Verdict.Rejected rejected) {
            return Tables.row(CHECKED, batchId, Tables.REJECT, rejected.reason(), rejected.layer(), rejected.round(), batch.ids(), null);
        }
        return Tables.row(CHECKED, batchId, Tables.ACCEPT, null, 0, -1, batch.ids(), ((Verdict.Accepted) verdict).outputs());
    }

    private static Row checkOutputs(long batchId, Iterator<Row> checkedRows, Iterator<Row> claimedRows) {
        if (!checkedRows.hasNext()) return rejected(batchId, "outputs rows for batch " + batchId + ", which the inputs do not have", new long[0]);
        Row checked = checkedRows.next();
        if (!checked.getAs(Tables.VERDICT).equals(Tables.ACCEPT)) return checked;
        long[] ids = Batching.longs(checked, Tables.SAMPLE_IDS);
        Map<Long, Integer> position = new HashMap<>();
        for (int i = 0; i < ids.length; i++) position.put(ids[i], i);
        long[][] verifiedValues = Batching.longRows(checked, Tables.OUTPUTS);
        long[] verifiedArgmax = TensorJson.argmax(verifiedValues);
        boolean[] seen = new boolean[ids.length];
        while (claimedRows.hasNext()) {
            Row claimed = claimedRows.next();
            long id = claimed.getAs(Tables.SAMPLE_ID);
            Integer at = position.get(id);
            if (at == null) return rejected(batchId, "the outputs table has a row for sample " + id + ", which is not in this batch", ids);
            if (seen[at]) return rejected(batchId, "the outputs table has more than one row for sample " + id, ids);
            seen[at] = true;
            long[] values = Batching.longs(claimed, Tables.OUTPUTS);
            if (!Arrays.equals(values, verifiedValues[at])) {
                return rejected(batchId, "the outputs table's row for sample " + id + " differs from the verified outputs", ids);
            }
            int argmax = claimed.getAs(Tables.ARGMAX);
            if (argmax != verifiedArgmax[at]) {
                return rejected(batchId, "the outputs table's argmax for sample " + id + " is " + argmax + ", the verified outputs' is "
                        + verifiedArgmax[at], ids);
            }
        }
        for (int i = 0; i < ids.length; i++) {
            if (!seen[i]) return rejected(batchId, "the outputs table has no row for sample " + ids[i], ids);
        }
        return checked;
    }

    private static Row rejected(long batchId, String reason, long[] ids) {
        return Tables.row(CHECKED, batchId, Tables.REJECT, reason, 0, -1, ids, null);
    }

    /**
     * Runs the job: writes {@code verdicts} (one row per batch) and, where not null, {@code verifiedOutputs} (one row per
     * sample of an accepted batch), and returns the counts. The checked batches are kept between the writes, so each
     * proof is verified once.
     */
    public static Counts write(Dataset<Row> checked, String verdicts, String verifiedOutputs) {
        Dataset<Row> kept = checked.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            kept.select(Arrays.stream(Tables.VERDICTS.fieldNames()).map(name -> col(name)).toArray(org.apache.spark.sql.Column[]::new))
                    .write().mode(SaveMode.ErrorIfExists).parquet(verdicts);
            Dataset<Row> accepted = kept.where(col(Tables.VERDICT).equalTo(Tables.ACCEPT));
            if (verifiedOutputs != null) {
                ProveJob.sampleOutputs(accepted).write().mode(SaveMode.ErrorIfExists).parquet(verifiedOutputs);
            }
            Row totals = kept.agg(
                    org.apache.spark.sql.functions.count(col(Tables.BATCH_ID)),
                    sum(when(col(Tables.VERDICT).equalTo(Tables.ACCEPT), 1).otherwise(0)),
                    sum(when(col(Tables.REASON).equalTo(MISSING), 1).otherwise(0)),
                    sum(when(col(Tables.VERDICT).equalTo(Tables.ACCEPT), size(col(Tables.SAMPLE_IDS))).otherwise(0))).first();
            long batches = totals.getLong(0);
            long acceptedCount = totals.isNullAt(1) ? 0 : totals.getLong(1);
            return new Counts(batches, acceptedCount, batches - acceptedCount, totals.isNullAt(2) ? 0 : totals.getLong(2),
                    totals.isNullAt(3) ? 0 : totals.getLong(3));
        } finally {
            kept.unpersist();
        }
    }
}
