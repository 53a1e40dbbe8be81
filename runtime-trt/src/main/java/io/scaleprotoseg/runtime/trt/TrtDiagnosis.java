package io.scaleprotoseg.runtime.trt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says what keeps the TensorRT backend from running, from what was observed on the host. A pure
 * function of its {@link Observations} (loader error texts, library files found, CUDA status
 * codes), so that every message can be checked on a machine without a GPU.
 */
public final class TrtDiagnosis {
    /** Oldest driver branch that runs CUDA 13.x applications (CUDA minor-version compatibility). */
    public static final int MIN_DRIVER = 580;
    /** cudaDriverGetVersion of the oldest driver for CUDA 13 (13.0 = 13000). */
    public static final int MIN_DRIVER_CUDA_VERSION = 13000;
    /** Oldest compute capability CUDA 13 and TensorRT 10.15 support (Turing), times ten. */
    public static final int MIN_COMPUTE_CAPABILITY = 75;

    static final String TENSORRT_REDIST = "org.bytedeco:tensorrt:10.15-1.5.13:linux-x86_64-redist";
    static final String CUDA_REDIST = "org.bytedeco:cuda:13.1-9.19-1.5.13:linux-x86_64-redist";

    // CUDA runtime error codes (cuda_runtime_api.h)
    static final int CUDA_ERROR_INSUFFICIENT_DRIVER = 35;
    static final int CUDA_ERROR_NO_DEVICE = 100;
    static final int CUDA_ERROR_SYSTEM_DRIVER_MISMATCH = 803;

    private static final Pattern MISSING_SONAME = Pattern.compile("([A-Za-z0-9_.+-]+\\.so[0-9.]*): cannot open shared object file");
    private static final Pattern DRIVER_VERSION = Pattern.compile("\\b(\\d{3,4})\\.(\\d{1,3})(?:\\.(\\d{1,3}))?\\b");
    private static final Pattern CUDA_LIB = Pattern.compile("lib(cudart|cublas|cublasLt|nvrtc|nvrtc-builtins|cudnn[a-z_]*)\\.so.*");
    private static final Pattern TENSORRT_LIB = Pattern.compile("libnv(infer|infer_plugin|onnxparser|infer_builder_resource"
            + "[a-z_]*|infer_vc_plugin)\\.so.*");

    private TrtDiagnosis() {
    }

    /** What is wrong. */
    public enum Kind {
        /** Not Linux x86-64: this build carries no natives for the platform. */
        UNSUPPORTED_PLATFORM,
        /** No NVIDIA driver (libcuda.so.1 missing or not working). */
        NO_DRIVER,
        /** A driver older than CUDA 13.1 needs. */
        DRIVER_TOO_OLD,
        /** The driver's user-space library and kernel module differ in version. */
        DRIVER_MISMATCH,
        /** A working driver but no visible GPU. */
        NO_GPU,
        /** The GPU is older than CUDA 13 / TensorRT 10.15 support. */
        GPU_TOO_OLD,
        /** CUDA 13 runtime, cuBLAS, NVRTC or cuDNN 9 libraries missing. */
        CUDA_LIBRARIES_MISSING,
        /** TensorRT 10 libraries missing. */
        TENSORRT_MISSING,
        /** Libraries present but of another version than the bridges were built for. */
        LIBRARY_VERSION_MISMATCH,
        /** A loader failure this diagnosis does not recognise (quoted as is). */
        OTHER
    }

