package org.safetynets.bench;

import org.junit.jupiter.api.Test;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.field.Fp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The C reference and the Java side fill the same operands and hash the product the same way. */
class CReferenceAgreementTest {
    /** Odd sizes, and an inner size past one 64-term accumulator block. */
    private static final MatmulShape SHAPE = new MatmulShape(13, 7, 150);

    @Test
    void cReferenceAndCpuBackendAgreeOnTheChecksum() {
        CReference reference;
        try {
            reference = CReference.compile("gcc");
        } catch (CReference.Unavailable e) {
            assumeTrue(false, "C reference unavailable: " + e.getMessage());
            return;
        }
        try (reference) {
            CReference.Result c = reference.run(SHAPE, 1);
            assertEquals(SHAPE, c.shape());
            assertEquals(naiveChecksum(), c.checksum(), "C reference vs naive Java product");
            FieldFill.Operands operands = FieldFill.Operands.standard(SHAPE);
            try (Backend backend = Backends.open("cpu", 2, message -> { });
                 DeviceTensor a = backend.upload(operands.a());
                 DeviceTensor b = backend.upload(operands.b());
                 DeviceTensor product = backend.matmul(a, b, SHAPE.m(), SHAPE.k(), SHAPE.n())) {
                assertEquals(c.checksum(), FieldFill.checksum(backend.download(product)), "C reference vs CPU backend");
            }
        }
    }

    @Test
    void sizesParse() {
        assertEquals(new MatmulShape(512, 512, 512), MatmulShape.parse("512"));
        assertEquals(new MatmulShape(3, 4, 5), MatmulShape.parse("3x4x5"));
    }

    private static long naiveChecksum() {
        FieldFill.Operands operands = FieldFill.Operands.standard(SHAPE);
        long[] c = new long[SHAPE.m() * SHAPE.n()];
        for (int i = 0; i < SHAPE.m(); i++)
            for (int j = 0; j < SHAPE.n(); j++) {
                long s = 0;
                for (int t = 0; t < SHAPE.k(); t++) s = Fp.add(s, Fp.mul(operands.a()[i * SHAPE.k() + t], operands.b()[t * SHAPE.n() + j]));
                c[i * SHAPE.n() + j] = s;
            }
        return FieldFill.checksum(c);
    }
}
