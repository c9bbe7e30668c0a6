package org.safetynets.service;

import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.ipc.SeekableReadChannel;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.cli.Main;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.proof.Prover;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arrow IPC files (.arrow) as input batches and outputs: written and read back with Arrow Java, refused with a
 * MalformedInput naming the file when malformed, and used end to end by prove, verify and client.
 */
class ArrowTensorFormatTest {
    private static final Model MODEL = TestHost.DEMO;
    private static final int WIDTH = MODEL.input().size();
    private static final ArrowTensorFormat FORMAT = new ArrowTensorFormat();

    @TempDir
    Path dir;

    @Test
    void inputsRoundTripInOneOrSeveralRecordBatches() throws Exception {
        long[][] inputs = DemoNetwork.inputs(3, 5);
        byte[] file = FORMAT.writeOutputs(inputs); // the same columns whatever the rows are
        assertArrayEquals(inputs, FORMAT.readInputs(file, "x.arrow", MODEL, Limits.DEFAULTS));
        // pyarrow and Polars may split a table into several record batches: the rows are concatenated in order.
        byte[] twoBatches;
        try (BufferAllocator allocator = new RootAllocator();
             VectorSchemaRoot root = ArrowBatches.write(allocator, WIDTH, Arrays.copyOfRange(inputs, 0, 2))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(out))) {
                writer.start();
                writer.writeBatch();
                ArrowBatches.fill(root, WIDTH, Arrays.copyOfRange(inputs, 2, 5));
                writer.writeBatch();
                writer.end();
            }
            twoBatches = out.toByteArray();
        }
        assertArrayEquals(inputs, FORMAT.readInputs(twoBatches, "x.arrow", MODEL, Limits.DEFAULTS));
        MalformedInput tooMany = assertThrows(MalformedInput.class,
                () -> FORMAT.readInputs(twoBatches, "x.arrow", MODEL, Limits.DEFAULTS.withMaxBatch(4)));
        assertTrue(tooMany.getMessage().contains("--max-batch"), tooMany.getMessage());
    }

    @Test
    void verifiedOutputsCarryTheModelAndScale() throws Exception {
        long[][] outputs = {{1, -2, 3}, {Long.MAX_VALUE, Long.MIN_VALUE, 0}};
        byte[] file = FORMAT.writeVerifiedOutputs(MODEL, outputs);
        assertArrayEquals(outputs, FORMAT.readOutputs(file, "v.arrow", 3, 10));
        try (BufferAllocator allocator = new RootAllocator();
             ArrowFileReader reader = new ArrowFileReader(new SeekableReadChannel(new ByteArrayReadableSeekableByteChannel(file)), allocator)) {
            var metadata = reader.getVectorSchemaRoot().getSchema().getCustomMetadata();
            assertEquals("true", metadata.get(ArrowTensorFormat.VERIFIED));
            assertEquals(ModelRegistry.digest(MODEL), metadata.get(ArrowTensorFormat.MODEL));
            assertEquals(MODEL.outputScale(), Double.parseDouble(metadata.get(ArrowTensorFormat.OUTPUT_SCALE)));
        }
    }

    @Test
    void malformedFilesAreRefusedNamingTheFile() throws Exception {
        refused(ipc(allocator -> ServiceRobustnessTest.list(allocator, new ArrowType.Int(32, true), WIDTH, false)), "Int64");
        refused(ipc(allocator -> ServiceRobustnessTest.list(allocator, new ArrowType.Int(64, true), WIDTH - 1, false)), "the model takes " + WIDTH);
        refused(ipc(allocator -> ServiceRobustnessTest.list(allocator, new ArrowType.Int(64, true), WIDTH, true)), "null");
        refused("not an arrow file".getBytes(), "not a readable Arrow IPC file");
        byte[] good = FORMAT.writeOutputs(DemoNetwork.inputs(1, 2));
        refused(Arrays.copyOf(good, good.length - 20), "not a readable Arrow IPC file"); // truncated
        long[][] outOfRange = DemoNetwork.inputs(1, 2);
        outOfRange[1][7] = MODEL.inputMax() + 1;
        refused(FORMAT.writeOutputs(outOfRange), "input range");
    }

    /**
     * Every byte of a small file flipped three ways: each read gives rows or a MalformedInput naming the file, never
     * another exception or an Error. A flipped buffer length used to make Arrow allocate 2^55 bytes (an
     * OutOfMemoryError); the allocator is now bounded, and such a file says so.
     */
    @Test
    void everyFlippedByteIsReadOrRefusedInOneLine() {
        byte[] good = FORMAT.writeOutputs(new long[][] {{0, 1}, {1, 1}, {1, 0}});
        int tooLarge = 0;
        for (int at = 0; at < good.length; at++) {
            for (int mask : new int[] {0x01, 0x80, 0xff}) {
                byte[] flipped = good.clone();
                flipped[at] ^= (byte) mask;
                try {
                    ArrowTensorFormat.read(flipped, "f.arrow", 2, 100, "allowed (--max-batch)");
                } catch (MalformedInput e) {
                    assertTrue(e.getMessage().startsWith("f.arrow"), e.getMessage());
                    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
                    if (e.getMessage().contains("declares buffers larger than the file")) tooLarge++;
                }
            }
        }
        assertTrue(tooLarge > 0, "no flip declared an oversized buffer");
    }

    /**
     * A schema whose FixedSizeList width is flipped to 10^8 is refused from the schema, before a batch is loaded:
     * Arrow used to allocate gigabytes for the batch first.
     */
    @Test
    void aHostileWidthIsRefusedBeforeAnyBatchIsLoaded() {
        int width = 0x1F3; // four bytes (f3 01 00 00) that occur only in the two copies of the schema: the values are 0
        byte[] file = FORMAT.writeOutputs(new long[2][width]);
        byte[] wide = file.clone();
        int copies = 0;
        for (int at = 0; at + 4 <= wide.length; at++) {
            if (wide[at] == (byte) 0xf3 && wide[at + 1] == 0x01 && wide[at + 2] == 0 && wide[at + 3] == 0) {
                wide[at + 3] = 0x06; // width 0x060001F3 = 100,663,795
                copies++;
            }
        }
        assertEquals(2, copies);
        MalformedInput e = assertThrows(MalformedInput.class, () -> ArrowTensorFormat.read(wide, "wide.arrow", width, 100, "allowed (--max-batch)"));
        assertEquals("wide.arrow: each sample has 100663795 values; the model takes " + width, e.getMessage());
        e = assertThrows(MalformedInput.class, () -> ArrowTensorFormat.read(file, "narrow.arrow", width - 1, 100, "allowed (--max-batch)"));
        assertEquals("narrow.arrow: each sample has " + width + " values; the model takes " + (width - 1), e.getMessage());
    }

    /** More rows in a claimed outputs file than the proof establishes: the bound named is the proof's, not --max-batch. */
    @Test
    void outputsBeyondTheProofsBatchNameTheProof() {
        byte[] four = FORMAT.writeOutputs(new long[][] {{1}, {2}, {3}, {4}});
        MalformedInput e = assertThrows(MalformedInput.class, () -> FORMAT.readOutputs(four, "o.arrow", 1, 3));
        assertEquals("o.arrow: holds more than the 3 samples the proof establishes", e.getMessage());
    }

    /** LZ4_FRAME (pyarrow.feather.write_feather's default) and ZSTD compressed files, as Arrow Java writes them. */
    @Test
    void compressedFilesAreRead() throws Exception {
        long[][] inputs = DemoNetwork.inputs(4, 3);
        for (CompressionUtil.CodecType codec : new CompressionUtil.CodecType[] {CompressionUtil.CodecType.LZ4_FRAME, CompressionUtil.CodecType.ZSTD}) {
            byte[] file = compressed(inputs, codec);
            assertTrue(file.length < inputs.length * WIDTH * Long.BYTES, codec + ": " + file.length + " bytes"); // really compressed
            assertArrayEquals(inputs, FORMAT.readInputs(file, "c.arrow", MODEL, Limits.DEFAULTS), codec.toString());
        }
    }

    /**
     * A compressed buffer that declares 256 MiB decoded, far beyond what 8 samples need: refused before Arrow's LZ4
     * codec sizes a heap array from the declared length.
     */
    @Test
    void aCompressedBufferDeclaringMoreThanTheSamplesNeedIsRefused() throws Exception {
        long[][] inputs = DemoNetwork.inputs(4, 3);
        byte[] file = compressed(inputs, CompressionUtil.CodecType.LZ4_FRAME);
        long decoded = (long) inputs.length * WIDTH * Long.BYTES; // the values buffer's declared decoded length
        int patched = 0;
        for (int at = 0; at + 8 <= file.length; at++) {
            if (java.nio.ByteBuffer.wrap(file, at, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong() == decoded) {
                java.nio.ByteBuffer.wrap(file, at, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(1L << 28);
                patched++;
            }
        }
        assertEquals(1, patched);
        MalformedInput e = assertThrows(MalformedInput.class, () -> FORMAT.readInputs(file, "z.arrow", MODEL, Limits.DEFAULTS.withMaxBatch(8)));
        assertTrue(e.getMessage().startsWith("z.arrow: declares buffers larger than the file"), e.getMessage());
    }

    private static byte[] compressed(long[][] rows, CompressionUtil.CodecType codec) throws Exception {
        try (BufferAllocator allocator = new RootAllocator(); VectorSchemaRoot root = ArrowBatches.write(allocator, WIDTH, rows)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(out), null, IpcOption.DEFAULT,
                    CommonsCompressionFactory.INSTANCE, codec)) {
                writer.start();
                writer.writeBatch();
                writer.end();
            }
            return out.toByteArray();
        }
    }

    /**
     * A claimed outputs file holds exactly the verified outputs: safetynets.* metadata, wherever an Arrow reader
     * finds it (schema, field, footer), must be the model's digest and output scale as verify writes them.
     */
    @Test
    void claimedOutputsMetadataMustBeTheVerifiedOnes() throws Exception {
        long[][] outputs = {{1, 2, 3}};
        assertEquals(null, FORMAT.metadataDifference(FORMAT.writeOutputs(outputs), "p.arrow", MODEL)); // prove's: none
        byte[] verified = FORMAT.writeVerifiedOutputs(MODEL, outputs);
        assertEquals(null, FORMAT.metadataDifference(verified, "v.arrow", MODEL));
        Map<String, String> honest;
        try (BufferAllocator allocator = new RootAllocator();
             ArrowFileReader reader = new ArrowFileReader(new SeekableReadChannel(new ByteArrayReadableSeekableByteChannel(verified)), allocator)) {
            honest = reader.getVectorSchemaRoot().getSchema().getCustomMetadata();
        }
        assertEquals(null, FORMAT.metadataDifference(ArrowTensorFormat.write(outputs, with(honest, ArrowTensorFormat.VERIFIED, "false")), "f.arrow", MODEL));

        metadataRefused(with(honest, ArrowTensorFormat.MODEL, "sha256:deadbeef"), "safetynets.model claims 'sha256:deadbeef'; the verified outputs have "
                + ModelRegistry.digest(MODEL));
        metadataRefused(Map.of(ArrowTensorFormat.OUTPUT_SCALE, "0.001"), "safetynets.output_scale claims '0.001'");
        metadataRefused(Map.of(ArrowTensorFormat.OUTPUT_SCALE, Double.toString(MODEL.outputScale()) + "0"), "safetynets.output_scale"); // not as written
        metadataRefused(Map.of(ArrowTensorFormat.VERIFIED, "yes"), "safetynets.verified claims 'yes'");
        metadataRefused(Map.of("safetynets.argmax", "[0]"), "a key 'safetynets.argmax'");

        // In a field's metadata or the footer's, where some readers look.
        Field value = new Field("value", FieldType.notNullable(new ArrowType.Int(64, true)), null);
        Field sample = new Field(ArrowBatches.COLUMN, new FieldType(false, new ArrowType.FixedSizeList(3), null,
                Map.of(ArrowTensorFormat.MODEL, "sha256:00")), List.of(value));
        byte[] inField;
        byte[] inFooter;
        try (BufferAllocator allocator = new RootAllocator();
             VectorSchemaRoot root = ArrowBatches.write(allocator, new Schema(List.of(sample)), outputs)) {
            inField = ipc(root, null);
        }
        try (BufferAllocator allocator = new RootAllocator(); VectorSchemaRoot root = ArrowBatches.write(allocator, 3, outputs)) {
            inFooter = ipc(root, Map.of(ArrowTensorFormat.OUTPUT_SCALE, "1e9"));
        }
        assertArrayEquals(outputs, FORMAT.readOutputs(inField, "m.arrow", 3, 1));
        assertTrue(FORMAT.metadataDifference(inField, "m.arrow", MODEL).startsWith("m.arrow metadata safetynets.model claims 'sha256:00'"));
        assertTrue(FORMAT.metadataDifference(inFooter, "m.arrow", MODEL).startsWith("m.arrow metadata safetynets.output_scale claims '1e9'"));
    }

    private static Map<String, String> with(Map<String, String> metadata, String key, String value) {
        Map<String, String> changed = new java.util.HashMap<>(metadata);
        changed.put(key, value);
        return changed;
    }

    private static void metadataRefused(Map<String, String> metadata, String reason) {
        String difference = FORMAT.metadataDifference(ArrowTensorFormat.write(new long[][] {{1, 2, 3}}, metadata), "m.arrow", MODEL);
        assertTrue(difference != null && difference.startsWith("m.arrow metadata ") && difference.contains(reason), difference);
    }

    private static byte[] ipc(VectorSchemaRoot root, Map<String, String> footer) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(out), footer)) {
            writer.start();
            writer.writeBatch();
            writer.end();
        }
        return out.toByteArray();
    }

    private static void refused(byte[] file, String reason) {
        MalformedInput e = assertThrows(MalformedInput.class, () -> FORMAT.readInputs(file, "bad.arrow", MODEL, Limits.DEFAULTS));
        assertTrue(e.getMessage().startsWith("bad.arrow"), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private static byte[] ipc(Function<BufferAllocator, VectorSchemaRoot> batch) throws Exception {
        try (BufferAllocator allocator = new RootAllocator(); VectorSchemaRoot root = batch.apply(allocator)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(out))) {
                writer.start();
                writer.writeBatch();
                writer.end();
            }
            return out.toByteArray();
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** prove, verify and client with .arrow inputs and outputs, through the CLI as bin/safetynets runs it with Arrow. */
    @Test
    void proveVerifyAndClientReadAndWriteArrowFiles() throws Exception {
        long[][] inputs = DemoNetwork.inputs(9, 3);
        long[][] expected;
        try (Backend backend = Backends.open("cpu", 1, reason -> { })) {
            expected = Prover.infer(MODEL, inputs, backend);
        }
        Path model = dir.resolve("model.snm");
        Files.write(model, ModelCodec.encode(MODEL));
        Path input = dir.resolve("input.arrow");
        Files.write(input, FORMAT.writeOutputs(inputs));
        Path proof = dir.resolve("proof.bin");
        Path claimed = dir.resolve("claimed.arrow");
        Run prove = cli("prove", "-M", model.toString(), "-D", input.toString(), "-O", proof.toString(), "--outputs", claimed.toString(), "--backend", "cpu");
        assertEquals(0, prove.exit(), prove.out() + prove.err());
        assertArrayEquals(expected, FORMAT.readOutputs(Files.readAllBytes(claimed), "claimed.arrow", expected[0].length, 3));

        Path verified = dir.resolve("verified.arrow");
        Run verify = cli("verify", "-M", model.toString(), "-D", input.toString(), "-P", proof.toString(), "--expect", claimed.toString(),
                "--outputs", verified.toString());
        assertEquals(0, verify.exit(), verify.out() + verify.err());
        assertArrayEquals(expected, FORMAT.readOutputs(Files.readAllBytes(verified), "verified.arrow", expected[0].length, 3));

        // verify's own verified file is exactly the verified outputs; one claiming another model is not.
        Run again = cli("verify", "-M", model.toString(), "-D", input.toString(), "-P", proof.toString(), "--expect", verified.toString());
        assertEquals(0, again.exit(), again.out() + again.err());
        Path otherModel = dir.resolve("other-model.arrow");
        Files.write(otherModel, ArrowTensorFormat.write(expected, Map.of(ArrowTensorFormat.VERIFIED, "true", ArrowTensorFormat.MODEL, "sha256:deadbeef")));
        Run lie = cli("verify", "-M", model.toString(), "-D", input.toString(), "-P", proof.toString(), "--expect", otherModel.toString());
        assertEquals(1, lie.exit(), lie.out() + lie.err());
        assertEquals("REJECT: " + otherModel + " metadata safetynets.model claims 'sha256:deadbeef'; the verified outputs have "
                + ModelRegistry.digest(MODEL), lie.out().strip());

        // A host's claimed outputs that are not the proven ones: REJECT, and no verified file.
        long[][] changed = Arrays.stream(expected).map(long[]::clone).toArray(long[][]::new);
        changed[2][1] += 1;
        Files.write(claimed, FORMAT.writeOutputs(changed));
        Path never = dir.resolve("never.arrow");
        Run reject = cli("verify", "-M", model.toString(), "-D", input.toString(), "-P", proof.toString(), "--expect", claimed.toString(),
                "--outputs", never.toString());
        assertEquals(1, reject.exit(), reject.out() + reject.err());
        assertTrue(reject.out().startsWith("REJECT: ") && reject.out().contains("sample 2 output 1"), reject.out());
        assertTrue(Files.notExists(never));

        // A malformed .arrow input: one line, exit 2.
        Path bad = dir.resolve("bad.arrow");
        Files.writeString(bad, "{\"input_data\": [[0]]}");
        Run malformed = cli("prove", "-M", model.toString(), "-D", bad.toString(), "-O", dir.resolve("p2.bin").toString(), "--backend", "cpu");
        assertEquals(2, malformed.exit(), malformed.out() + malformed.err());
        assertTrue(malformed.err().startsWith("error: " + bad + ": is not a readable Arrow IPC file"), malformed.err());
        assertEquals(1, malformed.err().strip().lines().count(), malformed.err());

        try (TestHost host = TestHost.honest()) {
            Path clientOutputs = dir.resolve("client.arrow");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = ServiceMain.execute(new PrintWriter(out), new PrintWriter(err), "client", "interactive", "--server", host.address(),
                    "-M", model.toString(), "-D", input.toString(), "--outputs", clientOutputs.toString());
            assertEquals(0, exit, out + " " + err);
            assertArrayEquals(expected, FORMAT.readOutputs(Files.readAllBytes(clientOutputs), "client.arrow", expected[0].length, 3));
        }
    }
}