    /**
     * What was observed on the host.
     *
     * @param osName {@code os.name}
     * @param osArch {@code os.arch}
     * @param missingLibraries library files searched for and not found (host library path and
     *     redist jars); see {@link HostLibraries}
     * @param procDriverVersion the text of {@code /proc/driver/nvidia/version}, or null when absent
     * @param loadFailure the exception chain of the first native load that failed, as
     *     {@link #describe(Throwable)} writes it; null when every load succeeded
     * @param cudaDriverVersion what {@code cudaDriverGetVersion} returned (e.g. 13010 for CUDA
     *     13.1; 0 means no driver), or null when the CUDA runtime could not be loaded
     * @param deviceCountStatus the status of {@code cudaGetDeviceCount} (0 = success), or null when not called
     * @param deviceCountStatusText the status's name and description, for messages
     * @param deviceCount the device count when the status was 0
     * @param tensorRtLibVersion what the loaded libnvinfer's {@code getInferLibVersion} returned
     *     (major * 10000 + minor * 100 + patch), -1 when the library lacks that function, null when not reached
     * @param onnxParserLibVersion the same for libnvonnxparser's {@code getNvOnnxParserVersion}
     */
    public record Observations(String osName, String osArch, List<String> missingLibraries, String procDriverVersion,
            String loadFailure, Integer cudaDriverVersion, Integer deviceCountStatus, String deviceCountStatusText,
            int deviceCount, Integer tensorRtLibVersion, Integer onnxParserLibVersion) {
        public Observations {
            missingLibraries = missingLibraries == null ? List.of() : List.copyOf(missingLibraries);
        }

        /** Observations of a Linux x86-64 host on which every load succeeded and one GPU is visible. */
        public static Observations healthy() {
            return new Observations("Linux", "amd64", List.of(), null, null, 13010, 0, null, 1, 101501, 101501);
        }

        public Observations withMissing(List<String> missing) {
            return new Observations(osName, osArch, missing, procDriverVersion, loadFailure, cudaDriverVersion,
                    deviceCountStatus, deviceCountStatusText, deviceCount, tensorRtLibVersion, onnxParserLibVersion);
        }

        public Observations withProcDriverVersion(String text) {
            return new Observations(osName, osArch, missingLibraries, text, loadFailure, cudaDriverVersion,
                    deviceCountStatus, deviceCountStatusText, deviceCount, tensorRtLibVersion, onnxParserLibVersion);
        }

        /**
         * A failed load. With {@code cudaRuntimeLoaded} false, what only the CUDA runtime could have
         * told (driver version, devices) is cleared.
         */
        public Observations withLoadFailure(String text, boolean cudaRuntimeLoaded) {
            return new Observations(osName, osArch, missingLibraries, procDriverVersion, text,
                    cudaRuntimeLoaded ? cudaDriverVersion : null, cudaRuntimeLoaded ? deviceCountStatus : null,
                    cudaRuntimeLoaded ? deviceCountStatusText : null, cudaRuntimeLoaded ? deviceCount : 0,
                    tensorRtLibVersion, onnxParserLibVersion);
        }

        public Observations withCuda(Integer driverVersion, Integer status, String statusText, int count) {
            return new Observations(osName, osArch, missingLibraries, procDriverVersion, loadFailure, driverVersion, status,
                    statusText, count, tensorRtLibVersion, onnxParserLibVersion);
        }

        public Observations withTensorRtVersions(Integer tensorRt, Integer onnxParser) {
            return new Observations(osName, osArch, missingLibraries, procDriverVersion, loadFailure, cudaDriverVersion,
                    deviceCountStatus, deviceCountStatusText, deviceCount, tensorRt, onnxParser);
        }

        public Observations withPlatform(String os, String arch) {
            return new Observations(os, arch, missingLibraries, procDriverVersion, loadFailure, cudaDriverVersion,
                    deviceCountStatus, deviceCountStatusText, deviceCount, tensorRtLibVersion, onnxParserLibVersion);
        }
    }

    /**
     * One thing that is wrong.
     *
     * @param kind what
     * @param message what is missing and what to do, for a person
     */
    public record Finding(Kind kind, String message) {
    }

    /**
     * The diagnosis: every finding, most fundamental first.
     *
     * @param findings empty when the backend can run
     */
    public record Problem(List<Finding> findings) {
        public Problem {
            findings = List.copyOf(findings);
            if (findings.isEmpty()) {
                throw new IllegalArgumentException("a problem has at least one finding");
            }
        }

        /** The most fundamental finding's kind. */
        public Kind kind() {
            return findings.get(0).kind();
        }

        /** The kinds of all findings. */
        public List<Kind> kinds() {
            return findings.stream().map(Finding::kind).toList();
        }

