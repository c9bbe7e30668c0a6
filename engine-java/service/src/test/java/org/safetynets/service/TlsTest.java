package org.safetynets.service;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.Limits;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.ModelCodec;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A host serving TLS (--tls-cert/--tls-key, PEM, PKCS#8 key): a client that trusts its certificate ACCEPTs; a
 * client that trusts another certificate, one that speaks plaintext to it, and one that speaks TLS to a plaintext
 * host each get a one-line error and exit 2, within their deadline, not a hang. The certificates are made here by
 * the JDK's keytool (self-signed, for localhost and 127.0.0.1).
 */
class TlsTest {
    @TempDir
    static Path dir;

    private static Path[] host;   // certificate, key
    private static Path[] other;  // another self-signed certificate and key
    private static Path model;
    private static Path input;

    @BeforeAll
    static void certificatesAndFiles() throws Exception {
        host = selfSigned("host");
        other = selfSigned("other");
        model = dir.resolve("model.snm");
        Files.write(model, ModelCodec.encode(TestHost.DEMO));
        input = dir.resolve("input.json");
        Files.writeString(input, Arrays.stream(DemoNetwork.inputs(3, 2)).map(Arrays::toString)
                .collect(Collectors.joining(", ", "{\"input_data\": [", "]}")));
    }

    /** keytool -genkeypair into a PKCS#12 store, then the certificate and the PKCS#8 key written as PEM. */
    private static Path[] selfSigned(String name) throws Exception {
        Path store = dir.resolve(name + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0, "keytool failed: " + output);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        Certificate certificate = keys.getCertificate(name);
        Key key = keys.getKey(name, "changeit".toCharArray());
        assertEquals("PKCS#8", key.getFormat());
        Path certificatePem = dir.resolve(name + ".crt.pem");
        Path keyPem = dir.resolve(name + ".key.pem");
        Files.writeString(certificatePem, pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
        return new Path[] {certificatePem, keyPem};
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run client(String mode, String server, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("client", mode, "--server", server, "-M", model.toString(), "-D", input.toString(),
                "--timeout", "20"));
        args.addAll(List.of(extra));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // A hang would be a failure, not a slow pass: the client's own deadline is 20 s.
        int exit = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> ServiceMain.execute(new PrintWriter(out), new PrintWriter(err), args.toArray(new String[0])));
        return new Run(exit, out.toString(), err.toString());
    }

    private static TestHost tlsHost() throws Exception {
        return new TestHost(new ProverHostServer.Listen("localhost", 0, null, host[0], host[1]),
                new ProverHost.Settings(4, Duration.ofSeconds(30), Duration.ofSeconds(2), Limits.DEFAULTS, TestHost.MEMORY));
    }

    @Test
    void aClientThatTrustsTheCertificateAccepts() throws Exception {
        try (TestHost tls = tlsHost()) {
            for (String mode : List.of("interactive", "prove")) {
                Run run = client(mode, tls.address(), "--tls-trust", host[0].toString());
                assertEquals(0, run.exit(), run.out() + run.err());
                assertTrue(run.out().startsWith("ACCEPT"), run.out());
            }
        }
    }

    @Test
    void mismatchesAreClearErrorsNotHangs() throws Exception {
        try (TestHost tls = tlsHost()) {
            Run untrusted = client("interactive", tls.address(), "--tls-trust", other[0].toString());
            assertError(untrusted);
            Run plaintext = client("interactive", tls.address());
            assertError(plaintext);
        }
        try (TestHost plain = TestHost.honest()) {
            Run tlsToPlain = client("prove", plain.address(), "--tls-trust", host[0].toString());
            assertError(tlsToPlain);
        }
    }

    private static void assertError(Run run) {
        assertEquals(2, run.exit(), run.out() + run.err());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("error: the prover host (--server): "), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
    }
}
