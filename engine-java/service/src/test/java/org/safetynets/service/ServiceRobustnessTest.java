package org.safetynets.service;

import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.safetynets.Limits;
import org.safetynets.model.DemoNetwork;
import org.safetynets.proof.ProverMemory;
import org.safetynets.proof.Verdict;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Authentication, malformed and out-of-order messages, limits, backpressure, timeouts, vanishing clients, shutdown. */
class ServiceRobustnessTest {
    private static final int WIDTH = DemoNetwork.INPUT.size();
    private static final long[][] INPUTS = DemoNetwork.inputs(11, 2);

    @Test
    void callsWithoutTheTokenAreRefused() throws Exception {
        try (TestHost host = new TestHost("s3cret-token", 4, Duration.ofSeconds(30))) {
            ProverClient.Options base = ProverClient.Options.DEFAULTS.withTimeout(Duration.ofSeconds(30));
            try (ProverClient none = ProverClient.connect(host.address(), base)) {
                assertStatus(FlightStatusCode.UNAUTHENTICATED, () -> none.models());
                assertStatus(FlightStatusCode.UNAUTHENTICATED, () -> none.prove(TestHost.DEMO, INPUTS));
            }
            try (ProverClient wrong = ProverClient.connect(host.address(), base.withToken("s3cret-tokem"))) {
                assertStatus(FlightStatusCode.UNAUTHENTICATED, () -> wrong.interactive(TestHost.DEMO, INPUTS));
            }
            try (ProverClient right = ProverClient.connect(host.address(), base.withToken("s3cret-token"))) {
                assertTrue(right.prove(TestHost.DEMO, INPUTS).verdict().accepted());
                assertTrue(right.interactive(TestHost.DEMO, INPUTS).accepted());
            }
        }
    }

    @Test
    void malformedRequestsEndTheirSessionAndTheHostServesOthers() throws Exception {
        try (TestHost host = TestHost.honest(); BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build()) {
            String prove = "{\"mode\": \"prove\", \"model\": \"demo\"}";
            refused(raw, allocator, prove, a -> list(a, new ArrowType.Int(64, true), WIDTH - 1, false), "each sample has 783 values");
            refused(raw, allocator, prove, a -> list(a, new ArrowType.Int(32, true), WIDTH, false), "expected Int64");
            refused(raw, allocator, prove, ServiceRobustnessTest::doubles, "expected FixedSizeList");
            refused(raw, allocator, prove, a -> list(a, new ArrowType.Int(64, true), WIDTH, true), "null");
            refused(raw, allocator, "{\"mode\": \"prove\", \"model\": \"nope\"}", a -> ArrowBatches.write(a, WIDTH, INPUTS), "no model 'nope'");
            refused(raw, allocator, "{\"mode\": \"fast\", \"model\": \"demo\"}", a -> ArrowBatches.write(a, WIDTH, INPUTS), "\"mode\"");
            refused(raw, allocator, "not json", a -> ArrowBatches.write(a, WIDTH, INPUTS), "not JSON");
            long[][] outOfRange = {INPUTS[0].clone()};
            outOfRange[0][5] = 99;
            refused(raw, allocator, prove, a -> ArrowBatches.write(a, WIDTH, outOfRange), "");
            try (ProverClient client = host.client()) {
                assertTrue(client.prove(TestHost.DEMO, INPUTS).verdict().accepted());
            }
            assertEquals(0, allocator.getAllocatedMemory());
        }
    }

    @Test
    void batchesOverTheLimitAreRefusedFromTheirRowCount() throws Exception {
        try (TestHost host = new TestHost(null, 4, Duration.ofSeconds(30), Limits.DEFAULTS.withMaxBatch(2));
             BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build()) {
            refused(raw, allocator, "{\"mode\": \"prove\", \"model\": \"demo\"}", a -> ArrowBatches.write(a, WIDTH, DemoNetwork.inputs(1, 3)), "--max-batch");
        }
    }

