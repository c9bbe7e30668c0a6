package org.safetynets.backend;

import org.safetynets.BackendUnavailable;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The device a user asked for by number ({@code --device N}, a Spark GPU address): the one rule for the device
 * backends, so "no such device" and "that device cannot run the kernels" read the same for CUDA and OpenCL.
 */
public final class DeviceNumber {
    private DeviceNumber() {
    }

    /**
     * The device numbered {@code number} among {@code devices}, or a {@link BackendUnavailable} that names the
     * backend and either the numbers there are or why that device is unusable.
     *
     * @param number         the device's number as {@code safetynets backends} lists it
     * @param numberOf       a device's number
     * @param unusableReason why a device cannot be used, null when it can
     * @param describe       a device in one line
     */
    public static <D> D pick(String backend, List<D> devices, int number, ToIntFunction<D> numberOf,
                             Function<D, String> unusableReason, Function<D, String> describe) {
        List<String> numbers = new ArrayList<>();
        for (D device : devices) {
            if (numberOf.applyAsInt(device) == number) {
                String reason = unusableReason.apply(device);
                if (reason != null) {
                    throw new BackendUnavailable("backend '" + backend + "' cannot use device " + number + ", "
                            + describe.apply(device) + ": " + reason);
                }
                return device;
            }
            numbers.add(Integer.toString(numberOf.applyAsInt(device)));
        }
        throw new BackendUnavailable("backend '" + backend + "' has no device " + number
                + (numbers.isEmpty() ? " (it found none)" : " (its devices: " + String.join(", ", numbers) + ")"));
    }
}
