package org.safetynets.proof;

import org.safetynets.MalformedInput;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.field.Fp;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile proof bytes get a typed error or a rejection with a clear reason, never an unchecked exception. */
class MalformedProofTest {
    private Model model;
    private long[][] inputs;
    private byte[] file;

    @BeforeEach
    void prove() {
        model = TestModels.zoo(1).get(9); // mlp
        inputs = TestModels.inputs(model, 3, 1);
        file = ProofCodec.encode(Prover.prove(model, inputs, new ReferenceBackend()));
        assertTrue(Verifier.verify(model, inputs, file).accepted());
    }

    private String rejection(byte[] bytes) {
        return assertInstanceOf(Verdict.Rejected.class, Verifier.verify(model, inputs, bytes)).describe();
    }

    @Test
    void truncatedProof() {
        for (int cut : new int[] {0, 5, 20, ProofCodec.HEADER_BYTES, file.length - 1}) {
            byte[] truncated = Arrays.copyOf(file, cut);
            String reason = rejection(truncated);
            assertTrue(reason.contains("truncated") || reason.contains("magic"), reason);
        }
        MalformedInput e = assertThrows(MalformedInput.class, () -> ProofCodec.decode(Arrays.copyOf(file, file.length - 8), "p.bin"));
        assertTrue(e.getMessage().startsWith("p.bin: proof is truncated"), e.getMessage());
    }

    @Test
    void bodyShorterThanTheScheduleNeeds() {
        Proof proof = ProofCodec.decode(file, "p");
        byte[] body = Arrays.copyOf(proof.body(), proof.body().length - 8);
        String reason = assertInstanceOf(Verdict.Rejected.class,
                Verifier.verify(model, inputs, new Proof(proof.modelDigest(), 3, proof.input(), proof.output(), body))).describe();
        assertTrue(reason.contains("proof body has " + (proof.bodyLength() - 8) + " bytes; the proof of this model for a batch of 3 has "
                + proof.bodyLength()), reason);
    }

    @Test
    void valueNotBelowP() {
        Proof proof = ProofCodec.decode(file, "p");
        byte[] body = proof.body();
        Fp.write(Fp.P, body, 16);
        String reason = assertInstanceOf(Verdict.Rejected.class,
                Verifier.verify(model, inputs, new Proof(proof.modelDigest(), 3, proof.input(), proof.output(), body))).describe();
        assertTrue(reason.contains("not a canonical field element"), reason);
    }

    @Test
    void otherVersionAndMagic() {
        byte[] other = file.clone();
        ByteBuffer.wrap(other).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 3);
        assertTrue(rejection(other).contains("version 3"), rejection(other));
        // A format-1 proof (61-bit challenges) gets its own line: it is no longer accepted, prove again.
        byte[] first = file.clone();
        ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 1);
        assertTrue(rejection(first).contains("proof format version 1 was made with 61-bit challenges and is no longer accepted; prove again"),
                rejection(first));
        byte[] magic = file.clone();
        magic[0] = 'X';
        assertTrue(rejection(magic).contains("magic"));
    }

    @Test
    void trailingBytes() {
        byte[] longer = Arrays.copyOf(file, file.length + 3);
        assertTrue(rejection(longer).contains("trailing"), rejection(longer));
        // Trailing bytes inside a body whose declared length covers them: longer than the schedule, rejected unread.
        Proof proof = ProofCodec.decode(file, "p");
        byte[] body = Arrays.copyOf(proof.body(), proof.body().length + 8);
        String reason = assertInstanceOf(Verdict.Rejected.class,
                Verifier.verify(model, inputs, new Proof(proof.modelDigest(), 3, proof.input(), proof.output(), body))).describe();
        assertTrue(reason.contains("proof body has " + body.length + " bytes"), reason);
    }

    @Test
    void hugeDeclaredBodyIsRefusedBeforeAllocating() {
        byte[] header = Arrays.copyOf(file, ProofCodec.HEADER_BYTES);
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(ProofCodec.HEADER_BYTES - 8, 1L << 40);
        assertTrue(rejection(header).contains("proof is truncated: body declares 1099511627776 bytes, 0 present"), rejection(header));
    }

    @Test
    void proofForAnotherModelOrBatch() {
        Model other = TestModels.zoo(2).get(9);
        assertEquals("proof is for a different model (digest mismatch)",
                assertInstanceOf(Verdict.Rejected.class, Verifier.verify(other, inputs, file)).reason());
        long[][] fewer = Arrays.copyOf(inputs, 2);
        assertTrue(assertInstanceOf(Verdict.Rejected.class, Verifier.verify(model, fewer, file)).reason().contains("batch of 3"));
    }

    @Test
    void inputsOutsideTheModelsRangeAreRefused() {
        long[][] bad = Arrays.stream(inputs).map(long[]::clone).toArray(long[][]::new);
        bad[1][2] = 99;
        MalformedInput e = assertThrows(MalformedInput.class, () -> Prover.prove(model, bad, new ReferenceBackend()));
        assertTrue(e.getMessage().contains("sample 1 value 2 is 99"), e.getMessage());
        String reason = assertInstanceOf(Verdict.Rejected.class, Verifier.verify(model, bad, file)).reason();
        assertTrue(reason.contains("outside the model's input range"), reason);
    }
}