    @Test
    void outOfOrderAndMalformedChallengesEndTheirSession() throws Exception {
        try (TestHost host = TestHost.honest(); BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build()) {
            for (Frame bad : List.of(Frame.words(Frame.Kind.CHALLENGE, "sumcheck.round", new long[] {1, 2}),
                    Frame.words(Frame.Kind.CHALLENGE, "output.point", new long[] {-1, 2}),
                    Frame.words(Frame.Kind.CHALLENGE, "output.point", new long[] {1}),
                    new Frame(Frame.Kind.PROOF_CHUNK, "", new byte[] {1, 2, 3}))) {
                try (FlightClient.ExchangeReaderWriter exchange = raw.doExchange(command("{\"mode\": \"interactive\", \"model\": \"demo\"}"));
                     VectorSchemaRoot input = ArrowBatches.write(allocator, WIDTH, INPUTS)) {
                    exchange.getWriter().start(input);
                    exchange.getWriter().putNext();
                    assertTrue(exchange.getReader().next()); // the outputs
                    exchange.getWriter().putMetadata(bad.toBuffer(allocator));
                    FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> {
                        while (exchange.getReader().next()) {
                            // nothing more should come
                        }
                    });
                    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
                }
            }
            try (ProverClient client = host.client()) {
                assertTrue(client.interactive(TestHost.DEMO, INPUTS).accepted());
            }
        }
    }

    @Test
    void aFullHostRefusesAtOnceAndATimedOutSessionFreesItsSlot() throws Exception {
        try (TestHost host = new TestHost(null, 1, Duration.ofSeconds(2));
             BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build();
             ProverClient client = host.client()) {
            try (FlightClient.ExchangeReaderWriter stalled = raw.doExchange(command("{\"mode\": \"interactive\", \"model\": \"demo\"}"));
                 VectorSchemaRoot input = ArrowBatches.write(allocator, WIDTH, INPUTS)) {
                stalled.getWriter().start(input);
                stalled.getWriter().putNext();
                assertTrue(stalled.getReader().next()); // the outputs; the host now waits for a challenge that never comes
                long start = System.nanoTime();
                assertStatus(FlightStatusCode.RESOURCE_EXHAUSTED, () -> client.prove(TestHost.DEMO, INPUTS));
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "the refusal waited");
                FlightRuntimeException timedOut = assertThrows(FlightRuntimeException.class, () -> stalled.getReader().next());
                assertEquals(FlightStatusCode.TIMED_OUT, timedOut.status().code());
            }
            host.awaitIdle();
            assertTrue(client.prove(TestHost.DEMO, INPUTS).verdict().accepted());
        }
    }

    @Test
    void aClientThatDisappearsFreesItsSession() throws Exception {
        try (TestHost host = new TestHost(null, 1, Duration.ofSeconds(60))) {
            try (BufferAllocator allocator = new RootAllocator();
                 FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build();
                 VectorSchemaRoot input = ArrowBatches.write(allocator, WIDTH, INPUTS)) {
                FlightClient.ExchangeReaderWriter exchange = startInteractive(raw, input);
                assertEquals(1, host.server.runningSessions());
                exchange.getReader().cancel("gone", null); // the client goes away mid-exchange
                exchange.close();
            }
            host.awaitIdle(); // long before the 60 s timeout
            try (ProverClient client = host.client()) {
                assertTrue(client.interactive(TestHost.DEMO, INPUTS).accepted());
            }
            assertTrue(host.log.stream().anyMatch(line -> line.contains("client went away") || line.contains("none (the client")), host.log.toString());
        }
    }

    @Test
    void eightClientsAtOnceGetVerifiedAnswers() throws Exception {
        try (TestHost host = TestHost.honest()) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Verdict>> verdicts = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    long[][] inputs = DemoNetwork.inputs(100 + i, 1 + i % 3);
                    boolean interactive = i % 2 == 0;
                    verdicts.add(pool.submit(() -> {
                        try (ProverClient client = host.client()) {
                            start.await();
                            return interactive ? client.interactive(TestHost.DEMO, inputs) : client.prove(TestHost.DEMO, inputs).verdict();
                        }
                    }));
                }
                start.countDown();
                for (int i = 0; i < 8; i++) {
                    Verdict verdict = verdicts.get(i).get(60, TimeUnit.SECONDS);
                    Verdict.Accepted accepted = assertInstanceOf(Verdict.Accepted.class, verdict, String.valueOf(verdict));
                    assertEquals(1 + i % 3, accepted.outputs().length);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void shutdownStopsARunningSessionAndFreesEverything() throws Exception {
        TestHost host = new TestHost(null, 2, Duration.ofSeconds(60));
        try (BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build();
             FlightClient.ExchangeReaderWriter stalled = raw.doExchange(command("{\"mode\": \"interactive\", \"model\": \"demo\"}"));
             VectorSchemaRoot input = ArrowBatches.write(allocator, WIDTH, INPUTS)) {
            stalled.getWriter().start(input);
            stalled.getWriter().putNext();
            assertTrue(stalled.getReader().next());
            long start = System.nanoTime();
            host.server.close(); // grace 2 s, then the session is stopped; the allocator must be empty or close throws
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20));
            assertEquals(0, host.server.runningSessions());
            FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> stalled.getReader().next());
            assertTrue(e.status().code() == FlightStatusCode.UNAVAILABLE || e.status().code() == FlightStatusCode.CANCELLED, e.toString());
        }
        assertTrue(host.log.stream().anyMatch(line -> line.contains("shutting down")), host.log.toString());
    }

    /** A proof-file request for a batch large enough that its proof runs for a while (seconds here), left running. */
    private static FlightClient.ExchangeReaderWriter startLongProof(FlightClient raw, BufferAllocator allocator, TestHost host) throws Exception {
        FlightClient.ExchangeReaderWriter exchange = raw.doExchange(command("{\"mode\": \"prove\", \"model\": \"demo\"}"));
        try (VectorSchemaRoot input = ArrowBatches.write(allocator, WIDTH, DemoNetwork.inputs(13, 2048))) {
            exchange.getWriter().start(input);
            exchange.getWriter().putNext();
            exchange.getWriter().completed();
        }
        for (int i = 0; i < 1200 && host.server.provingSessions() == 0; i++) Thread.sleep(25);
        assertEquals(1, host.server.provingSessions(), "the proof did not start: " + host.log);
        return exchange;
    }

    @Test
    void aClientThatCancelsStopsItsRunningProof() throws Exception {
        try (TestHost host = TestHost.honest();
             BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build()) {
            FlightClient.ExchangeReaderWriter exchange = startLongProof(raw, allocator, host);
            exchange.getReader().cancel("the client gives up", null);
            exchange.close();
            host.awaitIdle();
            // Abandoned at a cancellation point (after inference or a layer), not proved to the end and then dropped.
            assertTrue(host.log.stream().anyMatch(line -> line.contains("result=cancelled by the client; proof abandoned after")), host.log.toString());
            try (ProverClient client = host.client()) {
                assertTrue(client.prove(TestHost.DEMO, INPUTS).verdict().accepted());
            }
        }
    }

    @Test
    void shutdownStopsARunningProof() throws Exception {
        TestHost host = new TestHost(TestHost.plaintext(null), new ProverHost.Settings(2, Duration.ofSeconds(60), Duration.ZERO, Limits.DEFAULTS,
                TestHost.MEMORY));
        try (BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build()) {
            FlightClient.ExchangeReaderWriter exchange = startLongProof(raw, allocator, host);
            host.server.close(); // no grace: the running proof is stopped at its next cancellation point
            assertEquals(0, host.server.runningSessions());
            FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> exchange.getReader().next());
            assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code(), e.toString());
            exchange.close();
        }
        assertTrue(host.log.stream().anyMatch(line -> line.contains("result=stopped: the host is shutting down; proof abandoned after")), host.log.toString());
    }

    @Test
    void requestsBeyondTheMemoryBudgetAreRefused() throws Exception {
        long small = ProverMemory.of(TestHost.DEMO, INPUTS.length).bytes();
        // Room for one session of INPUTS at a time, not two, and never for a batch of `over`.
        long budget = small + small / 2;
        int over = INPUTS.length + 1;
        while (ProverMemory.of(TestHost.DEMO, over).bytes() <= budget) over++;
        int batch = over;
        try (TestHost host = new TestHost(TestHost.plaintext(null), new ProverHost.Settings(4, Duration.ofSeconds(30), Duration.ofSeconds(2),
                Limits.DEFAULTS, budget))) {
            try (ProverClient client = host.client()) {
                FlightRuntimeException never = assertThrows(FlightRuntimeException.class, () -> client.prove(TestHost.DEMO, DemoNetwork.inputs(1, batch)));
                assertEquals(FlightStatusCode.RESOURCE_EXHAUSTED, never.status().code(), never.getMessage());
                assertTrue(never.getMessage().contains("more than this host's --max-memory"), never.getMessage());
            }
            try (BufferAllocator allocator = new RootAllocator();
                 FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build();
                 VectorSchemaRoot input = ArrowBatches.write(allocator, WIDTH, INPUTS)) {
                FlightClient.ExchangeReaderWriter stalled = startInteractive(raw, input); // it holds its reservation, waiting for a challenge
                assertEquals(small, host.server.reservedBytes());
                try (ProverClient client = host.client()) {
                    FlightRuntimeException busy = assertThrows(FlightRuntimeException.class, () -> client.prove(TestHost.DEMO, INPUTS));
                    assertEquals(FlightStatusCode.RESOURCE_EXHAUSTED, busy.status().code(), busy.getMessage());
                    assertTrue(busy.getMessage().contains("memory is in use"), busy.getMessage());
                    stalled.getReader().cancel("done", null);
                    stalled.close();
                    host.awaitIdle();
                    assertEquals(0, host.server.reservedBytes());
                    assertTrue(client.prove(TestHost.DEMO, INPUTS).verdict().accepted());
                }
            }
            assertEquals(0, host.server.reservedBytes());
        }
    }

    @Test
    void inboundMessagesAreBoundedByTheLargestBatchTheHostCanAdmit() throws Exception {
        long budget = ProverMemory.of(TestHost.DEMO, 4).bytes();
        try (TestHost host = new TestHost(TestHost.plaintext(null), new ProverHost.Settings(4, Duration.ofSeconds(30), Duration.ofSeconds(2),
                Limits.DEFAULTS, budget));
             BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build()) {
            // --max-memory admits a batch of 4 and not much more; --max-batch alone (65536) would admit 400 MB messages.
            assertTrue(host.server.maxInboundBytes() >= ArrowBatches.messageBytes(WIDTH, 4));
            assertTrue(host.server.maxInboundBytes() < ArrowBatches.messageBytes(WIDTH, 64), String.valueOf(host.server.maxInboundBytes()));
            try (FlightClient.ExchangeReaderWriter exchange = raw.doExchange(command("{\"mode\": \"prove\", \"model\": \"demo\"}"));
                 VectorSchemaRoot root = ArrowBatches.write(allocator, WIDTH, DemoNetwork.inputs(1, 512))) {
                exchange.getWriter().start(root);
                exchange.getWriter().putNext();
                exchange.getWriter().completed();
                FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> exchange.getReader().next());
                assertEquals(FlightStatusCode.RESOURCE_EXHAUSTED, e.status().code(), e.getMessage());
            }
            assertEquals(0, host.server.allocatedBytes());
        }
        // --max-tensor-elements bounds the batch too, whatever the memory.
        Limits tensors = Limits.DEFAULTS.withMaxTensorElements(1 << 16);
        try (TestHost host = new TestHost(null, 2, Duration.ofSeconds(30), tensors)) {
            assertTrue(host.server.maxInboundBytes() < ArrowBatches.messageBytes(WIDTH, 256), String.valueOf(host.server.maxInboundBytes()));
        }
    }

    @Test
    void aFrameLargerThanAChallengeIsRefusedBeforeItIsRead() throws Exception {
        try (TestHost host = TestHost.honest(); BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build();
             VectorSchemaRoot input = ArrowBatches.write(allocator, WIDTH, INPUTS)) {
            FlightClient.ExchangeReaderWriter exchange = startInteractive(raw, input);
            exchange.getWriter().putMetadata(new Frame(Frame.Kind.CHALLENGE, "output.point", new byte[1 << 20]).toBuffer(allocator));
            FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> {
                while (exchange.getReader().next()) {
                    // nothing more should come
                }
            });
            assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
            assertTrue(e.getMessage().contains("a frame here can have"), e.getMessage());
            exchange.close();
        }
    }

    @Test
    void aMessageBeforeAnySchemaIsRefusedAtOnce() throws Exception {
        try (TestHost host = new TestHost(null, 1, Duration.ofSeconds(60)); BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build()) {
            FlightRuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                try (FlightClient.ExchangeReaderWriter exchange = raw.doExchange(command("{\"mode\": \"prove\", \"model\": \"demo\"}"))) {
                    exchange.getWriter().putMetadata(new Frame(Frame.Kind.BATCH_MESSAGE, "input", new byte[0]).toBuffer(allocator));
                    exchange.getWriter().completed();
                    return assertThrows(FlightRuntimeException.class, () -> exchange.getReader().next());
                }
            });
            assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
            assertTrue(e.getMessage().contains("schema"), e.getMessage());
            host.awaitIdle(); // the slot is free long before the 60 s timeout
        }
    }

    @Test
    void aSecondSchemaFromTheClientEndsItsSessionAtOnce() throws Exception {
        // Arrow loads what follows a second schema into a new root, unseen through getRoot(): the batch below would
        // pass for a challenge, and the host wait for the next one until its session timed out.
        try (TestHost host = new TestHost(null, 1, Duration.ofSeconds(60)); BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build();
             VectorSchemaRoot input = ArrowBatches.write(allocator, WIDTH, INPUTS);
             VectorSchemaRoot other = ArrowBatches.write(allocator, 3, new long[][] {{1, 2, 3}})) {
            for (boolean thenEnd : new boolean[] {false, true}) {
                FlightRuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                    FlightClient.ExchangeReaderWriter exchange = startInteractive(raw, input);
                    exchange.getWriter().start(other);
                    if (thenEnd) {
                        exchange.getWriter().completed(); // the input batch is still in the first root, which Arrow no longer frees
                    } else {
                        exchange.getWriter().putNext(Frame.words(Frame.Kind.CHALLENGE, "output.point", new long[] {1, 2}).toBuffer(allocator));
                    }
                    FlightRuntimeException thrown = assertThrows(FlightRuntimeException.class, () -> {
                        while (exchange.getReader().next()) {
                            // the host's messages up to the challenge
                        }
                    });
                    exchange.close();
                    return thrown;
                });
                assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
                assertTrue(e.getMessage().contains("second schema"), e.getMessage());
                host.awaitIdle(); // the slot is free long before the 60 s timeout
                assertEquals(0, host.server.allocatedBytes(), "after " + (thenEnd ? "a second schema and the end" : "a second schema and a batch"));
            }
        }
    }

    @Test
    void aVerdictBeforeTheProtocolFinishedIsMalformedNotTheClientsVerdict() throws Exception {
        try (TestHost host = TestHost.honest(); BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build();
             VectorSchemaRoot input = ArrowBatches.write(allocator, WIDTH, INPUTS)) {
            FlightClient.ExchangeReaderWriter exchange = startInteractive(raw, input); // the host waits for the first challenge
            exchange.getWriter().putMetadata(Frame.verdict("ACCEPT").toBuffer(allocator));
            exchange.getWriter().completed();
            FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> {
                while (exchange.getReader().next()) {
                    // nothing more should come
                }
            });
            exchange.close();
            assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
            assertTrue(e.getMessage().contains("before the protocol finished"), e.getMessage());
            host.awaitIdle();
            // A verifier stops early only to reject; an ACCEPT before the last challenge is logged as what it is.
            assertTrue(host.log.stream().noneMatch(line -> line.contains("client verdict")), host.log.toString());
            assertTrue(host.log.stream().anyMatch(line -> line.contains("result=refused: client: ") && line.contains("before the protocol finished")),
                    host.log.toString());
        }
    }

    @Test
    void anExchangeThatNamesAPathIsRefusedAsInvalid() throws Exception {
        try (TestHost host = TestHost.honest(); BufferAllocator allocator = new RootAllocator();
             FlightClient raw = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", host.server.port())).build();
             FlightClient.ExchangeReaderWriter exchange = raw.doExchange(FlightDescriptor.path("demo"));
             VectorSchemaRoot input = ArrowBatches.write(allocator, WIDTH, INPUTS)) {
            exchange.getWriter().start(input);
            exchange.getWriter().putNext();
            exchange.getWriter().completed();
            FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> exchange.getReader().next());
            assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
            assertTrue(e.getMessage().contains("names no request"), e.getMessage());
        }
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        Duration minute = Duration.ofMinutes(1);
        for (Duration timeout : List.of(Duration.ofSeconds(9_999_999_999_999_999L), Duration.ZERO, Duration.ofSeconds(-1))) {
            org.safetynets.MalformedInput e = assertThrows(org.safetynets.MalformedInput.class,
                    () -> new ProverHost.Settings(2, timeout, minute, Limits.DEFAULTS, TestHost.MEMORY));
            assertTrue(e.getMessage().contains("--session-timeout"), e.getMessage());
        }
        for (Duration grace : List.of(Duration.ofSeconds(-5), Duration.ofSeconds(Long.MAX_VALUE))) {
            org.safetynets.MalformedInput e = assertThrows(org.safetynets.MalformedInput.class,
                    () -> new ProverHost.Settings(2, minute, grace, Limits.DEFAULTS, TestHost.MEMORY));
            assertTrue(e.getMessage().contains("--shutdown-grace"), e.getMessage());
        }
    }

    // ---- helpers ----

    /** An interactive exchange of {@code input}, after the host's first message: the host now waits for a challenge. */
    private static FlightClient.ExchangeReaderWriter startInteractive(FlightClient raw, VectorSchemaRoot input) {
        FlightClient.ExchangeReaderWriter exchange = raw.doExchange(command("{\"mode\": \"interactive\", \"model\": \"demo\"}"));
        exchange.getWriter().start(input);
        exchange.getWriter().putNext();
        assertTrue(exchange.getReader().next());
        return exchange;
    }

    private static FlightDescriptor command(String json) {
        return FlightDescriptor.command(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void refused(FlightClient raw, BufferAllocator allocator, String request, Function<BufferAllocator, VectorSchemaRoot> batch,
                                String reason) throws Exception {
        try (FlightClient.ExchangeReaderWriter exchange = raw.doExchange(command(request)); VectorSchemaRoot root = batch.apply(allocator)) {
            exchange.getWriter().start(root);
            exchange.getWriter().putNext();
            exchange.getWriter().completed();
            FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> exchange.getReader().next());
            assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
            assertTrue(e.getMessage().contains(reason), e.getMessage());
        }
    }

    private static void assertStatus(FlightStatusCode code, Runnable call) {
        FlightRuntimeException e = assertThrows(FlightRuntimeException.class, call::run);
        assertEquals(code, e.status().code(), e.getMessage());
    }

    /** A FixedSizeList column of {@code width} values of {@code type}, two rows, the second null when {@code nullRow}. */
    static VectorSchemaRoot list(BufferAllocator allocator, ArrowType type, int width, boolean nullRow) {
        Field value = new Field("value", FieldType.nullable(type), null);
        Field sample = new Field("sample", FieldType.nullable(new ArrowType.FixedSizeList(width)), List.of(value));
        VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(List.of(sample)), allocator);
        FixedSizeListVector list = (FixedSizeListVector) root.getVector(0);
        list.allocateNew();
        var data = list.getDataVector();
        data.setInitialCapacity(2 * width);
        data.allocateNew();
        for (int i = 0; i < 2 * width; i++) {
            if (data instanceof BigIntVector longs) longs.setSafe(i, 1);
            else ((IntVector) data).setSafe(i, 1);
        }
        data.setValueCount(2 * width);
        list.setNotNull(0);
        if (nullRow) list.setNull(1);
        else list.setNotNull(1);
        list.setValueCount(2);
        root.setRowCount(2);
        return root;
    }

    private static VectorSchemaRoot doubles(BufferAllocator allocator) {
        Schema schema = new Schema(List.of(new Field("x", FieldType.notNullable(new ArrowType.FloatingPoint(org.apache.arrow.vector.types.FloatingPointPrecision.DOUBLE)), null)));
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        Float8Vector x = (Float8Vector) root.getVector(0);
        x.allocateNew(2);
        x.set(0, 1);
        x.set(1, 2);
        x.setValueCount(2);
        root.setRowCount(2);
        return root;
    }
}
