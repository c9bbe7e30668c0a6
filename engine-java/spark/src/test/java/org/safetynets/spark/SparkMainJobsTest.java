package org.safetynets.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line over small tables of the shipped model's shape: a fault in the client's inputs table, in a table
 * Spark cannot read, or in an option is one line and exit code 2, in prove and in verify alike. Each run starts and
 * stops its own Spark session, as the command does.
 */
class SparkMainJobsTest {
    /** Four samples, ids 0 to 3; the faulty tables change the sample of this id only (position 1 of batch 1 at --batch 2). */
    static final long FAULTY_ID = 3;
    static final StructType NULLABLE_INPUTS = new StructType().add(Tables.ID, DataTypes.LongType, true)
            .add(Tables.SAMPLE, DataTypes.createArrayType(DataTypes.LongType, true), true);

    @TempDir
    static Path dir;
    static Path model;
    static Path proven;
    static Model network;

    @BeforeAll
    static void writeTables() throws IOException {
        try (InputStream in = SparkMainJobsTest.class.getResourceAsStream("/org/safetynets/cli/mnist-cnn.snm")) {
            assertTrue(in != null, "the shipped model is on the class path");
            model = Files.write(dir.resolve("model.snm"), in.readAllBytes());
        }
        network = ModelCodec.decode(Files.readAllBytes(model), "the shipped model");
        SparkSession spark = SparkSession.builder().master("local[2]").appName("SparkMainJobsTest")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
        try {
            write(spark, "inputs", null);
            write(spark, "null-element", sample -> sample[5] = null);
            write(spark, "out-of-range", sample -> sample[7] = network.inputMax() + 1000);
            write(spark, "short", null, Arrays.copyOf(new Long[]{1L, 2L, 3L}, 3));
            write(spark, "empty-sample", null, new Long[0]);
            spark.createDataFrame(List.of(), NULLABLE_INPUTS).write().parquet(dir.resolve("empty").toString());
            Files.createDirectory(dir.resolve("json"));
            Files.writeString(dir.resolve("json/part-0.parquet"), "{\"id\": 0, \"sample\": [0]}\n");
            proven = dir.resolve("proven");
            ProveJob.write(ProveJob.prove(Batching.normalize(spark.read().parquet(dir.resolve("inputs").toString()), "inputs"),
                    Files.readAllBytes(model), 2, "cpu"), proven.toString());
        } finally {
            spark.stop();
        }
        truncated = copy(proven, dir.resolve("truncated"));
        try (var parts = Files.list(truncated.resolve(ProveJob.PROOFS_TABLE))) {
            Path part = parts.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            byte[] bytes = Files.readAllBytes(part);
            Files.write(part, Arrays.copyOf(bytes, 300));
        }
    }

    static Path truncated;

