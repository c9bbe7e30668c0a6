package org.safetynets.spark;

import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.SafetyNetsException;
import org.safetynets.cli.Main;
import org.safetynets.data.LabeledImages;
import org.safetynets.data.MnistData;
import org.safetynets.data.Pixels;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

/**
 * {@code safetynets-spark}: the prove and verify jobs from the command line ({@code bin/safetynets-spark}, or
 * {@code spark-submit --class org.safetynets.spark.SparkMain}), and {@code import-mnist} to make an inputs table from
 * MNIST idx files. Exit codes as the CLI's: 0 success (verify: every batch accepted), 1 a batch rejected or missing,
 * 2 an error in a file or an option.
 */
@Command(name = "safetynets-spark", mixinStandardHelpOptions = true, subcommands = {SparkMain.ImportMnist.class, SparkMain.ProveCommand.class,
        SparkMain.VerifyCommand.class, CommandLine.HelpCommand.class},
        description = "Proves a data set's inferences on Apache Spark, batch by batch, and verifies them as a second job.")
public final class SparkMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(out, err, args));
    }

    static int execute(PrintWriter out, PrintWriter err, String... args) {
        return Main.execute(new CommandLine(new SparkMain()), SparkMain::handle, out, err, args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /**
     * A file or option error anywhere in the chain (an executor's MalformedInput arrives wrapped in SparkException), and
     * a file Spark cannot read, is one line and exit 2; anything else is an internal error.
     */
    private static int handle(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SafetyNetsException || cause instanceof AnalysisException || unreadable(cause)) {
                err.println("error: " + Main.oneLine(unreadable(cause) ? unreadableFile((SparkThrowable) cause) : cause.getMessage()));
                return Main.ERROR;
            }
        }
        return Main.internalError(e, err);
    }

    /**
     * A table Spark cannot read: a part file that is cut short or not Parquet, or whose columns have other types than
     * the other part files'. Spark finds it only when a task reads the file; its message names the file, so the table.
     */
    private static boolean unreadable(Throwable cause) {
        return cause instanceof SparkThrowable spark && spark.getCondition() != null && spark.getCondition().startsWith("FAILED_READ_FILE");
    }

    /** The file and Spark's reason, shorter than Spark's message: "file:/t/proofs/part-0.parquet: Spark cannot read it (...): ...". */
    private static String unreadableFile(SparkThrowable error) {
        Throwable root = (Throwable) error;
        while (root.getCause() != null) root = root.getCause();
        String path = error.getMessageParameters().get("path");
        if (path == null) return ((Throwable) error).getMessage();
        return path + ": Spark cannot read it (" + error.getCondition() + ")" + (root == error ? "" : ": " + root.getMessage());
    }

    /** The Spark session: spark-submit's master when it set one, else {@code --master} (default local[*]). */
    static final class SessionOptions {
        @Option(names = "--master", paramLabel = "URL", description = "Spark master when not run by spark-submit (default: local[*]).")
        String master;

        SparkSession open(String appName) throws Exception {
            SparkSession.Builder builder = SparkSession.builder().appName(appName)
                    .config("spark.ui.showConsoleProgress", "false");
            if (master != null) builder.master(master);
            else if (System.getProperty("spark.master") == null) builder.master("local[*]");
            if (System.getProperty("spark.master") == null && System.getProperty("spark.sql.shuffle.partitions") == null) {
                // Local mode: Spark's default of 200 shuffle partitions is 200 tiny tasks per stage on a few cores; a
                // batch is the unit of work, so a few partitions per core keep both slots busy. spark-submit's --conf wins.
                builder.config("spark.sql.shuffle.partitions", Integer.toString(2 * Runtime.getRuntime().availableProcessors()));
            }
            try {
                return builder.getOrCreate();
            } catch (Exception e) { // Scala throws the checked SparkException undeclared
                // Spark checks a master URL only when it starts the session ("Could not parse Master URL", "Asked to
                // run locally with 0 threads"): the user's option, so a usage error in one line.
                if (master == null || !(e instanceof org.apache.spark.SparkException || e instanceof IllegalArgumentException)) throw e;
                throw new MalformedInput("--master", master + ": " + e.getMessage());
            }
        }
    }

    static byte[] readModel(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new MalformedInput(path.toString(), "cannot be read: " + e);
        }
        ModelCodec.decode(bytes, path.toString(), Limits.DEFAULTS); // a bad model file fails here, on the driver, in one line
        return bytes;
    }

    /** A table location: a local path, or a URI Spark reads (hdfs://, s3a://, file://), which only Spark can check. */
    static boolean local(String location) {
        return !location.contains("://");
    }

    static void requireNew(String location, String option) {
        if (local(location) && Files.exists(Path.of(location))) throw new MalformedInput(option, location + " exists; the jobs write new tables only");
    }

    /**
     * As {@link #requireNew(String, String)} for any location the session's file systems reach (a file:// or hdfs://
     * URI as well as a local path), checked once the session is open and before the job writes: the jobs write two
     * tables one after the other, so an existing location found only by the second write left the first written.
     */
    static void requireNew(SparkSession spark, String location, String option) {
        if (local(location)) {
            requireNew(location, option);
            return;
        }
        try {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
            if (path.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(path)) {
                throw new MalformedInput(option, location + " exists; the jobs write new tables only");
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new MalformedInput(option, location + " cannot be checked: " + Main.oneLine(e.getMessage()));
        }
    }

    static void requireExists(String location, String option) {
        if (local(location) && !Files.exists(Path.of(location))) throw new MalformedInput(option, location + " does not exist");
    }

    static Dataset<Row> readInputs(SparkSession spark, String location) {
        requireExists(location, "--input");
        Dataset<Row> inputs = Batching.normalize(spark.read().parquet(location), location);
        Batching.requireUniqueIds(inputs, location);
        return inputs;
    }

    @Command(name = "import-mnist", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Writes MNIST test images as an inputs table (Parquet: id = the image's index, sample = its pixel levels for the model).")
    static final class ImportMnist implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = {"-M", "--model"}, required = true, paramLabel = "MODEL.snm", description = "The model whose input levels to use.")
        Path model;
        @Option(names = "--data", paramLabel = "DIR", description = "MNIST idx directory (default: $SAFETYNETS_MNIST or shared/data/mnist upwards).")
        Path data;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "The first N test images (0: all).")
        int limit;
        @Option(names = {"-O", "--out"}, required = true, paramLabel = "DIR", description = "The inputs table to write (a new directory).")
        String out;
        @CommandLine.Mixin
        SessionOptions session;

        @Override
        public Integer call() throws Exception {
            if (limit < 0) throw new MalformedInput("--limit", "must be 0 (all) or positive");
            requireNew(out, "--out");
            Model network = ModelCodec.decode(readModel(model), model.toString(), Limits.DEFAULTS);
            LabeledImages test = MnistData.resolve(data).test();
            test.requireModelInput(model.toString(), network.input());
            int n = limit == 0 ? test.count() : Math.min(limit, test.count());
            long[][] levels = Pixels.levels(test, 0, n, network.inputMax());
            List<Row> rows = new ArrayList<>(n);
            for (int i = 0; i < n; i++) rows.add(RowFactory.create((long) i, levels[i]));
            try (SparkSession spark = session.open("safetynets import-mnist")) {
                requireNew(spark, out, "--out");
                spark.createDataFrame(rows, Tables.INPUTS).write().mode(SaveMode.ErrorIfExists).parquet(out);
            }
            spec.commandLine().getOut().println("wrote " + n + " samples to " + out);
            return Main.OK;
        }
    }

    @Command(name = "prove", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Proves every batch of an inputs table and writes DIR/proofs (one row per batch) and DIR/outputs (one row per "
                    + "sample: the host's claim, to be checked by verify).")
    static final class ProveCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = {"-M", "--model"}, required = true, paramLabel = "MODEL.snm", description = "The model.")
        Path model;
        @Option(names = {"-D", "--input"}, required = true, paramLabel = "TABLE", description = "Inputs (Parquet): id (integer), sample (array of integers).")
        String input;
        @Option(names = "--batch", defaultValue = "256", paramLabel = "N", description = "Samples per proof, a power of two (default: ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
                description = "auto (default): the task's GPU when Spark assigned one, else the CPU backend with the task's cores; or cpu, opencl, cuda.")
        String backend;
        @Option(names = {"-O", "--out"}, required = true, paramLabel = "DIR", description = "Where to write the proofs and outputs tables (a new directory).")
        String out;
        @CommandLine.Mixin
        SessionOptions session;

        @Override
        public Integer call() throws Exception {
            requireNew(out, "--out");
            requireExists(input, "--input");
            Batching.requireBatchSize(batch, Limits.DEFAULTS.maxBatch());
            byte[] modelFile = readModel(model);
            try (SparkSession spark = session.open("safetynets prove")) {
                requireNew(spark, out, "--out");
                long start = System.nanoTime();
                ProveJob.write(ProveJob.prove(readInputs(spark, input), modelFile, batch, backend), out);
                double seconds = (System.nanoTime() - start) / 1e9;
                Row totals = spark.read().parquet(Tables.path(out, ProveJob.PROOFS_TABLE))
                        .agg(org.apache.spark.sql.functions.count(col(Tables.BATCH_ID)), sum(col(Tables.BATCH_SIZE)), sum(col(Tables.PROVER_MS))).first();
                long samples = totals.isNullAt(1) ? 0 : totals.getLong(1);
                spec.commandLine().getOut().printf("proved %d samples in %d batches of up to %d in %.1f s (%.0f samples/s; prover time %.1f s in all): %s, %s%n",
                        samples, totals.getLong(0), batch, seconds, samples / seconds, totals.isNullAt(2) ? 0.0 : totals.getDouble(2) / 1e3,
                        Tables.path(out, ProveJob.PROOFS_TABLE), Tables.path(out, ProveJob.OUTPUTS_TABLE));
                List<String> backends = new ArrayList<>();
                for (Row row : spark.read().parquet(Tables.path(out, ProveJob.PROOFS_TABLE)).select(Tables.BACKEND).distinct()
                        .orderBy(Tables.BACKEND).limit(10).collectAsList()) {
                    backends.add(row.getString(0));
                }
                spec.commandLine().getOut().println("backends: " + String.join("; ", backends));
            }
            return Main.OK;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Verifies every batch of a prove job's tables against the inputs and this model, and checks the outputs table "
                    + "against the verified outputs; writes DIR/verdicts and DIR/verified-outputs (accepted batches only) and prints the counts.",
                "Exit 0 when every batch is accepted, 1 when any is rejected or has no proof."})
    static final class VerifyCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = {"-M", "--model"}, required = true, paramLabel = "MODEL.snm", description = "Your copy of the model.")
        Path model;
        @Option(names = {"-D", "--input"}, required = true, paramLabel = "TABLE", description = "The inputs table the proofs are of.")
        String input;
        @Option(names = {"-P", "--proven"}, required = true, paramLabel = "DIR", description = "The prove job's --out directory.")
        String proven;
        @Option(names = "--batch", defaultValue = "256", paramLabel = "N", description = "The batch size the prove job was asked for (default: ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = {"-O", "--out"}, required = true, paramLabel = "DIR", description = "Where to write the verdicts and verified outputs (a new directory).")
        String out;
        @CommandLine.Mixin
        SessionOptions session;

        @Override
        public Integer call() throws Exception {
            requireNew(out, "--out");
            Batching.requireBatchSize(batch, Limits.DEFAULTS.maxBatch());
            byte[] modelFile = readModel(model);
            requireExists(input, "--input");
            for (String name : List.of(ProveJob.PROOFS_TABLE, ProveJob.OUTPUTS_TABLE)) requireExists(Tables.path(proven, name), "--proven");
            PrintWriter printed = spec.commandLine().getOut();
            try (SparkSession spark = session.open("safetynets verify")) {
                requireNew(spark, out, "--out");
                Dataset<Row> checked = VerifyJob.verify(readInputs(spark, input), spark.read().parquet(Tables.path(proven, ProveJob.PROOFS_TABLE)),
                        spark.read().parquet(Tables.path(proven, ProveJob.OUTPUTS_TABLE)), modelFile, batch);
                String verdicts = Tables.path(out, VerifyJob.VERDICTS_TABLE);
                VerifyJob.Counts counts = VerifyJob.write(checked, verdicts, Tables.path(out, VerifyJob.VERIFIED_OUTPUTS_TABLE));
                for (Row rejected : spark.read().parquet(verdicts).where(col(Tables.VERDICT).equalTo(Tables.REJECT))
                        .orderBy(Tables.BATCH_ID).limit(20).collectAsList()) {
                    printed.println("batch " + rejected.getAs(Tables.BATCH_ID) + ": REJECT: " + Main.oneLine(new org.safetynets.proof.Verdict.Rejected(
                            rejected.getAs(Tables.REASON), rejected.getAs(Tables.LAYER), rejected.getAs(Tables.ROUND)).describe()));
                }
                printed.println(counts.describe());
                printed.println("verdicts: " + verdicts + (counts.accepted() > 0 ? ", verified outputs: " + Tables.path(out, VerifyJob.VERIFIED_OUTPUTS_TABLE) : ""));
                return counts.allAccepted() ? Main.OK : Main.REJECTED;
            }
        }
    }
}
