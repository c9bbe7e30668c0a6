package org.safetynets.service;

import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import io.grpc.stub.AbstractStub;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.ProofRejected;
import org.safetynets.model.Model;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A client of a prover host. It holds its own copy of the model (a {@link Verifier.Prepared}, made per call, or once
 * with {@link #prepare} for many batches) and checks everything the host says: a proof file with the same checks as
 * {@link Verifier#verify(Model, long[][], byte[], Limits)}, the interactive protocol with the same verifier over a
 * {@link FlightTranscript}, drawing each challenge after the message it binds. A host that cheats or sends
 * garbage gets a {@link Verdict.Rejected}; a host that cannot be reached or fails mid-exchange is an exception
 * ({@code FlightRuntimeException}): no verdict.
 *
 * <pre>{@code
 * Model model = ModelCodec.decode(Files.readAllBytes(Path.of("mnist-cnn.snm")), "mnist-cnn.snm");
 * try (ProverClient client = ProverClient.connect("prover.example:8815", ProverClient.Options.DEFAULTS.withToken(token))) {
 *     ProverClient.Answer answer = client.prove(model, samples);      // outputs + proof file, verified here
 *     if (answer.verdict() instanceof Verdict.Accepted accepted) use(accepted.outputs());
 *     Verdict live = client.interactive(model, samples);             // the interactive protocol
 * }
 * }</pre>
 */
public final class ProverClient implements AutoCloseable {
    /** How to reach and trust the host, how long to wait, and the limits on what is accepted from it. */
    public record Options(String token, Path trustedCertificates, Duration timeout, Limits limits) {
        /** The longest --timeout, about 31 years: "never" in practice, and within what gRPC's deadline takes in milliseconds. */
        public static final Duration MAX_TIMEOUT = Duration.ofSeconds(1_000_000_000L);
        public static final Options DEFAULTS = new Options(null, null, Duration.ofMinutes(10), Limits.DEFAULTS);

        /** @throws MalformedInput (--timeout) unless the timeout is positive and at most {@link #MAX_TIMEOUT} */
        public Options {
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new MalformedInput("--timeout", "must be 1 .. " + MAX_TIMEOUT.toSeconds() + " seconds, got " + timeout.toSeconds());
            }
        }

        public Options withToken(String value) {
            return new Options(value, trustedCertificates, timeout, limits);
        }

        public Options withTrustedCertificates(Path value) {
            return new Options(token, value, timeout, limits);
        }

        public Options withTimeout(Duration value) {
            return new Options(token, trustedCertificates, value, limits);
        }

        public Options withLimits(Limits value) {
            return new Options(token, trustedCertificates, timeout, value);
        }
    }

    /** A proof-file answer: the host's claimed outputs and proof, and the verdict on them. */
    public record Answer(Verdict verdict, long[][] claimedOutputs, byte[] proofFile) {
    }

    /**
     * gRPC logs, at INFO through java.util.logging (which prints INFO on standard error), each piece of a message that
     * arrives after the client ended its call: the rest of a message it refused as too large would fill the terminal,
     * at the host's will. Warnings still print. Held here so the setting is not collected with the logger.
     */
    private static final java.util.logging.Logger CLIENT_STREAM_LOG = java.util.logging.Logger.getLogger("io.grpc.internal.AbstractClientStream");

    static {
        CLIENT_STREAM_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /** How long the client waits for the host's end of a call once its verdict is decided (or until --timeout, if sooner). */
    static final Duration END_WAIT = Duration.ofSeconds(5);
    /** How many messages after its end frame a host may send before the client ends the call itself ({@link #letTheHostEnd}). */
    private static final int TRAILING_MESSAGES = 4;
    /** How long after gRPC's deadline a {@link Watch} ends what still waits: gRPC's TIMED_OUT comes first when it can. */
    private static final Duration WATCH_MARGIN = Duration.ofSeconds(2);
    /** The largest answer to DoAction "models": one short JSON object per model. */
    private static final int MAX_MODELS_BYTES = 1 << 20;

    private final BufferAllocator allocator;
    private final FlightClient client;
    private final Options options;
    /** Ends the waits that gRPC's deadline does not ({@link Watch}). */
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "prover-client-watch");
        t.setDaemon(true);
        return t;
    });

    private ProverClient(BufferAllocator allocator, FlightClient client, Options options) {
        this.allocator = allocator;
        this.client = client;
        this.options = options;
    }

    /** Connects to {@code HOST:PORT} (TLS when {@code options} name trusted certificates). */
    public static ProverClient connect(String server, Options options) {
        int colon = server.lastIndexOf(':');
        int port;
        try {
            port = colon <= 0 ? -1 : Integer.parseInt(server.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) throw new MalformedInput("--server", "expected HOST:PORT, got '" + server + "'");
        String host = server.substring(0, colon);
        BufferAllocator allocator = new RootAllocator();
        try {
            FlightClient.Builder builder = FlightClient.builder(allocator, options.trustedCertificates() == null
                    ? Location.forGrpcInsecure(host, port) : Location.forGrpcTls(host, port));
            if (options.trustedCertificates() != null) {
                try (InputStream certificates = Files.newInputStream(options.trustedCertificates())) {
                    builder.trustedCertificates(certificates);
                    return new ProverClient(allocator, builder.build(), options);
                }
            }
            return new ProverClient(allocator, builder.build(), options);
        } catch (IOException e) {
            allocator.close();
            throw new MalformedInput(options.trustedCertificates().toString(), "cannot be read: " + e.getMessage());
        } catch (RuntimeException e) {
            allocator.close();
            throw e;
        }
    }

    /** The call's deadline and token; gRPC refuses (before buffering it) any message from the host over {@code maxInboundBytes}. */
    private CallOption[] callOptions(long maxInboundBytes) {
        List<CallOption> list = new ArrayList<>();
        list.add(CallOptions.timeout(options.timeout().toMillis(), TimeUnit.MILLISECONDS));
        list.add(new MaxInboundMessage((int) Math.min(Integer.MAX_VALUE, maxInboundBytes)));
        if (options.token() != null) list.add(new CredentialCallOption(new BearerCredentialWriter(options.token())));
        return list.toArray(new CallOption[0]);
    }

    /** gRPC's per-call bound on the size of one inbound message. */
    private record MaxInboundMessage(int bytes) implements CallOptions.GrpcCallOption {
        @Override
        public <T extends AbstractStub<T>> T wrapStub(T stub) {
            return stub.withMaxInboundMessageSize(bytes);
        }
    }

    /** The models the host serves, one JSON object each (name, digest, shapes). */
    public List<String> models() {
        List<String> out = new ArrayList<>();
        Iterator<Result> results = client.doAction(new Action(ProverHost.MODELS_ACTION), callOptions(MAX_MODELS_BYTES));
        while (results.hasNext()) out.add(new String(results.next().getBody(), StandardCharsets.UTF_8));
        return out;
    }

    /**
     * A verifier of {@code model} under this client's limits, for {@link #prove(String, Verifier.Prepared, long[][])}
     * and {@link #interactive(String, Verifier.Prepared, long[][])} over many batches: the model's digest (SHA-256 of its
     * encoding, 96 MB for the TIMIT network) and its compiled networks are then made once, not per request.
     */
    public Verifier.Prepared prepare(Model model) {
        return Verifier.Prepared.of(model, options.limits());
    }

    /** Outputs and a proof file for {@code model} (asked for by its digest), verified here. */
    public Answer prove(Model model, long[][] samples) {
        return prove(prepare(model), samples);
    }

    public Answer prove(String reference, Model model, long[][] samples) {
        return prove(reference, prepare(model), samples);
    }

    /** As {@link #prove(Model, long[][])}, with a verifier prepared once ({@link #prepare}). */
    public Answer prove(Verifier.Prepared model, long[][] samples) {
        return prove(reference(model), model, samples);
    }

    private static String reference(Verifier.Prepared model) {
        return "sha256:" + java.util.HexFormat.of().formatHex(model.digest());
    }

    /**
     * Outputs and a proof file for the host's model {@code reference} (a name or {@code sha256:HEX}), verified here
     * against {@code model}, the client's own copy. ACCEPT only if the proof verifies and the host's claimed outputs
     * are exactly the verified ones.
     */
    public Answer prove(String reference, Verifier.Prepared model, long[][] samples) {
        model.requireWithinLimits(samples.length);
        long expectedBytes = model.proofFileBytes(samples.length);
        options.limits().requireProofBytes("the host's proof", expectedBytes);
        int width = model.outputShape().size();
        // The largest message of an honest answer: the outputs batch, or a proof chunk.
        long largest = Math.max(ArrowBatches.messageBytes(width, samples.length),
                ArrowBatches.messageBytes(1, 0) + Math.min(expectedBytes, ProverHost.PROOF_CHUNK_BYTES));
        Received received = exchange(ExchangeRequest.Mode.PROVE, reference, largest, model.inputShape().size(), samples, (exchange, watch) -> {
            exchange.getWriter().completed();
            return receive(exchange.getReader(), watch, width, samples.length, expectedBytes);
        });
        // The call is over: the verifier runs with no watch (no interrupt) on it.
        if (received.rejection() != null) return new Answer(received.rejection(), null, received.proof());
        Verdict verdict = model.verify(samples, received.proof());
        if (verdict instanceof Verdict.Accepted accepted) {
            String difference = difference(received.claimed(), accepted.outputs());
            if (difference != null) verdict = new Verdict.Rejected(difference, 0, -1);
        }
        return new Answer(verdict, received.claimed(), received.proof());
    }

    /** What a host sent for a proof request: its outputs and proof, or why they are rejected (and the proof bytes that came). */
    private record Received(long[][] claimed, byte[] proof, Verdict.Rejected rejection) {
    }

    private static Received receive(FlightStream reader, Watch watch, int width, int batch, long expectedBytes) {
        long[][] claimed;
        ByteArrayOutputStream proof = new ByteArrayOutputStream();
        try {
            try {
                if (!reader.next()) throw new ProofRejected("the host ended the exchange without outputs");
                Frame first = Frame.read(reader.getLatestMetadata(), "host");
                if (first.kind() != Frame.Kind.BATCH_MESSAGE) throw new ProofRejected("the host sent " + first.kind() + " before its outputs");
                // A message before any schema: getRoot() would wait for a schema that may never come (whatever --timeout says).
                if (!reader.hasRoot()) throw new ProofRejected("the host sent its outputs without a schema before them");
                claimed = ArrowBatches.read(reader.getRoot(), width, batch, batch + " samples sent", "the host's outputs");
                if (claimed.length != batch) throw new ProofRejected("the host sent " + claimed.length + " outputs for " + batch + " samples");
                while (true) {
                    if (!reader.next()) throw new ProofRejected("the host ended the exchange before the end of its proof");
                    Frame frame = Frame.read(reader.getLatestMetadata(), "host");
                    if (frame.kind() == Frame.Kind.END) break;
                    if (frame.kind() != Frame.Kind.PROOF_CHUNK) throw new ProofRejected("the host sent " + frame.kind() + " inside its proof");
                    if (proof.size() + (long) frame.payload().length > expectedBytes) {
                        throw new ProofRejected("the host sent more than the " + expectedBytes + " bytes of a proof of this model for this batch");
                    }
                    proof.writeBytes(frame.payload());
                }
            } catch (FlightRuntimeException e) {
                throw oversized(e);
            }
            // The proof is whole: how the host ends the call (an error, a stall, more messages) changes nothing from here.
            watch.endWithin(END_WAIT);
            letTheHostEnd(reader);
        } catch (ProofRejected | MalformedInput e) {
            return new Received(null, proof.toByteArray(), new Verdict.Rejected(e.getMessage(), 0, -1));
        }
        return new Received(claimed, proof.toByteArray(), null);
    }

    /** Runs the interactive protocol with the host for {@code model}, the client's own copy, addressed by its digest. */
    public Verdict interactive(Model model, long[][] samples) {
        return interactive(prepare(model), samples);
    }

    public Verdict interactive(String reference, Model model, long[][] samples) {
        return interactive(reference, prepare(model), samples);
    }

    /** As {@link #interactive(Model, long[][])}, with a verifier prepared once ({@link #prepare}). */
    public Verdict interactive(Verifier.Prepared model, long[][] samples) {
        return interactive(reference(model), model, samples);
    }

    public Verdict interactive(String reference, Verifier.Prepared model, long[][] samples) {
        InputBatch input = model.input(samples);
        // The largest message of an honest host: the outputs batch, or a round message (never more than the whole proof file).
        long largest = Math.max(ArrowBatches.messageBytes(model.outputShape().size(), samples.length),
                ArrowBatches.messageBytes(1, 0) + model.proofFileBytes(samples.length));
        return exchange(ExchangeRequest.Mode.INTERACTIVE, reference, largest, model.inputShape().size(), samples, (exchange, watch) -> {
            FlightTranscript channel = FlightTranscript.verifier(exchange.getReader(), exchange.getWriter(), allocator, model.outputShape().size());
            Verdict verdict;
            try {
                verdict = model.verify(input, channel);
                if (verdict.accepted()) {
                    try {
                        channel.requireEnd();
                    } catch (ProofRejected e) {
                        verdict = new Verdict.Rejected(e.getMessage(), 0, -1);
                    }
                }
            } catch (FlightRuntimeException e) {
                RuntimeException cause = oversized(e);
                if (!(cause instanceof ProofRejected rejected)) throw cause;
                verdict = new Verdict.Rejected(rejected.getMessage(), 0, -1);
            }
            // The verdict is decided: how the host ends the call (an error, a stall) changes nothing from here.
            watch.endWithin(END_WAIT);
            String text = verdict instanceof Verdict.Rejected rejected ? "REJECT: " + rejected.describe() : "ACCEPT";
            try {
                exchange.getWriter().putMetadata(Frame.verdict(text).toBuffer(allocator));
                exchange.getWriter().completed();
                // Let the host read the verdict and end the call: closing now would cancel it under the host's feet.
                letTheHostEnd(exchange.getReader());
            } catch (RuntimeException e) {
                // The host went away or the wait ran out: it has the verdict or not, and this one stands.
            }
            return verdict;
        });
    }

    /** What a call does with the host once the input batch is sent, under the call's {@link Watch}. */
    @FunctionalInterface
    private interface ExchangeBody<T> {
        T run(FlightClient.ExchangeReaderWriter exchange, Watch watch);
    }

    /**
     * One exchange with the host in {@code mode}: the input batch sent, then {@code body}, under a {@link Watch}
     * that ends every wait within --timeout, with gRPC refusing any message over {@code largest}; the call is
     * ended and the watch closed however it goes.
     */
    private <T> T exchange(ExchangeRequest.Mode mode, String reference, long largest, int inputWidth, long[][] samples, ExchangeBody<T> body) {
        FlightDescriptor descriptor = FlightDescriptor.command(new ExchangeRequest(mode, reference).encode());
        Watch watch = new Watch();
        try {
            FlightClient.ExchangeReaderWriter exchange = watch.attach(client.doExchange(descriptor, callOptions(largest)));
            try (VectorSchemaRoot input = ArrowBatches.write(allocator, inputWidth, samples)) {
                exchange.getWriter().start(input);
                exchange.getWriter().putNext();
                return body.run(exchange, watch);
            } finally {
                end(exchange);
            }
        } catch (RuntimeException e) {
            throw watch.timedOut(e);
        } finally {
            watch.close();
        }
    }

    /**
     * Lets the host end a call whose answer is whole, after its end frame: at most {@link #TRAILING_MESSAGES} more
     * messages are read and ignored, then the caller ends the call. Both modes treat what a host sends after its end
     * frame alike, as they treat an error or a stall there: it is ignored. Why not reject it: the answer was decided at
     * the end frame (in prove mode the proof file is whole and framed, in interactive mode the verdict is computed and
     * already sent to the host), and a verdict must not depend on the host's end of the call. A REJECT for trailing
     * messages would give a client a verdict other than the one it told the host (interactive), and other than the one
     * {@code safetynets verify} gives for the same proof file offline (prove mode, {@code -O}); nothing after the end
     * frame reaches the verifier, so ignoring it accepts nothing the proof does not establish.
     */
    private static void letTheHostEnd(FlightStream reader) {
        for (int i = 0; i < TRAILING_MESSAGES && sendsMore(reader); i++) {
            // ignored
        }
    }

    /** Whether the host sends another message; an error or the end of the wait ({@link Watch#endWithin}) reads as its end. */
    private static boolean sendsMore(FlightStream reader) {
        try {
            return reader.next();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * A message from the host larger than any answer to this request (refused by gRPC from its length, against
     * {@link #callOptions}) as a rejection: the host sent garbage. Any other failure is returned as it is.
     */
    private static RuntimeException oversized(FlightRuntimeException e) {
        String message = String.valueOf(e.getMessage());
        if (e.status().code() == FlightStatusCode.RESOURCE_EXHAUSTED && message.contains(OVERSIZED_MESSAGE)) {
            return new ProofRejected("the host sent a message larger than any answer to this request can be (" + message + ")");
        }
        return e;
    }

    /** How gRPC (1.79) words its refusal of an inbound message over the call's limit. */
    private static final String OVERSIZED_MESSAGE = "exceeds maximum size";

    /**
     * Ends an exchange and frees what its streams hold, whatever the host did: a failure here (the host's end of the
     * call) changes nothing decided. A second schema from the host makes Arrow replace the stream's root without
     * closing the first one, which {@code getRoot()} still returns: it is closed here.
     */
    private static void end(FlightClient.ExchangeReaderWriter exchange) {
        FlightStream reader = exchange.getReader();
        try {
            exchange.close();
        } catch (Exception e) {
            // the host's error, already seen or no longer relevant
        }
        if (reader.hasRoot()) {
            try {
                reader.getRoot().close();
            } catch (RuntimeException e) {
                // nothing more can be freed
            }
        }
    }

    /**
     * Bounds every wait of one call on the host. gRPC's deadline (--timeout) ends the call, but not every wait on it:
     * Arrow's FlightStream waits for a schema with no deadline, also after the host ended the call. Some time past the
     * deadline ({@link #WATCH_MARGIN}) the watch cancels the call and interrupts the thread that waits, and what then
     * escapes reads as TIMED_OUT; {@link #endWithin} shortens the wait for the host's end of a call once its verdict
     * is decided. One watch per call, on the calling thread.
     */
    private final class Watch implements AutoCloseable {
        private final Thread thread = Thread.currentThread();
        private final long deadlineNanos = System.nanoTime() + options.timeout().plus(WATCH_MARGIN).toNanos();
        private FlightStream stream;
        private ScheduledFuture<?> alarm;
        private boolean fired;
        private boolean closed;

        Watch() {
            alarm = watchdog.schedule(this::fire, deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        synchronized FlightClient.ExchangeReaderWriter attach(FlightClient.ExchangeReaderWriter exchange) {
            stream = exchange.getReader();
            return exchange;
        }

        /** From now on the call may last at most {@code wait} more (and never past the deadline). */
        synchronized void endWithin(Duration wait) {
            if (closed || fired) return;
            alarm.cancel(false);
            long nanos = Math.min(wait.toNanos(), deadlineNanos - System.nanoTime());
            alarm = watchdog.schedule(this::fire, Math.max(0, nanos), TimeUnit.NANOSECONDS);
        }

        private synchronized void fire() {
            if (closed) return;
            fired = true;
            if (stream != null) {
                try {
                    stream.cancel("the client stopped waiting (--timeout)", null);
                } catch (RuntimeException e) {
                    // the interrupt below still ends the wait
                }
            }
            thread.interrupt();
            // Again until the thread leaves the call: another wait may follow the one this ended.
            alarm = watchdog.schedule(this::fire, 1, TimeUnit.SECONDS);
        }

        /** {@code e}, or TIMED_OUT if the watch ended the call. */
        synchronized RuntimeException timedOut(RuntimeException e) {
            if (!fired) return e;
            return CallStatus.TIMED_OUT.withDescription("the host did not finish within --timeout (" + options.timeout().toSeconds() + " s)")
                    .withCause(e).toRuntimeException();
        }

        /** After this no interrupt reaches the thread; one the watch sent is cleared. */
        @Override
        public synchronized void close() {
            closed = true;
            alarm.cancel(false);
            if (fired) Thread.interrupted();
        }
    }

    /** Null when the host's claimed outputs are exactly the verified ones; else the first difference. */
    private static String difference(long[][] claimed, long[][] verified) {
        for (int b = 0; b < verified.length; b++) {
            if (!Arrays.equals(claimed[b], verified[b])) {
                return "the host's outputs for sample " + b + " are not the outputs its proof establishes";
            }
        }
        return null;
    }

    /**
     * Closes the connection and frees the allocator. Never throws: what a host made Arrow leak (a buffer its stream
     * lost, which Arrow logs) must not turn a verdict already returned into an error.
     */
    @Override
    public void close() {
        watchdog.shutdownNow();
        try {
            client.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the Flight client's allocator reported a leak: logged by Arrow, nothing more to free
        }
        try {
            allocator.close();
        } catch (RuntimeException e) {
            // as above
        }
    }
}
