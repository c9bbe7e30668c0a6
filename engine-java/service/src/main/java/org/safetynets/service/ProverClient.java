package org.safetynets.service;

import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
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

    private final BufferAllocator allocator;
    private final FlightClient client;
    private final Options options;

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

    private CallOption[] callOptions() {
        List<CallOption> list = new ArrayList<>();
        list.add(CallOptions.timeout(options.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        if (options.token() != null) list.add(new CredentialCallOption(new BearerCredentialWriter(options.token())));
        return list.toArray(new CallOption[0]);
    }

    /** The models the host serves, one JSON object each (name, digest, shapes). */
    public List<String> models() {
        List<String> out = new ArrayList<>();
        Iterator<Result> results = client.doAction(new Action(ProverHost.MODELS_ACTION), callOptions());
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
        FlightDescriptor descriptor = FlightDescriptor.command(new ExchangeRequest(ExchangeRequest.Mode.PROVE, reference).encode());
        try (FlightClient.ExchangeReaderWriter exchange = client.doExchange(descriptor, callOptions());
             VectorSchemaRoot input = ArrowBatches.write(allocator, model.inputShape().size(), samples)) {
            exchange.getWriter().start(input);
            exchange.getWriter().putNext();
            exchange.getWriter().completed();
            FlightStream reader = exchange.getReader();
            long[][] claimed;
            ByteArrayOutputStream proof = new ByteArrayOutputStream();
            try {
                if (!reader.next()) throw new ProofRejected("the host ended the exchange without outputs");
                Frame first = Frame.read(reader.getLatestMetadata(), "host");
                if (first.kind() != Frame.Kind.BATCH_MESSAGE) throw new ProofRejected("the host sent " + first.kind() + " before its outputs");
                claimed = ArrowBatches.read(reader.getRoot(), width, samples.length, samples.length + " samples sent", "the host's outputs");
                if (claimed.length != samples.length) throw new ProofRejected("the host sent " + claimed.length + " outputs for " + samples.length + " samples");
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
                if (reader.next()) throw new ProofRejected("the host sent more after the end of its proof");
            } catch (ProofRejected | MalformedInput e) {
                return new Answer(new Verdict.Rejected(e.getMessage(), 0, -1), null, proof.toByteArray());
            }
            byte[] file = proof.toByteArray();
            Verdict verdict = model.verify(samples, file);
            if (verdict instanceof Verdict.Accepted accepted) {
                String difference = difference(claimed, accepted.outputs());
                if (difference != null) verdict = new Verdict.Rejected(difference, 0, -1);
            }
            return new Answer(verdict, claimed, file);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw rethrow(e);
        }
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
        FlightDescriptor descriptor = FlightDescriptor.command(new ExchangeRequest(ExchangeRequest.Mode.INTERACTIVE, reference).encode());
        try (FlightClient.ExchangeReaderWriter exchange = client.doExchange(descriptor, callOptions());
             VectorSchemaRoot inputRoot = ArrowBatches.write(allocator, model.inputShape().size(), samples)) {
            exchange.getWriter().start(inputRoot);
            exchange.getWriter().putNext();
            FlightTranscript channel = FlightTranscript.verifier(exchange.getReader(), exchange.getWriter(), allocator, model.outputShape().size());
            Verdict verdict = model.verify(input, channel);
            if (verdict.accepted()) {
                try {
                    channel.requireEnd();
                } catch (ProofRejected e) {
                    verdict = new Verdict.Rejected(e.getMessage(), 0, -1);
                }
            }
            String text = verdict instanceof Verdict.Rejected rejected ? "REJECT: " + rejected.describe() : "ACCEPT";
            exchange.getWriter().putMetadata(Frame.text(Frame.Kind.VERDICT, text).toBuffer(allocator));
            exchange.getWriter().completed();
            // Let the host read the verdict and end the call: closing now would cancel it under the host's feet.
            // A host has nothing more to say, so a few messages at most are read (and ignored) before giving up.
            for (int i = 0; i < 4 && exchange.getReader().next(); i++) {
                // ignored
            }
            return verdict;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    private static RuntimeException rethrow(Exception e) {
        if (e instanceof RuntimeException runtime) return runtime;
        return new IllegalStateException(e);
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

    @Override
    public void close() {
        try {
            client.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            allocator.close();
        }
    }
}
