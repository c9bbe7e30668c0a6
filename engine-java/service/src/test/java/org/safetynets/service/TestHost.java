package org.safetynets.service;

import org.apache.arrow.flight.FlightProducer;
import org.safetynets.Limits;
import org.safetynets.backend.Backends;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A prover host on a loopback ephemeral port serving the demo CNN (seed 1) as "demo" and another (seed 2) as
 * "other", on the CPU backend; or a cheating one ({@link #tampering}, {@link #servingOtherAsDemo}).
 */
final class TestHost implements AutoCloseable {
    static final Model DEMO = DemoNetwork.build(1);
    static final Model OTHER = DemoNetwork.build(2);
    /** The tests' memory budget: half the heap, read from this JVM. */
    static final long MEMORY = Runtime.getRuntime().maxMemory() / 2;

    final ProverHostServer server;
    final List<String> log = new CopyOnWriteArrayList<>();
    /** What the host reported of its warm-up, one line per model, before it listened. */
    final List<String> warmUp = new CopyOnWriteArrayList<>();

    TestHost(String token, int maxSessions, Duration sessionTimeout) throws Exception {
        this(token, maxSessions, sessionTimeout, Limits.DEFAULTS);
    }

    TestHost(String token, int maxSessions, Duration sessionTimeout, Limits limits) throws Exception {
        this(plaintext(token), new ProverHost.Settings(maxSessions, sessionTimeout, Duration.ofSeconds(2), limits, MEMORY));
    }

    TestHost(ProverHostServer.Listen listen, ProverHost.Settings settings) throws Exception {
        this(listen, settings, models(DEMO), UnaryOperator.identity());
    }

    private TestHost(ProverHostServer.Listen listen, ProverHost.Settings settings, Map<String, Model> models, UnaryOperator<FlightProducer> producer)
            throws Exception {
        server = ProverHostServer.start(listen, new ModelRegistry(models), Backends.open("cpu", 2, reason -> { }), settings, log::add, warmUp::add, producer);
    }

    private static Map<String, Model> models(Model demo) {
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("demo", demo);
        models.put("other", OTHER);
        return models;
    }

    private static ProverHost.Settings defaults() {
        return new ProverHost.Settings(8, Duration.ofSeconds(30), Duration.ofSeconds(2), Limits.DEFAULTS, MEMORY);
    }

    static ProverHostServer.Listen plaintext(String token) {
        return new ProverHostServer.Listen("localhost", 0, token, null, null);
    }

    static TestHost honest() throws Exception {
        return new TestHost(plaintext(null), defaults());
    }

    /** An honest host behind a producer that changes its messages on the wire. */
    static TestHost tampering(TamperingHost.Tamper tamper) throws Exception {
        return new TestHost(plaintext(null), defaults(), models(DEMO), host -> new TamperingHost(host, tamper));
    }

    /** The honest host behind {@code producer}: a test's misbehaving host, which may also ignore it and answer alone. */
    static TestHost behind(UnaryOperator<FlightProducer> producer) throws Exception {
        return new TestHost(plaintext(null), defaults(), models(DEMO), producer);
    }

    /** A host that serves another model's weights under the name "demo" (clients must ask by name to reach it). */
    static TestHost servingOtherAsDemo() throws Exception {
        return new TestHost(plaintext(null), defaults(), models(OTHER), UnaryOperator.identity());
    }

    String address() {
        return "localhost:" + server.port();
    }

    ProverClient client() {
        return ProverClient.connect(address(), ProverClient.Options.DEFAULTS.withTimeout(Duration.ofSeconds(30)));
    }

    /** Waits (bounded) until no session runs. */
    void awaitIdle() throws InterruptedException {
        for (int i = 0; i < 200 && server.runningSessions() > 0; i++) Thread.sleep(25);
        assertEquals(0, server.runningSessions(), "sessions still running: " + log);
    }

    /** Closes the host; the allocator must be empty (RootAllocator.close throws on a leak). */
    @Override
    public void close() throws Exception {
        awaitIdle();
        assertEquals(0, server.allocatedBytes(), "the host's allocator holds memory with no session running");
        server.close();
    }
}
