package org.safetynets.kernels;

/**
 * One argument of a kernel launch, in the kernel's parameter order: a device buffer ({@code GLOBAL u64 *} or
 * {@code GLOBAL i32 *} in the kernel), or an unsigned integer passed by value, 32 bits ({@code u32}) or 64 bits
 * ({@code u64}). The width is part of the argument because a device API copies exactly that many bytes into the
 * parameter: a u32 passed as 8 bytes, or a u64 as 4, would shift every later parameter.
 *
 * @param <B> the device API's buffer handle
 */
public sealed interface KernelArg<B> permits KernelArg.Buffer, KernelArg.U32, KernelArg.U64 {
    /** A device buffer. */
    record Buffer<B>(B memory) implements KernelArg<B> {
    }

    /** A u32 parameter; {@code bits} holds its 32 bits (values above 2^31 - 1 read as negative ints). */
    record U32<B>(int bits) implements KernelArg<B> {
    }

    /** A u64 parameter. */
    record U64<B>(long bits) implements KernelArg<B> {
    }
}