        /** The message of the exception: the first finding, then the others after "also". */
        public String message() {
            StringBuilder sb = new StringBuilder("TensorRT cannot run on this host: ").append(findings.get(0).message());
            for (int i = 1; i < findings.size(); i++) {
                sb.append(i == 1 ? " Also: " : " And: ").append(findings.get(i).message());
            }
            return sb.toString();
        }
    }

    /** The problem, or empty when the observations show a host that can run TensorRT. */
    public static Optional<Problem> diagnose(Observations o) {
        List<Finding> out = new ArrayList<>();
        String os = String.valueOf(o.osName()).toLowerCase(Locale.ROOT);
        String arch = String.valueOf(o.osArch()).toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            out.add(new Finding(Kind.UNSUPPORTED_PLATFORM, "this build carries the TensorRT and CUDA bridges for Linux x86-64 "
                    + "only, and this is " + o.osName() + " on " + o.osArch() + "; use the ort-cpu backend here, or rebuild "
                    + "with -Djavacpp.platform set to this platform's classifier (e.g. linux-arm64, windows-x86_64)."));
            return Optional.of(new Problem(out));
        }
        boolean loadFailed = o.loadFailure() != null;
        String loadText = loadFailed ? o.loadFailure() : "";
        String missingSoname = loadFailed ? missingSoname(loadText) : null;
        OptionalInt driverMajor = driverMajor(o.procDriverVersion());
        Set<String> missing = new LinkedHashSet<>();
        if (missingSoname != null) {
            missing.add(missingSoname);
        }
        if (loadFailed) {
            missing.addAll(o.missingLibraries());
        }

        boolean noDriver = missing.contains("libcuda.so.1") || (o.cudaDriverVersion() != null && o.cudaDriverVersion() == 0);
        if (noDriver) {
            String why = missing.contains("libcuda.so.1")
                    ? "libcuda.so.1 is not on the library path, and the CUDA runtime needs it"
                    : "the CUDA runtime finds no working driver (cudaDriverGetVersion reports 0)";
            out.add(new Finding(Kind.NO_DRIVER, "no NVIDIA driver: " + why + ". Install the NVIDIA driver " + MIN_DRIVER
                    + " or newer (CUDA 13.1) and check it with nvidia-smi; in a container, start it with the NVIDIA "
                    + "Container Toolkit (docker run --gpus all)."));
        } else {
            Integer cv = o.cudaDriverVersion();
            boolean tooOldByProc = driverMajor.isPresent() && driverMajor.getAsInt() < MIN_DRIVER;
            boolean tooOldByCuda = cv != null && cv > 0 && cv < MIN_DRIVER_CUDA_VERSION;
            boolean tooOldByStatus = o.deviceCountStatus() != null && o.deviceCountStatus() == CUDA_ERROR_INSUFFICIENT_DRIVER;
            if (tooOldByProc || tooOldByCuda || tooOldByStatus) {
                StringBuilder what = new StringBuilder("the NVIDIA driver is too old for CUDA 13.1: ");
                if (driverMajor.isPresent()) {
                    what.append("driver ").append(driverVersionText(o.procDriverVersion()));
                    if (cv != null && cv > 0) {
                        what.append(", which supports CUDA up to ").append(cudaVersionText(cv));
                    }
                } else if (cv != null && cv > 0) {
                    what.append("it supports CUDA up to ").append(cudaVersionText(cv));
                } else {
                    what.append("cudaGetDeviceCount reports ").append(statusText(o));
                }
                out.add(new Finding(Kind.DRIVER_TOO_OLD, what + ". Install driver " + MIN_DRIVER + " or newer (check with "
                        + "nvidia-smi)."));
            } else if (o.deviceCountStatus() != null && o.deviceCountStatus() == CUDA_ERROR_SYSTEM_DRIVER_MISMATCH) {
                out.add(new Finding(Kind.DRIVER_MISMATCH, "the NVIDIA driver's library and its kernel module have different "
                        + "versions (" + statusText(o) + "); reboot after a driver update, or reinstall the driver."));
            } else if (o.deviceCountStatus() != null && (o.deviceCountStatus() == CUDA_ERROR_NO_DEVICE
                    || (o.deviceCountStatus() == 0 && o.deviceCount() == 0))) {
                out.add(new Finding(Kind.NO_GPU, "the NVIDIA driver is installed but no CUDA GPU is visible ("
                        + (o.deviceCountStatus() == 0 ? "cudaGetDeviceCount finds 0 devices" : statusText(o))
                        + "); check nvidia-smi and CUDA_VISIBLE_DEVICES, and in a container pass the GPU with --gpus."));
            } else if (o.deviceCountStatus() != null && o.deviceCountStatus() != 0) {
                out.add(new Finding(Kind.OTHER, "CUDA cannot list the GPUs: cudaGetDeviceCount reports " + statusText(o)
                        + "."));
            }
        }

