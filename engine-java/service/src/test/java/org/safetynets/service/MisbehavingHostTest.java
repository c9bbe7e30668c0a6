package org.safetynets.service;

import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import org.safetynets.model.DemoNetwork;
import org.safetynets.proof.Verdict;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hosts that break the exchange rather than the proof: a frame before any schema, a second schema, an error or a
 * stall after the last message, messages larger than any answer. The client ends every wait within its timeout, and
 * a verdict it has decided stands.
 */
class MisbehavingHostTest {
    private static final long[][] INPUTS = DemoNetwork.inputs(21, 2);
    private static final int OUTPUTS = TestHost.DEMO.output().size();

    @Test
    void aFrameBeforeAnySchemaIsARejectionNotAHang() throws Exception {
        try (BufferAllocator allocator = new RootAllocator();
             TestHost host = TestHost.behind(honest -> exchange((reader, writer) -> {
                 reader.next(); // the input batch
                 writer.putMetadata(new Frame(Frame.Kind.BATCH_MESSAGE, "outputs", new byte[0]).toBuffer(allocator));
                 writer.completed(); // and no schema, ever
             }))) {
            try (ProverClient client = host.client()) {
                Verdict proved = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> client.prove(TestHost.DEMO, INPUTS).verdict());
                assertRejected(proved, "without a schema");
                Verdict interactive = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> client.interactive(TestHost.DEMO, INPUTS));
                assertRejected(interactive, "without a schema");
            }
        }
    }

    @Test
    void aSecondSchemaLeaksNothingThatTurnsAVerdictIntoAnError() throws Exception {
        try (TestHost host = TestHost.behind(honest -> forwarding(honest, inner -> new ForwardingListener(inner) {
            private boolean again;

            @Override
            public void putNext(ArrowBuf metadata) {
                inner.putNext(metadata);
                if (!again) {
                    again = true;
                    inner.start(root); // a second schema, right after the outputs
                }
            }
        }))) {
            // A race in Arrow: the batch lands in the first root or the second. Either way a verdict, and a clean close.
            for (int i = 0; i < 6; i++) {
                ProverClient client = host.client();
                Verdict verdict = i % 2 == 0 ? client.interactive(TestHost.DEMO, INPUTS) : client.prove(TestHost.DEMO, INPUTS).verdict();
                assertTrue(verdict.accepted() || verdict instanceof Verdict.Rejected, String.valueOf(verdict));
                assertDoesNotThrow(client::close);
            }
        }
    }

    @Test
    void aVerdictStandsWhenTheHostEndsTheCallWithAnError() throws Exception {
        try (TestHost host = TestHost.behind(honest -> forwarding(honest, inner -> new ForwardingListener(inner) {
            @Override
            public void completed() {
                inner.error(CallStatus.INTERNAL.withDescription("host failed after the end").toRuntimeException());
            }
        })); ProverClient client = host.client()) {
            assertTrue(client.prove(TestHost.DEMO, INPUTS).verdict().accepted());
            assertTrue(client.interactive(TestHost.DEMO, INPUTS).accepted());
        }
        // A host caught cheating cannot turn its REJECT into "host error" by failing the call afterwards.
        try (TestHost host = TestHost.behind(honest -> forwarding(honest, inner -> new ForwardingListener(inner) {
            @Override
            public void putMetadata(ArrowBuf metadata) {
                Frame frame = Frame.read(metadata, "host");
                if (frame.kind() != Frame.Kind.EXTENSION_MESSAGE) {
                    inner.putMetadata(metadata);
                    return;
                }
                long[] words = frame.words("host");
                words[0] = words[0] == 0 ? 1 : words[0] - 1;
                BufferAllocator allocator = metadata.getReferenceManager().getAllocator();
                metadata.close();
                inner.putMetadata(Frame.words(frame.kind(), frame.label(), words).toBuffer(allocator));
            }

            @Override
            public void completed() {
                inner.error(CallStatus.INTERNAL.withDescription("host failed after the end").toRuntimeException());
            }
        })); ProverClient client = host.client()) {
            assertInstanceOf(Verdict.Rejected.class, client.interactive(TestHost.DEMO, INPUTS));
        }
    }

    @Test
    void aHostThatStallsAfterItsLastMessageDoesNotHoldTheVerdictUntilTheTimeout() throws Exception {
        try (TestHost host = TestHost.behind(honest -> forwarding(honest, inner -> new ForwardingListener(inner) {
            @Override
            public void completed() {
                // Keeps the call open until the client gives up on it (bounded, so the test host can close).
                for (int i = 0; i < 1200 && !inner.isCancelled(); i++) sleep(50);
                inner.completed();
            }
        })); ProverClient client = ProverClient.connect(host.address(), ProverClient.Options.DEFAULTS.withTimeout(Duration.ofSeconds(120)))) {
            long limit = ProverClient.END_WAIT.plusSeconds(10).toNanos();
            long start = System.nanoTime();
            assertTrue(client.prove(TestHost.DEMO, INPUTS).verdict().accepted());
            assertTrue(System.nanoTime() - start < limit, "prove waited " + (System.nanoTime() - start) / 1e9 + " s");
            start = System.nanoTime();
            assertTrue(client.interactive(TestHost.DEMO, INPUTS).accepted());
            assertTrue(System.nanoTime() - start < limit, "interactive waited " + (System.nanoTime() - start) / 1e9 + " s");
        }
    }

    @Test
    void messagesAfterTheHostsEndAreIgnoredInBothModes() throws Exception {
        try (TestHost host = TestHost.behind(honest -> forwarding(honest, inner -> new ForwardingListener(inner) {
            @Override
            public void putMetadata(ArrowBuf metadata) {
                boolean end = Frame.read(metadata, "host").kind() == Frame.Kind.END;
                BufferAllocator allocator = metadata.getReferenceManager().getAllocator();
                inner.putMetadata(metadata);
                // More than the client reads before it ends the call itself.
                for (int i = 0; end && i < 20; i++) {
                    inner.putMetadata(Frame.words(Frame.Kind.EXTENSION_MESSAGE, "after.end", new long[] {i, 0}).toBuffer(allocator));
                }
            }
        })); ProverClient client = host.client()) {
            // The answer was whole at the end frame: the same verdict in both modes, the one its proof gives offline.
            assertTrue(client.prove(TestHost.DEMO, INPUTS).verdict().accepted());
            assertTrue(client.interactive(TestHost.DEMO, INPUTS).accepted());
        }
    }

    @Test
    void aMessageLargerThanAnyAnswerIsRefusedBeforeItIsBuffered() throws Exception {
        int chunk = 16 << 20; // a proof of the demo for two samples is a few kB
        try (BufferAllocator allocator = new RootAllocator();
             TestHost host = TestHost.behind(honest -> exchange((reader, writer) -> {
                 reader.next();
                 try (VectorSchemaRoot outputs = ArrowBatches.write(allocator, OUTPUTS, new long[INPUTS.length][OUTPUTS])) {
                     writer.start(outputs);
                     writer.putNext(new Frame(Frame.Kind.BATCH_MESSAGE, "outputs", new byte[0]).toBuffer(allocator));
                     writer.putMetadata(new Frame(Frame.Kind.PROOF_CHUNK, "", new byte[chunk]).toBuffer(allocator));
                     writer.putMetadata(new Frame(Frame.Kind.END, "", new byte[0]).toBuffer(allocator));
                     writer.completed();
                 } catch (RuntimeException e) {
                     // the client refused the message and ended the call
                 }
             }));
             ProverClient client = host.client()) {
            assertRejected(client.prove(TestHost.DEMO, INPUTS).verdict(), "larger than any answer");
        }
    }

    @Test
    void moreOutputsThanSamplesNameTheBatchSentNotTheHostsLimit() throws Exception {
        try (BufferAllocator allocator = new RootAllocator();
             TestHost host = TestHost.behind(honest -> exchange((reader, writer) -> {
                 reader.next();
                 try (VectorSchemaRoot outputs = ArrowBatches.write(allocator, OUTPUTS, new long[INPUTS.length + 1][OUTPUTS])) {
                     writer.start(outputs);
                     writer.putNext(new Frame(Frame.Kind.BATCH_MESSAGE, "outputs", new byte[0]).toBuffer(allocator));
                     writer.completed();
                 }
             }));
             ProverClient client = host.client()) {
            Verdict verdict = client.prove(TestHost.DEMO, INPUTS).verdict();
            assertRejected(verdict, "more than the 2 samples sent");
            assertFalse(((Verdict.Rejected) verdict).describe().contains("--max-batch"), verdict.toString());
        }
    }

    // ---- helpers ----

    private static void assertRejected(Verdict verdict, String reason) {
        Verdict.Rejected rejected = assertInstanceOf(Verdict.Rejected.class, verdict, String.valueOf(verdict));
        assertTrue(rejected.describe().contains(reason), rejected.describe());
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private interface Exchange {
        void run(FlightStream reader, FlightProducer.ServerStreamListener writer);
    }

    private interface ContextExchange {
        void run(FlightProducer.CallContext context, FlightStream reader, FlightProducer.ServerStreamListener writer);
    }

    /** A host written from scratch: {@code exchange} answers every DoExchange. */
    private static FlightProducer exchange(Exchange exchange) {
        return withContext((context, reader, writer) -> exchange.run(reader, writer));
    }

    private static FlightProducer withContext(ContextExchange exchange) {
        return new NoOpFlightProducer() {
            @Override
            public void doExchange(CallContext context, FlightStream reader, ServerStreamListener writer) {
                exchange.run(context, reader, writer);
            }
        };
    }

    /** The honest host, writing through the listener {@code wrap} makes of the real one. */
    private static FlightProducer forwarding(FlightProducer honest, Function<FlightProducer.ServerStreamListener, ForwardingListener> wrap) {
        return withContext((context, reader, writer) -> honest.doExchange(context, reader, wrap.apply(writer)));
    }
}
