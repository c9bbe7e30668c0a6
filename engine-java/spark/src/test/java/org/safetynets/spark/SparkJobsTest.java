package org.safetynets.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.MalformedInput;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.data.LabeledImages;
import org.safetynets.data.MnistData;
import org.safetynets.data.Pixels;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prove and verify jobs on Spark in local mode (two task slots; a task may be tried twice, which the retry test
 * uses), on 4,096 MNIST test images in batches of 256 with the shipped model: one session and one proven data set for
 * the whole class, since a session takes 10-25 s to start here. GPU scheduling cannot run in local mode: the CPU path
 * is what this tests.
 */
class SparkJobsTest {
    static final int SAMPLES = 4096;
    static final int BATCH = 256;
    /** Failures the retry test's hook has thrown (tasks run in this JVM in local mode). */
    static final AtomicInteger INJECTED_FAILURES = new AtomicInteger();

    static SparkSession spark;
    static byte[] modelFile;
    static Model model;
    static long[][] samples;
    static Dataset<Row> inputs;
    @TempDir
    static Path dir;
    static Path proven;

    @BeforeAll
    static void proveOnce() throws IOException {
        Assumptions.assumeTrue(MnistData.locateDefault().isPresent(), "no MNIST copy found ($" + MnistData.ENVIRONMENT_VARIABLE
                + " or shared/data/mnist from the working directory upwards): the Spark jobs are not tested here");
        try (InputStream in = SparkJobsTest.class.getResourceAsStream("/org/safetynets/cli/mnist-cnn.snm")) {
            assertTrue(in != null, "the shipped model is on the class path");
            modelFile = in.readAllBytes();
        }
        model = ModelCodec.decode(modelFile, "the shipped model");
        LabeledImages test = MnistData.resolve(null).test();
        samples = Pixels.levels(test, 0, SAMPLES, model.inputMax());
        spark = SparkSession.builder().master("local[2,2]").appName("SparkJobsTest")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
        List<Row> rows = new ArrayList<>();
        // Ids not in file order: the grouping must sort them, not trust the order rows arrive in.
        for (int i = SAMPLES - 1; i >= 0; i--) rows.add(RowFactory.create((long) i, samples[i]));
        inputs = Batching.normalize(spark.createDataFrame(rows, Tables.INPUTS).repartition(3), "test inputs");
        proven = dir.resolve("proven");
        ProveJob.write(ProveJob.prove(inputs, modelFile, BATCH, "auto"), proven.toString());
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    static Dataset<Row> table(Path base, String name) {
        return spark.read().parquet(base.resolve(name).toString());
    }

    static Map<Long, Row> verdicts(Path proofs, Path outputs, Path out) {
        VerifyJob.write(VerifyJob.verify(inputs, spark.read().parquet(proofs.toString()), spark.read().parquet(outputs.toString()),
                modelFile, BATCH), out.resolve("verdicts").toString(), out.resolve("verified").toString());
        Map<Long, Row> byBatch = new HashMap<>();
        for (Row row : table(out, "verdicts").collectAsList()) assertNull(byBatch.put(row.getAs(Tables.BATCH_ID), row), "one verdict per batch");
        return byBatch;
    }

    static Map<Long, byte[]> proofBytes(Path base) {
        Map<Long, byte[]> proofs = new HashMap<>();
        for (Row row : table(base, ProveJob.PROOFS_TABLE).collectAsList()) {
            assertNull(proofs.put(row.getAs(Tables.BATCH_ID), row.getAs(Tables.PROOF)), "one proof per batch");
        }
        return proofs;
    }

    @Test
    void everyBatchIsAcceptedAndTheVerifiedOutputsAreLocalInference() {
        Path out = dir.resolve("verify-honest");
        Dataset<Row> checked = VerifyJob.verify(inputs, table(proven, ProveJob.PROOFS_TABLE), table(proven, ProveJob.OUTPUTS_TABLE), modelFile, BATCH);
        VerifyJob.Counts counts = VerifyJob.write(checked, out.resolve("verdicts").toString(), out.resolve("verified").toString());
        assertEquals(new VerifyJob.Counts(SAMPLES / BATCH, SAMPLES / BATCH, 0, 0, SAMPLES), counts);
        for (Row verdict : table(out, "verdicts").collectAsList()) assertEquals(Tables.ACCEPT, verdict.getAs(Tables.VERDICT), verdict::toString);

        long[][] expected;
        try (Backend cpu = Backends.open("cpu", 1, reason -> { })) {
            expected = Prover.infer(model, samples, cpu);
        }
        for (String table : List.of("verified", ProveJob.OUTPUTS_TABLE)) {
            List<Row> rows = table(table.equals("verified") ? out : proven, table).collectAsList();
            assertEquals(SAMPLES, rows.size(), table);
            Set<Long> ids = new HashSet<>();
            for (Row row : rows) {
                long id = row.getAs(Tables.SAMPLE_ID);
                assertTrue(ids.add(id), "sample " + id + " once in " + table);
                assertEquals(id / BATCH, (long) row.getAs(Tables.BATCH_ID), "batch of sample " + id);
                long[] outputs = Batching.longs(row, Tables.OUTPUTS);
                assertArrayEquals(expected[(int) id], outputs, table + ": sample " + id);
                int argmax = 0;
                for (int i = 1; i < outputs.length; i++) if (outputs[i] > outputs[argmax]) argmax = i;
                assertEquals(argmax, (int) row.getAs(Tables.ARGMAX), table + ": argmax of sample " + id);
            }
        }
        Row proof = table(proven, ProveJob.PROOFS_TABLE).where(col(Tables.BATCH_ID).equalTo(3)).first();
        assertEquals(ExecutorResources.digestName(model), proof.getAs(Tables.MODEL_DIGEST));
        assertEquals(2, (int) proof.getAs(Tables.PROOF_FORMAT));
        assertEquals(BATCH, (int) proof.getAs(Tables.BATCH_SIZE));
        long[] ids = Batching.longs(proof, Tables.SAMPLE_IDS);
        for (int i = 0; i < BATCH; i++) assertEquals(3L * BATCH + i, ids[i]);
        assertTrue(((String) proof.getAs(Tables.BACKEND)).startsWith("cpu"), () -> proof.getAs(Tables.BACKEND));
    }

    @Test
    void aTamperedOutputRowIsCaughtWithItsBatchNamed() {
        long tampered = 300; // batch 1
        Dataset<Row> outputs = table(proven, ProveJob.OUTPUTS_TABLE);
        List<Row> changed = new ArrayList<>();
        for (Row row : outputs.collectAsList()) {
            long[] values = Batching.longs(row, Tables.OUTPUTS);
            if ((long) row.getAs(Tables.SAMPLE_ID) == tampered) values[3] += 1;
            changed.add(RowFactory.create(row.getAs(Tables.SAMPLE_ID), row.getAs(Tables.BATCH_ID), values, row.getAs(Tables.ARGMAX)));
        }
        Path forged = dir.resolve("forged-outputs");
        spark.createDataFrame(changed, Tables.SAMPLE_OUTPUTS).write().parquet(forged.toString());
        Map<Long, Row> verdicts = verdicts(proven.resolve(ProveJob.PROOFS_TABLE), forged, dir.resolve("verify-tampered-output"));
        assertEquals(SAMPLES / BATCH, verdicts.size());
        for (Map.Entry<Long, Row> entry : verdicts.entrySet()) {
            if (entry.getKey() == 1) {
                assertEquals(Tables.REJECT, entry.getValue().getAs(Tables.VERDICT));
                assertEquals("the outputs table's row for sample 300 differs from the verified outputs", entry.getValue().getAs(Tables.REASON));
            } else {
                assertEquals(Tables.ACCEPT, entry.getValue().getAs(Tables.VERDICT), () -> entry.getValue().toString());
            }
        }
    }

    /**
     * The host's tables are untrusted: a null batch id or proof, a null inside an outputs array, a missing column and
     * a column of another type each give one MalformedInput naming the table, never a crashed task.
     */
    @Test
    void malformedHostTablesAreRefusedWithTheTableNamed() {
        Dataset<Row> proofs = table(proven, ProveJob.PROOFS_TABLE);
        Dataset<Row> outputs = table(proven, ProveJob.OUTPUTS_TABLE);
        StructType nullable = new StructType(java.util.Arrays.stream(Tables.PROOFS.fields())
                .map(f -> new org.apache.spark.sql.types.StructField(f.name(), f.dataType(), true, f.metadata()))
                .toArray(org.apache.spark.sql.types.StructField[]::new));
        List<Row> rows = new ArrayList<>(proofs.collectAsList());
        Row first = rows.get(0);
        Object[] nulled = new Object[first.size()];
        for (int i = 0; i < nulled.length; i++) nulled[i] = i == first.fieldIndex(Tables.PROOF) ? null : first.get(i);
        rows.set(0, RowFactory.create(nulled));
        Dataset<Row> nullProof = spark.createDataFrame(rows, nullable);
        MalformedInput e = assertThrows(MalformedInput.class, () -> VerifyJob.verify(inputs, nullProof, outputs, modelFile, BATCH));
        assertTrue(e.getMessage().contains("the proofs table: 1 row has a null in batch_id, sample_ids, proof"), e.getMessage());

        Dataset<Row> nullElement = outputs.withColumn(Tables.OUTPUTS,
                when(col(Tables.SAMPLE_ID).equalTo(7), org.apache.spark.sql.functions.array(lit(1L), lit(null).cast("bigint")))
                        .otherwise(col(Tables.OUTPUTS)));
        e = assertThrows(MalformedInput.class, () -> VerifyJob.verify(inputs, proofs, nullElement, modelFile, BATCH));
        assertTrue(e.getMessage().contains("the outputs table: 1 row has a null in sample_id, batch_id, outputs, argmax"), e.getMessage());

        e = assertThrows(MalformedInput.class, () -> VerifyJob.verify(inputs, proofs.drop(Tables.SAMPLE_IDS), outputs, modelFile, BATCH));
        assertTrue(e.getMessage().contains("the proofs table: has no column sample_ids (array<bigint>)"), e.getMessage());

        Dataset<Row> longArgmax = outputs.withColumn(Tables.ARGMAX, col(Tables.ARGMAX).cast("bigint"));
        e = assertThrows(MalformedInput.class, () -> VerifyJob.verify(inputs, proofs, longArgmax, modelFile, BATCH));
        assertTrue(e.getMessage().contains("the outputs table: column argmax is bigint, not int"), e.getMessage());
    }

    @Test
    void aSwappedProofIsRejectedByTheVerifierAndAMissingOneIsCounted() {
        Map<Long, byte[]> proofs = proofBytes(proven);
        List<Row> rows = new ArrayList<>();
        for (Row row : table(proven, ProveJob.PROOFS_TABLE).collectAsList()) {
            long batch = row.getAs(Tables.BATCH_ID);
            if (batch == 9) continue; // missing
            byte[] proof = batch == 5 ? proofs.get(6L) : batch == 6 ? proofs.get(5L) : row.getAs(Tables.PROOF);
            Object[] values = new Object[row.length()];
            for (int i = 0; i < values.length; i++) values[i] = row.get(i);
            values[row.fieldIndex(Tables.PROOF)] = proof;
            values[row.fieldIndex(Tables.SAMPLE_IDS)] = Batching.longs(row, Tables.SAMPLE_IDS);
            rows.add(RowFactory.create(values));
        }
        Path forged = dir.resolve("forged-proofs");
        spark.createDataFrame(rows, Tables.PROOFS).write().parquet(forged.toString());
        Path out = dir.resolve("verify-swapped");
        VerifyJob.Counts counts = VerifyJob.write(VerifyJob.verify(inputs, spark.read().parquet(forged.toString()),
                table(proven, ProveJob.OUTPUTS_TABLE), modelFile, BATCH), out.resolve("verdicts").toString(), out.resolve("verified").toString());
        assertEquals(new VerifyJob.Counts(SAMPLES / BATCH, SAMPLES / BATCH - 3, 3, 1, SAMPLES - 3L * BATCH), counts);
        Map<Long, Row> verdicts = new HashMap<>();
        for (Row row : table(out, "verdicts").collectAsList()) verdicts.put(row.getAs(Tables.BATCH_ID), row);
        for (long batch : new long[] {5, 6}) {
            Row verdict = verdicts.get(batch);
            assertEquals(Tables.REJECT, verdict.getAs(Tables.VERDICT), verdict::toString);
            // The proof of another batch binds other inputs: the verdict is the verifier's own, run here on the same bytes.
            long[][] batchSamples = java.util.Arrays.copyOfRange(samples, (int) batch * BATCH, (int) (batch + 1) * BATCH);
            Verdict.Rejected expected = (Verdict.Rejected) Verifier.verify(model, batchSamples, proofs.get(batch == 5 ? 6L : 5L));
            assertEquals(expected.reason(), verdict.getAs(Tables.REASON));
            assertEquals(expected.layer(), (int) verdict.getAs(Tables.LAYER));
            assertEquals(expected.round(), (int) verdict.getAs(Tables.ROUND));
        }
        assertEquals(VerifyJob.MISSING, verdicts.get(9L).getAs(Tables.REASON));
        assertEquals(SAMPLES - 3L * BATCH, table(out, "verified").count(), "verified outputs of accepted batches only");
        assertEquals(0, table(out, "verified").where(col(Tables.BATCH_ID).isin(5L, 6L, 9L)).count());
    }

    @Test
    void repartitionedInputsGiveTheSameProofBytes() {
        Path again = dir.resolve("proven-repartitioned");
        ProveJob.write(ProveJob.prove(inputs.repartition(7), modelFile, BATCH, "auto"), again.toString());
        Map<Long, byte[]> first = proofBytes(proven);
        Map<Long, byte[]> second = proofBytes(again);
        assertEquals(first.keySet(), second.keySet());
        for (long batch : first.keySet()) assertArrayEquals(first.get(batch), second.get(batch), "batch " + batch);
    }

    @Test
    void aTaskThatFailsOnceAndIsRetriedWritesEachRowOnce() {
        int slice = 4 * BATCH; // the first four batches of the full run, so their proofs must be the same bytes
        Dataset<Row> firstIds = inputs.where(col(Tables.ID).lt(slice));
        Dataset<Row> failingOnce = ProveJob.prove(firstIds, modelFile, BATCH, "auto")
                .mapPartitions((MapPartitionsFunction<Row, Row>) SparkJobsTest::failFirstAttemptAfterOneRow, Encoders.row(Tables.PROVEN_BATCHES));
        INJECTED_FAILURES.set(0);
        Path retried = dir.resolve("proven-retried");
        ProveJob.write(failingOnce, retried.toString());
        assertEquals(1, INJECTED_FAILURES.get(), "one task failed once and was retried");

        Map<Long, byte[]> all = proofBytes(proven);
        Map<Long, byte[]> again = proofBytes(retried);
        assertEquals(Set.of(0L, 1L, 2L, 3L), again.keySet());
        for (long batch : again.keySet()) assertArrayEquals(all.get(batch), again.get(batch), "batch " + batch);
        List<Row> outputs = table(retried, ProveJob.OUTPUTS_TABLE).collectAsList();
        assertEquals(slice, outputs.size());
        assertEquals(slice, outputs.stream().map(row -> (long) row.getAs(Tables.SAMPLE_ID)).distinct().count());
    }

    /** The test's fault: the first task to run hands one row on to the writer, then fails; its retry runs normally. */
    static Iterator<Row> failFirstAttemptAfterOneRow(Iterator<Row> rows) {
        if (TaskContext.get().attemptNumber() > 0 || !rows.hasNext() || INJECTED_FAILURES.get() > 0) return rows;
        Row first = rows.next();
        return new Iterator<>() {
            boolean served;

            @Override
            public boolean hasNext() {
                if (served && INJECTED_FAILURES.compareAndSet(0, 1)) throw new IllegalStateException("injected by the test: first attempt fails");
                return !served || rows.hasNext();
            }

            @Override
            public Row next() {
                if (!served) {
                    served = true;
                    return first;
                }
                if (!rows.hasNext()) throw new NoSuchElementException();
                return rows.next();
            }
        };
    }
}
