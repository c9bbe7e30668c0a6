package org.safetynets.model;

import org.safetynets.field.Fp;

/** Checks shared by the layers' constructors. */
final class Parameters {
    private Parameters() {
    }

    static void requireLength(String what, long[] values, long expected) {
        if (values == null) throw new IllegalArgumentException(what + " are missing");
        if (values.length != expected) {
            throw new IllegalArgumentException(what + ": expected " + expected + " values, got " + values.length);
        }
    }

    static void requireSigned(String what, long[] values) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] > Fp.MAX_SIGNED || values[i] < -Fp.MAX_SIGNED) {
                throw new IllegalArgumentException(what + "[" + i + "] = " + values[i] + " is outside the field's signed range");
            }
        }
    }
}
