package org.safetynets.model;

import org.safetynets.tensor.Shape;

/**
 * One layer of a quantized network, in integers. Every layer is an arithmetic circuit over F_p, so the field
 * result equals the integer network's result whenever no value leaves the field's signed range (which
 * {@link ValueBounds} proves before anything runs).
 */
public sealed interface Layer permits Dense, Conv2d, Square, SumPool, Flatten {
    /** The shape this layer produces from {@code input}; throws IllegalArgumentException when they do not fit. */
    Shape outputShape(Shape input);

    /** Short name for messages and tables ("dense", "conv2d", ...). */
    String kind();

    /** One line: kind and parameters. */
    String describe();
}
