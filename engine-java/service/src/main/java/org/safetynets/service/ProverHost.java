package org.safetynets.service;

import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.SafetyNetsException;
import org.safetynets.backend.Backend;
import org.safetynets.field.Fp;
import org.safetynets.model.Model;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.Proof;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.ProverMemory;
import org.safetynets.proof.Verdict;
import org.safetynets.transcript.InteractiveTranscript;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The prover host's Flight service. One {@code DoExchange} is one session: the client's descriptor names the model
 * and the mode ({@link ExchangeRequest}), its first message is the input batch ({@link ArrowBatches}); the host
 * answers with the outputs as a record batch and then either a proof file in chunks or the interactive protocol
 * ({@link FlightTranscript}). {@code DoAction("models")} lists the models served.
 *
 * <p>Why DoExchange for proof files too (not DoPut then DoGet): the request and its answer are one call on one
 * stream, so the host keeps no state between calls (no ticket to store, expire or guess) and a client that goes
 * away takes its session with it.
 *
 * <p>Robustness: at most {@code maxSessions} sessions run at once, and a call beyond them is refused at once with
 * RESOURCE_EXHAUSTED (no queue); each session has a deadline, after which its thread is interrupted out of any
 * wait on the client and the call ends with TIMED_OUT; a malformed or out-of-order message, a second schema
 * ({@link ClientStream}) or a verdict other than REJECT before the protocol finished ends its own session with
 * INVALID_ARGUMENT; a batch over the limits is refused from its row count, before it is copied (and gRPC
 * refuses any message larger than the largest batch the host could admit, before it is buffered:
 * {@link #maxInboundBytes}); a frame from the client longer than a challenge or a verdict is refused before it is copied.
 */
final class ProverHost extends NoOpFlightProducer {
    static final String MODELS_ACTION = "models";
    /** A proof file travels in chunks of this many bytes, each one Flight message. */
    static final int PROOF_CHUNK_BYTES = 1 << 20;

    /**
     * @param maxMemoryBytes what all running sessions may hold at once: each reserves its batch's {@link ProverMemory}
     *                       before anything of it is copied, and the host's Arrow allocator is capped at the same size
     */
    record Settings(int maxSessions, Duration sessionTimeout, Duration shutdownGrace, Limits limits, long maxMemoryBytes) {
        /**
         * The longest --session-timeout and --shutdown-grace, about 31 years: "never" in practice, and far inside what
         * {@link Duration#toMillis} and the schedulers take (9.2e15 s overflows a session's deadline in milliseconds).
         */
        static final long MAX_SECONDS = 1_000_000_000L;

        Settings {
            if (maxSessions < 1) throw new MalformedInput("--max-sessions", "must be at least 1, got " + maxSessions);
            if (maxMemoryBytes < 1) throw new MalformedInput("--max-memory", "must be positive");
            requireSeconds("--session-timeout", sessionTimeout, 1);
            requireSeconds("--shutdown-grace", shutdownGrace, 0);
        }

        private static void requireSeconds(String option, Duration value, long least) {
            if (value.compareTo(Duration.ofSeconds(least)) < 0 || value.compareTo(Duration.ofSeconds(MAX_SECONDS)) > 0) {
                throw new MalformedInput(option, "must be " + least + " .. " + MAX_SECONDS + " seconds, got " + value.toSeconds());
            }
        }
    }

    /** A running session: its thread, interrupted on timeout or shutdown, and why. */
    private static final class Session {
        final long id;
        final Thread thread = Thread.currentThread();
        private String stopReason;
        private CallStatus stopStatus;
        private boolean finished;

        Session(long id) {
            this.id = id;
        }

        synchronized void stop(CallStatus status, String reason) {
            if (finished || stopReason != null) return;
            stopStatus = status;
            stopReason = reason;
            thread.interrupt();
        }

        /** After this, no interrupt reaches the thread; clears one that arrived. */
        synchronized void finish() {
            finished = true;
            Thread.interrupted();
        }

        synchronized String stopReason() {
            return stopReason;
        }

        /**
         * The prover's progress hook, called after inference and after each layer's sub-protocol: the points where a
         * CPU-bound proof, which no interrupt reaches, stops when its session was stopped (timeout, shutdown) or the
         * client cancelled the call. The prover frees its tensors as the exception unwinds it.
         */
        Prover.Progress cancellationPoints(CallContext context) {
            return (what, done, total) -> {
                if (stopReason() != null) throw new Stopped("after " + what + " (step " + done + " of " + total + ")");
                if (context.isCancelled()) throw new Cancelled("after " + what + " (step " + done + " of " + total + ")");
            };
        }

        synchronized CallStatus stopStatus() {
            return stopStatus;
        }
    }

    /** A proof abandoned at a cancellation point because its session was stopped. */
    private static final class Stopped extends RuntimeException {
        Stopped(String where) {
            super("proof abandoned " + where, null, false, false);
        }
    }

    /** A proof abandoned at a cancellation point because the client cancelled the call (or its connection closed). */
    private static final class Cancelled extends RuntimeException {
        Cancelled(String where) {
            super("cancelled by the client; proof abandoned " + where, null, false, false);
        }
    }

    /** A request refused because the memory it needs is not free under --max-memory (RESOURCE_EXHAUSTED). */
    private static final class MemoryExhausted extends RuntimeException {
        MemoryExhausted(String message) {
            super(message, null, false, false);
        }
    }

    private final ModelRegistry models;
    private final Backend backend;
    private final BufferAllocator allocator;
    private final Settings settings;
    private final Consumer<String> log;
    private final Semaphore slots;
    private final Set<Session> running = ConcurrentHashMap.newKeySet();
    private final AtomicLong sessionIds = new AtomicLong();
    /** Sessions inside the prover now (past reading their input). */
    private final java.util.concurrent.atomic.AtomicInteger provingNow = new java.util.concurrent.atomic.AtomicInteger();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "session-watchdog");
        t.setDaemon(true);
        return t;
    });
    /**
     * Each served model's prover, prepared once (its self-check verifier shares it): the model's digest and its
     * compiled networks are not redone per request (for the TIMIT network the digest alone hashes 96 MB).
     */
    private final Map<String, Prover.Prepared> provers = new HashMap<>();
    private volatile boolean closing;
    /** Bytes reserved by running sessions, at most settings.maxMemoryBytes(). */
    private long reservedBytes;

    ProverHost(ModelRegistry models, Backend backend, BufferAllocator allocator, Settings settings, Consumer<String> log) {
        this.models = models;
        this.backend = backend;
        this.allocator = allocator;
        this.settings = settings;
        this.log = log;
        this.slots = new Semaphore(settings.maxSessions());
        ClientStream.requireSupported();
        for (ModelRegistry.Entry entry : models.entries()) provers.put(entry.name(), Prover.Prepared.of(entry.model(), settings.limits()));
    }

    /**
     * Proves and verifies one sample at the input's lower bound per model, through the provers requests use, so that
     * the first request pays for neither the JIT nor the compiled network, and a model the host cannot prove and
     * check is refused before the host listens. Reports one line per model.
     *
     * @throws IllegalStateException if a model's self-check fails
     */
    void warmUp(Consumer<String> report) {
        for (ModelRegistry.Entry entry : models.entries()) {
            Model model = entry.model();
            long[] sample = new long[model.input().size()];
            Arrays.fill(sample, model.inputMin());
            long[][] samples = {sample};
            long start = System.nanoTime();
            Prover.Prepared prover = provers.get(entry.name());
            Proof proof = prover.prove(samples, backend, Prover.Progress.NONE);
            Verdict verdict = prover.verifier().verify(samples, ProofCodec.encode(proof));
            if (!verdict.accepted()) throw new IllegalStateException("self-check of " + entry.name() + " failed: " + verdict);
            report.accept(String.format(Locale.ROOT, "model %s (%s): warmed and self-checked in %.0f ms", entry.name(), entry.digest(),
                    (System.nanoTime() - start) / 1e6));
        }
    }

    /**
     * The largest inbound gRPC message the host accepts: the message of the largest input batch it could ever admit
     * for a served model ({@link #largestBatch}). gRPC refuses a longer message from its length prefix, before
     * buffering any of it; a frame from the client (a challenge, its verdict) is held to its own size on reading.
     */
    long maxInboundBytes() {
        long largest = ArrowBatches.messageBytes(1, 0);
        for (ModelRegistry.Entry entry : models.entries()) {
            Model model = entry.model();
            largest = Math.max(largest, ArrowBatches.messageBytes(model.input().size(), largestBatch(model)));
        }
        return Math.min(Integer.MAX_VALUE, largest);
    }

    /**
     * The most samples of {@code model} a session can be admitted with: within --max-batch and --max-tensor-elements,
     * and with a {@link ProverMemory} reservation within --max-memory (0 when not even one sample fits). Both bounds
     * grow with the batch, so a binary search finds it.
     */
    int largestBatch(Model model) {
        int low = 0;
        int high = settings.limits().maxBatch();
        while (low < high) {
            int middle = (int) ((low + (long) high + 1) / 2);
            if (admits(model, middle)) low = middle;
            else high = middle - 1;
        }
        return low;
    }

    private boolean admits(Model model, int batch) {
        try {
            InputBatch.requireWithinLimits(model, batch, settings.limits());
        } catch (SafetyNetsException e) {
            return false;
        }
        return ProverMemory.of(model, batch).bytes() <= settings.maxMemoryBytes();
    }

    @Override
    public void doExchange(CallContext context, FlightStream reader, ServerStreamListener writer) {
        if (closing) {
            writer.error(CallStatus.UNAVAILABLE.withDescription("the host is shutting down").toRuntimeException());
            return;
        }
        if (!slots.tryAcquire()) {
            writer.error(CallStatus.RESOURCE_EXHAUSTED.withDescription("the host is busy: all " + settings.maxSessions()
                    + " sessions (--max-sessions) are running; try again later").toRuntimeException());
            return;
        }
        // Whatever happens from here, the slot is given back: a slot lost is a session refused for the life of the host.
        try {
            session(context, reader, writer);
        } finally {
            slots.release();
        }
    }

    /** One session, in the slot its caller holds. */
    private void session(CallContext context, FlightStream reader, ServerStreamListener writer) {
        Session session = new Session(sessionIds.incrementAndGet());
        Record record = new Record(session.id, PeerAddress.current(), context.peerIdentity());
        running.add(session);
        java.util.concurrent.ScheduledFuture<?> deadline = null;
        try {
            deadline = watchdog.schedule(
                    () -> session.stop(CallStatus.TIMED_OUT, "the session timed out after " + settings.sessionTimeout().toSeconds() + " s"),
                    settings.sessionTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (closing) session.stop(CallStatus.UNAVAILABLE, "the host is shutting down");
            run(reader, writer, record, session.cancellationPoints(context));
        } catch (RuntimeException | Error e) {
            String stopped = session.stopReason();
            if (e instanceof MemoryExhausted || e instanceof org.apache.arrow.memory.OutOfMemoryException) {
                record.result = "refused: " + e.getMessage();
                writer.error(CallStatus.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).toRuntimeException());
            } else if (e instanceof Cancelled cancelled) {
                record.result = cancelled.getMessage();
                writer.error(CallStatus.CANCELLED.withDescription(cancelled.getMessage()).toRuntimeException());
            } else if (stopped != null) {
                record.result = "stopped: " + stopped + (e instanceof Stopped where ? "; " + where.getMessage() : "");
                writer.error(session.stopStatus().withDescription(stopped).toRuntimeException());
            } else if (e instanceof SafetyNetsException) {
                record.result = "refused: " + e.getMessage();
                writer.error(CallStatus.INVALID_ARGUMENT.withDescription(e.getMessage()).toRuntimeException());
            } else if (e instanceof FlightRuntimeException flight) {
                record.result = "client went away: " + flight.status().code() + " " + flight.getMessage();
                writer.error(flight);
            } else {
                record.result = "internal error: " + e;
                writer.error(CallStatus.INTERNAL.withDescription("internal error: " + e).withCause(e).toRuntimeException());
            }
        } finally {
            // The call has ended (completed or failed above): what a second schema left in the stream's first root is freed.
            ClientStream.closeFirstRoot(reader);
            release(record.reservedBytes);
            if (deadline != null) deadline.cancel(false);
            session.finish();
            try {
                // Before the session stops counting as running: whoever waits for an idle host then finds its line.
                log.accept(record.line());
            } finally {
                running.remove(session);
            }
        }
    }

    /** One log line per request. */
    private static final class Record {
        final long session;
        final String peer;
        final String client;
        final long start = System.nanoTime();
        String model = "-";
        String mode = "-";
        int batch;
        long proveNanos;
        long reservedBytes;
        String result = "?";

        Record(long session, String peer, String client) {
            this.session = session;
            this.peer = peer;
            this.client = client == null || client.isEmpty() ? "anonymous" : client;
        }

        String line() {
            return String.format(Locale.ROOT, "session=%d peer=%s client=%s model=%s batch=%d mode=%s prove_ms=%.1f total_ms=%.1f result=%s",
                    session, peer, client, model, batch, mode, proveNanos / 1e6, (System.nanoTime() - start) / 1e6, result.replaceAll("\\s+", " "));
        }
    }

    private void run(FlightStream reader, ServerStreamListener writer, Record record, Prover.Progress cancellationPoints) {
        FlightDescriptor descriptor = reader.getDescriptor();
        if (!descriptor.isCommand()) {
            throw new MalformedInput("request", "the exchange names no request: its descriptor is a path, not a command");
        }
        ExchangeRequest request = ExchangeRequest.decode(descriptor.getCommand());
        record.mode = request.mode().wireName();
        ModelRegistry.Entry entry = models.find(request.model());
        if (entry == null) throw new MalformedInput("request", "this host serves no model '" + request.model() + "' (DoAction \"models\" lists them)");
        record.model = entry.name();
        Model model = entry.model();
        long[][] samples = readInput(reader, model, record);
        record.batch = samples.length;
        int width = model.output().size();
        if (request.mode() == ExchangeRequest.Mode.PROVE) {
            if (ClientStream.next(reader)) throw new MalformedInput("client", "a proof request takes one input batch, then the end of the client's stream");
            long start = System.nanoTime();
            Proof proof;
            provingNow.incrementAndGet();
            try {
                proof = provers.get(entry.name()).prove(samples, backend, cancellationPoints);
            } finally {
                provingNow.decrementAndGet();
            }
            record.proveNanos = System.nanoTime() - start;
            byte[] file = ProofCodec.encode(proof);
            // Self-check (the verifier costs a small fraction of the prover): logged, not sent.
            Verdict self = provers.get(entry.name()).verifier().verify(samples, file);
            try (VectorSchemaRoot outputs = ArrowBatches.write(allocator, width, outputsOf(proof, width))) {
                writer.start(outputs);
                writer.putNext(new Frame(Frame.Kind.BATCH_MESSAGE, "outputs", new byte[0]).toBuffer(allocator));
                for (int at = 0; at < file.length; at += PROOF_CHUNK_BYTES) {
                    byte[] chunk = Arrays.copyOfRange(file, at, Math.min(file.length, at + PROOF_CHUNK_BYTES));
                    writer.putMetadata(new Frame(Frame.Kind.PROOF_CHUNK, "", chunk).toBuffer(allocator));
                }
                writer.putMetadata(new Frame(Frame.Kind.END, "", new byte[0]).toBuffer(allocator));
                writer.completed();
            }
            record.result = "sent " + file.length + " proof bytes; self-check " + (self.accepted() ? "ACCEPT" : "REJECT: " + ((Verdict.Rejected) self).describe());
            return;
        }
        InputBatch input = InputBatch.of(model, samples, settings.limits());
        String verdict;
        long start = System.nanoTime();
        try (VectorSchemaRoot outputs = VectorSchemaRoot.create(ArrowBatches.schema(width), allocator)) {
            writer.start(outputs);
            FlightTranscript channel = FlightTranscript.prover(reader, writer, allocator, outputs, width);
            provingNow.incrementAndGet();
            try {
                provers.get(entry.name()).prove(input, backend, channel, cancellationPoints);
                record.proveNanos = System.nanoTime() - start;
                channel.sendEnd();
                verdict = readVerdict(reader);
            } catch (InteractiveTranscript.VerifierStopped stopped) {
                record.proveNanos = System.nanoTime() - start;
                verdict = stopped.getMessage();
            } finally {
                provingNow.decrementAndGet();
            }
            writer.completed();
        }
        record.result = "client verdict: " + verdict;
    }

    private long[][] readInput(FlightStream reader, Model model, Record record) {
        if (!ClientStream.next(reader)) throw new MalformedInput("client", "the exchange ended before the input batch");
        // A message before any schema: getRoot() would wait for a schema that may never come, holding the slot.
        if (!reader.hasRoot()) throw new MalformedInput("client", "the first message came before the input batch's schema");
        VectorSchemaRoot root = reader.getRoot();
        // The limits and the memory from the row count alone, before anything is copied.
        InputBatch.requireWithinLimits(model, root.getRowCount(), settings.limits());
        record.reservedBytes = reserve(ProverMemory.of(model, Math.max(1, root.getRowCount())).bytes(), root.getRowCount());
        return ArrowBatches.read(root, model.input().size(), settings.limits().maxBatch(), settings.limits().maxBatch() + " allowed (--max-batch)", "input batch");
    }

    private static String readVerdict(FlightStream reader) {
        if (!ClientStream.next(reader)) return "none (the client hung up)";
        Frame frame = Frame.read(reader.getLatestMetadata(), "client", Frame.MAX_CLIENT_BYTES);
        if (frame.kind() != Frame.Kind.VERDICT) throw new MalformedInput("client", "expected its verdict, got " + frame.kind());
        return FlightTranscript.verdictText(frame);
    }

    /** The outputs message at the start of a proof's body, as signed integers (the host's claim until verified). */
    private static long[][] outputsOf(Proof proof, int width) {
        ByteBuffer body = proof.bodyView().order(ByteOrder.LITTLE_ENDIAN);
        long[][] outputs = new long[proof.batch()][width];
        for (int b = 0; b < outputs.length; b++) {
            for (int f = 0; f < width; f++) outputs[b][f] = Fp.toSigned(body.getLong());
        }
        return outputs;
    }

    @Override
    public void listActions(CallContext context, StreamListener<ActionType> listener) {
        listener.onNext(new ActionType(MODELS_ACTION, "the models served: one JSON object per model (name, digest, input and output shapes)"));
        listener.onCompleted();
    }

    @Override
    public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
        if (!MODELS_ACTION.equals(action.getType())) {
            listener.onError(CallStatus.INVALID_ARGUMENT.withDescription("unknown action '" + action.getType() + "'; this host has: models").toRuntimeException());
            return;
        }
        for (ModelRegistry.Entry entry : models.entries()) {
            Model m = entry.model();
            String json = String.format(Locale.ROOT, "{\"name\": \"%s\", \"digest\": \"%s\", \"input\": [%d, %d, %d], \"outputs\": %d, \"layers\": %d}",
                    entry.name().replace("\\", "\\\\").replace("\"", "\\\""), entry.digest(), m.input().channels(), m.input().height(), m.input().width(),
                    m.output().size(), m.layers().size());
            listener.onNext(new Result(json.getBytes(StandardCharsets.UTF_8)));
        }
        listener.onCompleted();
    }

    /** Reserves {@code bytes} of the memory budget for a session, or refuses with a reason; returns what it reserved. */
    private synchronized long reserve(long bytes, int batch) {
        long budget = settings.maxMemoryBytes();
        if (bytes > budget) {
            throw new MemoryExhausted(String.format(Locale.ROOT, "a batch of %d needs about %.0f MiB to prove, more than this host's --max-memory of %.0f MiB: "
                    + "send smaller batches", batch, bytes / MIB, budget / MIB));
        }
        if (bytes > budget - reservedBytes) {
            throw new MemoryExhausted(String.format(Locale.ROOT, "the host's memory is in use (--max-memory %.0f MiB, %.0f MiB free) and a batch of %d needs "
                    + "about %.0f MiB to prove; try again later", budget / MIB, (budget - reservedBytes) / MIB, batch, bytes / MIB));
        }
        reservedBytes += bytes;
        return bytes;
    }

    private synchronized void release(long bytes) {
        reservedBytes -= bytes;
    }

    /** Bytes of --max-memory reserved by running sessions now. */
    synchronized long reservedBytes() {
        return reservedBytes;
    }

    private static final double MIB = 1024.0 * 1024.0;

    int runningSessions() {
        return running.size();
    }

    /** Sessions whose proof is running now (a running session may still be reading its input). */
    int provingSessions() {
        return provingNow.get();
    }

    /**
     * Stops admitting sessions, lets the running ones finish for up to the grace period, then stops the rest
     * (their calls end with UNAVAILABLE) and waits for their threads to leave.
     */
    void shutdown() throws InterruptedException {
        closing = true;
        int all = settings.maxSessions();
        if (!slots.tryAcquire(all, settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
            for (Session session : running) session.stop(CallStatus.UNAVAILABLE, "the host is shutting down");
            if (!slots.tryAcquire(all, 30, TimeUnit.SECONDS)) log.accept("shutdown: " + running.size() + " sessions did not stop within 30 s");
        }
        watchdog.shutdownNow();
    }
}