        List<String> cuda = new ArrayList<>();
        List<String> trt = new ArrayList<>();
        for (String lib : missing) {
            if (CUDA_LIB.matcher(lib).matches()) {
                cuda.add(lib);
            } else if (TENSORRT_LIB.matcher(lib).matches()) {
                trt.add(lib);
            }
        }
        if (!cuda.isEmpty()) {
            out.add(new Finding(Kind.CUDA_LIBRARIES_MISSING, "the CUDA 13 libraries that TensorRT's Java bindings load are "
                    + "missing: " + String.join(", ", cuda) + ". Install CUDA 13.1 (runtime, cuBLAS, NVRTC) and cuDNN 9 "
                    + "for CUDA 13 and put their lib directories on LD_LIBRARY_PATH, or add " + CUDA_REDIST
                    + " (in this project: mvn -Pcuda-redist)."));
        }
        if (!trt.isEmpty()) {
            out.add(new Finding(Kind.TENSORRT_MISSING, "the TensorRT 10.15 libraries are absent: " + String.join(", ", trt)
                    + ". Add " + TENSORRT_REDIST + " (534 MB; in this project: mvn -Ptensorrt-redist), or install "
                    + "TensorRT 10.15 for CUDA 13 and put its lib directory on LD_LIBRARY_PATH."));
        }
        versionFinding(o.tensorRtLibVersion(), "libnvinfer.so.10", "getInferLibVersion").ifPresent(out::add);
        versionFinding(o.onnxParserLibVersion(), "libnvonnxparser.so.10", "getNvOnnxParserVersion").ifPresent(out::add);
        if (loadFailed && missingSoname == null) {
            if (loadText.contains("undefined symbol") || loadText.matches("(?s).*version `[^']+' not found.*")) {
                out.add(new Finding(Kind.LIBRARY_VERSION_MISMATCH, "a native library has another version than the Java "
                        + "bindings were built for (TensorRT 10.15, CUDA 13.1, cuDNN 9): " + deepest(loadText) + ". Install "
                        + "exactly those versions, or use the redist jars (mvn -Ptensorrt-redist -Pcuda-redist)."));
            } else if (out.isEmpty()) {
                out.add(new Finding(Kind.OTHER, "the native libraries do not load: " + deepest(loadText) + "."));
            }
        }
        if (out.isEmpty() && loadFailed) {
            out.add(new Finding(Kind.OTHER, "the native libraries do not load: " + deepest(loadText) + "."));
        }
        if (!out.isEmpty() && loadFailed) {
            // the loader's own words go with the finding they are about
            Kind about = missingSoname == null ? null : missingSoname.equals("libcuda.so.1") ? Kind.NO_DRIVER
                    : CUDA_LIB.matcher(missingSoname).matches() ? Kind.CUDA_LIBRARIES_MISSING
                    : TENSORRT_LIB.matcher(missingSoname).matches() ? Kind.TENSORRT_MISSING : null;
            int at = 0;
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).kind() == about) {
                    at = i;
                    break;
                }
            }
            Finding f = out.get(at);
            out.set(at, new Finding(f.kind(), f.message() + " (JavaCPP: " + quote(loadText) + ")"));
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(new Problem(out));
    }

    /**
     * A finding when a loaded TensorRT library is not 10.15 or a later 10.x: the bindings were
     * compiled against 10.15, and an older library lacks functions they call (an unresolved call
     * ends the JVM), so nothing beyond the version query may be called then.
     */
    static Optional<Finding> versionFinding(Integer version, String library, String function) {
        if (version == null) {
            return Optional.empty();
        }
        if (version < 0) {
            return Optional.of(new Finding(Kind.LIBRARY_VERSION_MISMATCH, "the " + library + " found does not export "
                    + function + ", so it is not a TensorRT 10 release library. Install TensorRT 10.15 for CUDA 13, or add "
                    + TENSORRT_REDIST + " (mvn -Ptensorrt-redist) and remove the other library from the library path."));
        }
        int major = version / 10000;
        int minor = (version / 100) % 100;
        if (major == 10 && minor >= 15) {
            return Optional.empty();
        }
        return Optional.of(new Finding(Kind.LIBRARY_VERSION_MISMATCH, library + " is TensorRT " + tensorRtVersionText(version)
                + ", but the Java bindings are built for TensorRT 10.15 and call functions older releases lack. Install "
                + "TensorRT 10.15 for CUDA 13, or add " + TENSORRT_REDIST + " (mvn -Ptensorrt-redist)."));
    }

    /** 101501 -> "10.15.1". */
    static String tensorRtVersionText(int v) {
        return v / 10000 + "." + (v / 100) % 100 + "." + v % 100;
    }

    /** A finding when the GPU's compute capability is below what CUDA 13 and TensorRT 10.15 support. */
    public static Optional<Finding> checkDevice(String gpuName, int major, int minor) {
        if (major * 10 + minor >= MIN_COMPUTE_CAPABILITY) {
            return Optional.empty();
        }
        return Optional.of(new Finding(Kind.GPU_TOO_OLD, "GPU " + gpuName + " has compute capability " + major + "." + minor
                + "; CUDA 13 and TensorRT 10.15 need 7.5 (Turing) or newer. Use the ort-cuda backend on this GPU, "
                + "or a newer GPU."));
    }

    /** The shared library the loader could not open, e.g. {@code libcuda.so.1}, or null. */
    static String missingSoname(String loaderText) {
        String found = null;
        Matcher m = MISSING_SONAME.matcher(loaderText);
        while (m.find()) {
            found = m.group(1);
            if (found.startsWith("/")) {
                found = found.substring(found.lastIndexOf('/') + 1);
            }
        }
        return found;
    }

    /** The driver's major version from the text of /proc/driver/nvidia/version. */
    static OptionalInt driverMajor(String procText) {
        if (procText == null) {
            return OptionalInt.empty();
        }
        Matcher m = DRIVER_VERSION.matcher(procText);
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    private static String driverVersionText(String procText) {
        Matcher m = DRIVER_VERSION.matcher(procText);
        return m.find() ? m.group() : "?";
    }

    /** 13010 -> "13.1". */
    static String cudaVersionText(int v) {
        return v / 1000 + "." + (v % 1000) / 10;
    }

    private static String statusText(Observations o) {
        return o.deviceCountStatusText() != null ? o.deviceCountStatusText() : "CUDA error " + o.deviceCountStatus();
    }

    /**
     * The part of a loader chain worth quoting: the innermost message when it names the library
     * (JavaCPP's outer message only lists java.library.path), else the whole chain.
     */
    static String quote(String chain) {
        String d = deepest(chain);
        return d.contains("cannot open shared object file") || d.contains("undefined symbol") || d.contains("not found")
                ? d : chain;
    }

    /** The innermost message of a chain written by {@link #describe}. */
    static String deepest(String chain) {
        int i = chain.lastIndexOf(" <- caused by: ");
        return i < 0 ? chain : chain.substring(i + " <- caused by: ".length());
    }

    /** The exception chain as one line: {@code Type: message <- caused by: Type: message ...}. */
    public static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        Set<Throwable> seen = new HashSet<>();
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- caused by: ");
            }
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage());
        }
        return sb.toString();
    }
}
