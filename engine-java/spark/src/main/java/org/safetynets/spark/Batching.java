package org.safetynets.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StructType;
import org.safetynets.MalformedInput;
import org.safetynets.model.Model;
import org.safetynets.proof.InputBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exists;

/**
 * The deterministic grouping of samples into batches that the prove and the verify job share: samples sorted by id,
 * batch id = (rank in that order) / batch size. A batch's samples, its proof bytes and its outputs therefore depend
 * on the inputs, the batch size and the model only, never on how the inputs happen to be partitioned or how many
 * executors run: a repartitioned data set and a retried task give the same batches, and the verifier rebuilds the
 * batches it expects from the inputs alone. The last batch holds the remainder.
 */
public final class Batching {
    private Batching() {
    }

    /** MalformedInput unless {@code batchSize} is a power of two between 1 and {@code maxBatch}. */
    public static int requireBatchSize(int batchSize, int maxBatch) {
        if (batchSize < 1 || Integer.bitCount(batchSize) != 1 || batchSize > maxBatch) {
            throw new MalformedInput("--batch", "must be a power of two from 1 to " + maxBatch + ", got " + batchSize);
        }
        return batchSize;
    }

    /**
     * The inputs as {@link Tables#INPUTS}: an integral {@code id} and an array of integers {@code sample}, cast to
     * bigint; other columns are dropped. MalformedInput naming {@code source} when a column is missing or of
     * another type.
     */
    public static Dataset<Row> normalize(Dataset<Row> inputs, String source) {
        List<String> names = Arrays.asList(inputs.schema().fieldNames());
        if (!names.contains(Tables.ID) || !names.contains(Tables.SAMPLE)) {
            throw new MalformedInput(source, "needs the columns id (integer) and sample (array of integers); it has " + names);
        }
        DataType id = inputs.schema().apply(Tables.ID).dataType();
        DataType sample = inputs.schema().apply(Tables.SAMPLE).dataType();
        if (!(id instanceof IntegralType)) throw new MalformedInput(source, "column id must be an integer, not " + id.simpleString());
        if (!(sample instanceof ArrayType array && array.elementType() instanceof IntegralType)) {
            throw new MalformedInput(source, "column sample must be an array of integers, not " + sample.simpleString());
        }
        return inputs.select(col(Tables.ID).cast(DataTypes.LongType).as(Tables.ID),
                col(Tables.SAMPLE).cast(DataTypes.createArrayType(DataTypes.LongType)).as(Tables.SAMPLE));
    }

    /**
     * MalformedInput naming {@code source} and, where it has one, the sample's id, unless there are rows, every row
     * has an id and a sample, no sample holds a null, and the ids are unique: the grouping needs a total order, and a
     * null inside a sample cannot be proven. The samples' width and range are checked batch by batch, against the
     * model ({@link #collect}).
     */
    public static void requireUniqueIds(Dataset<Row> inputs, String source) {
        if (inputs.isEmpty()) throw new MalformedInput(source, "has no rows; there is nothing to prove or verify");
        if (!inputs.where(col(Tables.ID).isNull().or(col(Tables.SAMPLE).isNull())).limit(1).isEmpty()) {
            throw new MalformedInput(source, "has a row whose id or sample is null");
        }
        List<Row> withNull = inputs.where(exists(col(Tables.SAMPLE), Column::isNull)).select(Tables.ID).orderBy(Tables.ID).limit(1).collectAsList();
        if (!withNull.isEmpty()) throw new MalformedInput(source, "the sample of id " + withNull.get(0).getLong(0) + " holds a null value");
        List<Row> duplicate = inputs.groupBy(Tables.ID).count().where(col("count").gt(1)).limit(1).collectAsList();
        if (!duplicate.isEmpty()) {
            throw new MalformedInput(source, "has " + duplicate.get(0).getLong(1) + " rows with id " + duplicate.get(0).getLong(0)
                    + "; ids must be unique");
        }
    }

    /**
     * Every input row with its batch id (columns batch_id, id, sample); {@code inputs} as {@link #normalize} returns
     * them. Only the ids are sorted and numbered (zipWithIndex numbers the rows of the sorted ids in their global order,
     * whatever the partitions); the id-to-batch table, 16 bytes a sample, is joined back to the samples, as a broadcast
     * while it is under Spark's broadcast threshold, so the samples themselves cross the network once, when they are
     * grouped into batches.
     */
    public static Dataset<Row> assign(Dataset<Row> inputs, int batchSize) {
        JavaRDD<Row> batchOfId = inputs.select(Tables.ID).orderBy(Tables.ID).javaRDD().zipWithIndex()
                .map(indexed -> Tables.row(BATCH_OF_ID, indexed._1().getLong(0), indexed._2() / batchSize));
        return inputs.join(inputs.sparkSession().createDataFrame(batchOfId, BATCH_OF_ID), Tables.ID)
                .select(Tables.BATCH_ID, Tables.ID, Tables.SAMPLE);
    }

    private static final StructType BATCH_OF_ID = new StructType()
            .add(Tables.ID, DataTypes.LongType, false)
            .add(Tables.BATCH_ID, DataTypes.LongType, false);

    /** One batch's samples in the order its proof binds them: ascending id. */
    public record Batch(long[] ids, long[][] samples) {
    }

    /**
     * Collects one batch's rows (batch_id, id, sample, as {@link #assign} gives them) and sorts them by id.
     * MalformedInput naming the sample's id (not its place in the batch, which the user cannot see) unless each sample
     * is what {@code model} takes: its width, no null, every value in the model's input range.
     */
    public static Batch collect(Iterator<Row> rows, Model model) {
        List<Row> list = new ArrayList<>();
        rows.forEachRemaining(list::add);
        list.sort(Comparator.comparingLong(row -> row.getLong(1)));
        long[] ids = new long[list.size()];
        long[][] samples = new long[list.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = list.get(i).getLong(1);
            samples[i] = sample(ids[i], list.get(i).getList(2), model);
        }
        return new Batch(ids, samples);
    }

    /** The sample of this id unboxed, no value null, then checked as the engine checks any input ({@link InputBatch#requireSample}). */
    private static long[] sample(long id, List<Long> values, Model model) {
        long[] sample = new long[values.size()];
        for (int i = 0; i < sample.length; i++) {
            Long value = values.get(i);
            if (value == null) throw new MalformedInput("input", "sample id " + id + " value " + i + " is null");
            sample[i] = value;
        }
        InputBatch.requireSample(model, sample, "sample id " + id);
        return sample;
    }

    /** A Spark array of bigint as a Java array. */
    public static long[] longs(List<Long> values) {
        long[] array = new long[values.size()];
        for (int i = 0; i < array.length; i++) array[i] = values.get(i);
        return array;
    }

    /** A column of type array<bigint> of {@code row}. */
    public static long[] longs(Row row, String column) {
        return longs(row.<Long>getList(row.fieldIndex(column)));
    }

    /** A column of type array<array<bigint>> of {@code row}: Spark hands the inner arrays over as Scala sequences. */
    public static long[][] longRows(Row row, String column) {
        List<scala.collection.Seq<Long>> rows = row.getList(row.fieldIndex(column));
        long[][] values = new long[rows.size()][];
        for (int i = 0; i < values.length; i++) values[i] = longs(scala.jdk.javaapi.CollectionConverters.asJava(rows.get(i)));
        return values;
    }
}
