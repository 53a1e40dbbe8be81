package io.scaleprotoseg.runtime.trt;

/**
 * One CUDA device as the TensorRT backend sees it.
 *
 * @param device the CUDA device index
 * @param name the device name, e.g. {@code NVIDIA A10G}
 * @param ccMajor compute capability, major
 * @param ccMinor compute capability, minor
 * @param totalMemory device memory in bytes
 * @param driverCudaVersion the newest CUDA version the driver supports, e.g. {@code 13.1}
 * @param cudaRuntimeVersion the loaded CUDA runtime's version
 * @param tensorRtVersion the loaded TensorRT library's version
 */
public record GpuInfo(int device, String name, int ccMajor, int ccMinor, long totalMemory, String driverCudaVersion,
        String cudaRuntimeVersion, String tensorRtVersion) {

    /** {@code 8.6}. */
    public String computeCapability() {
        return ccMajor + "." + ccMinor;
    }

    /** {@code NVIDIA A10G (sm 8.6, 22 GB), CUDA runtime 13.1, driver CUDA 13.1}. */
    public String describe() {
        return name + " (device " + device + ", compute capability " + computeCapability() + ", "
                + Math.round(totalMemory / (1024.0 * 1024 * 1024)) + " GB), CUDA runtime " + cudaRuntimeVersion
                + ", driver supports CUDA " + driverCudaVersion;
    }
}