    static Path copy(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                if (path.getFileName().toString().endsWith(".crc")) continue;
                Files.copy(path, to.resolve(from.relativize(path).toString()));
            }
        }
        return to;
    }

    interface Change {
        void apply(Long[] sample);
    }

    /** Writes table {@code name}: four samples of the model's width, the one of {@link #FAULTY_ID} changed by {@code change}. */
    static void write(SparkSession spark, String name, Change change) {
        write(spark, name, change, null);
    }

    /** As above, the sample of {@link #FAULTY_ID} replaced by {@code replaced} where that is not null. */
    static void write(SparkSession spark, String name, Change change, Long[] replaced) {
        List<Row> rows = new ArrayList<>();
        for (long id = 0; id < 4; id++) {
            Long[] sample = new Long[network.input().size()];
            for (int i = 0; i < sample.length; i++) sample[i] = (id + i) % (network.inputMax() + 1);
            if (id == FAULTY_ID && change != null) change.apply(sample);
            if (id == FAULTY_ID && replaced != null) sample = replaced;
            rows.add(RowFactory.create(id, sample));
        }
        spark.createDataFrame(rows, NULLABLE_INPUTS).write().parquet(dir.resolve(name).toString());
    }

    static SparkMainTest.Run prove(String inputs, String... more) {
        List<String> args = new ArrayList<>(List.of("prove", "-M", model.toString(), "-D", dir.resolve(inputs).toString(), "--batch", "2",
                "--backend", "cpu", "-O", dir.resolve("out-" + System.nanoTime()).toString()));
        return run(args, more);
    }

    static SparkMainTest.Run verify(String inputs, String provenDir, String... more) {
        List<String> args = new ArrayList<>(List.of("verify", "-M", model.toString(), "-D", dir.resolve(inputs).toString(), "-P", provenDir,
                "--batch", "2", "-O", dir.resolve("out-" + System.nanoTime()).toString()));
        return run(args, more);
    }

    /** The command {@code args} and {@code more}, in local mode on two cores unless {@code more} names a master. */
    static SparkMainTest.Run run(List<String> args, String... more) {
        args.addAll(Arrays.asList(more));
        if (!args.contains("--master")) args.addAll(List.of("--master", "local[2]"));
        return SparkMainTest.run(args.toArray(String[]::new));
    }

    static void assertOneLineError(SparkMainTest.Run run, String... parts) {
        assertEquals(2, run.exitCode(), run::toString);
        assertEquals(1, run.err().lines().count(), run::toString);
        for (String part : parts) assertTrue(run.err().contains(part), run::toString);
    }

    @Test
    void theHonestTablesAreAccepted() {
        SparkMainTest.Run run = verify("inputs", proven.toString());
        assertEquals(0, run.exitCode(), run::toString);
    }

    @Test
    void aNullInsideASampleIsOneLineNamingTheId() {
        String expected = "error: " + dir.resolve("null-element") + ": the sample of id " + FAULTY_ID + " holds a null value\n";
        assertEquals(expected, prove("null-element").err());
        SparkMainTest.Run run = verify("null-element", proven.toString());
        assertOneLineError(run);
        assertEquals(expected, run.err());
    }

    @Test
    void aTableSparkCannotReadIsOneLineNamingIt() {
        assertOneLineError(prove("json"), "error: ", "json/part-0.parquet");
        assertOneLineError(verify("inputs", truncated.toString()), "error: ", "truncated/proofs/part-");
    }

    @Test
    void aSampleOutsideTheModelsRangeIsNamedByItsIdInProve() {
        assertOneLineError(prove("out-of-range"), "error: input: sample id " + FAULTY_ID + " value 7 is " + (network.inputMax() + 1000)
                + ", outside the model's input range [" + network.inputMin() + ", " + network.inputMax() + "]");
    }

    @Test
    void verifyRefusesTheClientsOwnMalformedSamplesAsAnErrorNotAVerdict() {
        assertOneLineError(verify("out-of-range", proven.toString()), "error: input: sample id " + FAULTY_ID + " value 7 is ");
        assertOneLineError(verify("short", proven.toString()), "error: input: sample id " + FAULTY_ID + " has 3 values; the model takes "
                + network.input().size());
        assertOneLineError(verify("empty-sample", proven.toString()), "error: input: sample id " + FAULTY_ID + " has 0 values");
    }

    @Test
    void aMasterSparkCannotStartIsAUsageError() {
        assertOneLineError(prove("inputs", "--master", "bogus://x"), "error: --master: bogus://x: Could not parse Master URL");
        assertOneLineError(verify("inputs", proven.toString(), "--master", "local[0]"), "error: --master: local[0]: ");
    }

    /**
     * Red-team find: -O as a URI was not checked before the job, so with DIR/outputs already there prove proved the whole
     * data set and wrote DIR/proofs before failing on the second table (and verify wrote its verdicts).
     */
    @Test
    void anExistingOutputGivenAsAUriIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path existing = Files.createDirectories(dir.resolve("existing-" + System.nanoTime()).resolve(ProveJob.OUTPUTS_TABLE)).getParent();
        List<String> args = new ArrayList<>(List.of("prove", "-M", model.toString(), "-D", dir.resolve("inputs").toString(), "--batch", "2",
                "--backend", "cpu", "-O", existing.toUri().toString()));
        assertOneLineError(run(args), "--out", "exists; the jobs write new tables only");
        assertFalse(Files.exists(existing.resolve(ProveJob.PROOFS_TABLE)), "nothing written");
        List<String> verifyArgs = new ArrayList<>(List.of("verify", "-M", model.toString(), "-D", dir.resolve("inputs").toString(), "-P",
                proven.toString(), "--batch", "2", "-O", existing.toUri().toString()));
        assertOneLineError(run(verifyArgs), "--out", "exists; the jobs write new tables only");
        try (var files = Files.list(existing)) {
            assertEquals(1, files.count(), "nothing written beside the table that was there");
        }
    }

    @Test
    void anEmptyInputsTableIsOneLine() {
        String expected = "error: " + dir.resolve("empty") + ": has no rows; there is nothing to prove or verify\n";
        SparkMainTest.Run run = prove("empty");
        assertEquals(2, run.exitCode(), run::toString);
        assertEquals(expected, run.err());
        run = verify("empty", proven.toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertEquals(expected, run.err());
    }
}
