package org.safetynets.service;

import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.safetynets.backend.Backend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A running prover host: the Flight server, its allocator and the backend, owned together and freed by
 * {@link #close()} in order (sessions finish or are stopped, the server stops, then the backend and the allocator,
 * which must then be empty).
 */
public final class ProverHostServer implements AutoCloseable {
    /** Where and how the host listens. */
    public record Listen(String host, int port, String token, Path tlsCertificate, Path tlsKey) {
        public Listen {
            if ((tlsCertificate == null) != (tlsKey == null)) {
                throw new org.safetynets.MalformedInput("--tls-cert/--tls-key", "give both or neither");
            }
        }

        boolean tls() {
            return tlsCertificate != null;
        }
    }

    /**
     * gRPC logs every connection that fails before its first call (a client speaking TLS to a plaintext host, a port
     * scanner) at INFO with a stack trace, through java.util.logging, which prints INFO on standard error: one client's
     * mistake would fill the host's log. Warnings still print. Held here so the setting is not collected with the logger.
     */
    private static final java.util.logging.Logger TRANSPORT_LOG = java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerTransport");
    /**
     * gRPC logs a WARNING with a stack trace for each message it refuses as longer than {@link ProverHost#maxInboundBytes}:
     * any client could fill the log with them. The session's own line says how it ended.
     */
    private static final java.util.logging.Logger STREAM_LOG = java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerStream");

    /**
     * gRPC logs a "Stream Error" WARNING with a stack trace when a client resets a call the host is ending (a client
     * cut off by its timeout, a host shutting down under open calls): a client can cause them at will, and the session's
     * own line says how it ended.
     */
    private static final java.util.logging.Logger HANDLER_LOG = java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerHandler");

    static {
        TRANSPORT_LOG.setLevel(java.util.logging.Level.WARNING);
        STREAM_LOG.setLevel(java.util.logging.Level.SEVERE);
        HANDLER_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    private final BufferAllocator allocator;
    private final Backend backend;
    private final ProverHost host;
    private final FlightServer server;
    private final Consumer<String> log;
    private boolean closed;

    private ProverHostServer(BufferAllocator allocator, Backend backend, ProverHost host, FlightServer server, Consumer<String> log) {
        this.allocator = allocator;
        this.backend = backend;
        this.host = host;
        this.server = server;
        this.log = log;
    }

    /** Starts serving {@code models}; the server takes ownership of {@code backend} and closes it. */
    static ProverHostServer start(Listen listen, ModelRegistry models, Backend backend, ProverHost.Settings settings, Consumer<String> log)
            throws IOException {
        return start(listen, models, backend, settings, log, null, UnaryOperator.identity());
    }

    /**
     * As {@link #start(Listen, ModelRegistry, Backend, ProverHost.Settings, Consumer)}, first warming and self-checking
     * every model ({@link ProverHost#warmUp}, one line each to {@code warmUpReport}; none if it is null) before the
     * host listens, and serving {@code producer} applied to the host: tests put a host that tampers with what goes on
     * the wire in front of an honest one.
     */
    static ProverHostServer start(Listen listen, ModelRegistry models, Backend backend, ProverHost.Settings settings, Consumer<String> log,
                                  Consumer<String> warmUpReport, UnaryOperator<FlightProducer> producer) throws IOException {
        // Arrow's buffers (batches received and sent) count against the same budget as the sessions' reservations.
        BufferAllocator allocator = new RootAllocator(settings.maxMemoryBytes());
        try {
            ProverHost host = new ProverHost(models, backend, allocator, settings, log);
            if (warmUpReport != null) host.warmUp(warmUpReport);
            Location location = listen.tls() ? Location.forGrpcTls(listen.host(), listen.port()) : Location.forGrpcInsecure(listen.host(), listen.port());
            FlightServer.Builder builder = FlightServer.builder(allocator, location, producer.apply(host))
                    .maxInboundMessageSize((int) host.maxInboundBytes());
            PeerAddress.install(builder);
            if (listen.token() != null) builder.headerAuthenticator(new BearerTokenAuthenticator(listen.token()));
            if (listen.tls()) builder.useTls(listen.tlsCertificate().toFile(), listen.tlsKey().toFile());
            FlightServer server = builder.build();
            server.start();
            return new ProverHostServer(allocator, backend, host, server, log);
        } catch (IOException | RuntimeException e) {
            backend.close();
            allocator.close();
            throw e;
        }
    }

    public int port() {
        return server.getPort();
    }

    int runningSessions() {
        return host.runningSessions();
    }

    long reservedBytes() {
        return host.reservedBytes();
    }

    int provingSessions() {
        return host.provingSessions();
    }

    /** The largest inbound gRPC message the host accepts ({@link ProverHost#maxInboundBytes}). */
    long maxInboundBytes() {
        return host.maxInboundBytes();
    }

    /** Bytes the host's allocator holds now (zero when no session runs). */
    long allocatedBytes() {
        return allocator.getAllocatedMemory();
    }

    /** Blocks until the server has stopped (after {@link #close()} from another thread, e.g. a SIGTERM hook). */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            host.shutdown();
            server.shutdown();
            if (!server.awaitTermination(10, TimeUnit.SECONDS)) log.accept("shutdown: the Flight server did not stop within 10 s");
            server.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            backend.close();
            long leaked = allocator.getAllocatedMemory();
            if (leaked != 0) log.accept("shutdown: the Arrow allocator still holds " + leaked + " bytes");
            allocator.close();
        }
    }
}
