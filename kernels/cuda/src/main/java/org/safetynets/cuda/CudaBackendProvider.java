package org.safetynets.cuda;

import org.safetynets.BackendUnavailable;
import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendProvider;
import org.safetynets.backend.DeviceNumber;

import java.util.ArrayList;
import java.util.List;

/**
 * Registers the CUDA backend as "cuda", first under "auto" (priority 10). Availability comes from a probe made
 * once per process that never throws: without the NVIDIA driver (libcuda.so.1), a GPU, a driver new enough for
 * the PTX, or a GPU of compute capability 7.5 or newer, the reason says which in one line, and "auto" moves on.
 */
public final class CudaBackendProvider implements BackendProvider {
    static final int PRIORITY = 10;

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int autoPriority() {
        return PRIORITY;
    }

    @Override
    public String unavailableReason() {
        return CudaDevices.probe().unavailableReason();
    }

    /** The GPUs found, the one used marked, each unusable one with its reason. */
    @Override
    public List<String> devices() {
        CudaDevices.Probe probe = CudaDevices.probe();
        List<String> lines = new ArrayList<>();
        for (CudaDevices.Device d : probe.devices()) {
            String status = d == probe.chosen() ? "used" : d.usable() ? "usable" : "unusable: " + d.unusableReason();
            lines.add("device " + d.ordinal() + ": " + d.describe() + ": " + status);
        }
        return lines;
    }

    /**
     * @param threads ignored: the GPU's own parallelism is used
     */
    @Override
    public Backend open(int threads) {
        if (threads < 0) throw new IllegalArgumentException("threads must be 0 (all cores) or positive: " + threads);
        CudaDevices.Probe probe = CudaDevices.probe();
        if (probe.chosen() == null) throw new BackendUnavailable("backend 'cuda' is unavailable: " + probe.unavailableReason());
        return new CudaBackend(probe.chosen(), probe.driverVersion());
    }

    /** On the device numbered {@code device} in {@link #devices()}, when it is there and usable. */
    @Override
    public Backend open(int threads, int device) {
        if (threads < 0) throw new IllegalArgumentException("threads must be 0 (all cores) or positive: " + threads);
        CudaDevices.Probe probe = CudaDevices.probe();
        CudaDevices.Device chosen = DeviceNumber.pick("cuda", probe.devices(), device, CudaDevices.Device::ordinal,
                CudaDevices.Device::unusableReason, CudaDevices.Device::describe);
        return new CudaBackend(chosen, probe.driverVersion());
    }
}
