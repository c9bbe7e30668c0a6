package org.safetynets.opencl;

import org.safetynets.BackendUnavailable;
import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendProvider;
import org.safetynets.backend.DeviceNumber;

import java.util.ArrayList;
import java.util.List;

/**
 * Registers the OpenCL backend as "opencl": under "auto" after CUDA and before the CPU backend when the device is a
 * GPU or an accelerator, but after the CPU backend when the only device is a CPU (POCL): the Java backend on the same
 * cores is faster there (see bench/README.md), and "--backend opencl" still chooses it. Availability comes from
 * a probe made once per process that never throws: without the OpenCL library, a platform or a usable device the
 * reason says which, and "auto" moves on to the next backend.
 */
public final class OpenClBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public int autoPriority() {
        OpenClDevices.Device chosen = OpenClDevices.probe().chosen();
        return chosen != null && chosen.type().equals("CPU") ? CPU_DEVICE_PRIORITY : 20;
    }

    /** After the CPU backend's 100. */
    static final int CPU_DEVICE_PRIORITY = 110;

    @Override
    public String unavailableReason() {
        return OpenClDevices.probe().unavailableReason();
    }

    /** The devices found, the one used marked, each unusable one with its reason. */
    @Override
    public List<String> devices() {
        OpenClDevices.Probe probe = OpenClDevices.probe();
        List<String> lines = new ArrayList<>();
        for (OpenClDevices.Device d : probe.devices()) {
            String status = d == probe.chosen() ? "used" : d.usable() ? "usable" : "unusable: " + d.unusableReason();
            lines.add("device " + d.index() + ": " + d.describe() + ": " + status);
        }
        return lines;
    }

    /**
     * @param threads ignored: the device's own parallelism is used (POCL runs on every core)
     */
    @Override
    public Backend open(int threads) {
        if (threads < 0) throw new IllegalArgumentException("threads must be 0 (all cores) or positive: " + threads);
        OpenClDevices.Probe probe = OpenClDevices.probe();
        if (probe.chosen() == null) throw new BackendUnavailable("backend 'opencl' is unavailable: " + probe.unavailableReason());
        return new OpenClBackend(probe.chosen());
    }

    /** On the device numbered {@code device} in {@link #devices()}, when it is there and usable. */
    @Override
    public Backend open(int threads, int device) {
        if (threads < 0) throw new IllegalArgumentException("threads must be 0 (all cores) or positive: " + threads);
        OpenClDevices.Probe probe = OpenClDevices.probe();
        OpenClDevices.Device chosen = DeviceNumber.pick("opencl", probe.devices(), device, OpenClDevices.Device::index,
                OpenClDevices.Device::unusableReason, OpenClDevices.Device::describe);
        return new OpenClBackend(chosen);
    }
}
