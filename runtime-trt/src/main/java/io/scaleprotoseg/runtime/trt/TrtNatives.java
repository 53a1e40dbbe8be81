package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the CUDA and TensorRT natives at most once per JVM, inside try/catch, and remembers what
 * it observed. Nothing here runs when the provider is merely listed; the first
 * {@link #require()} takes about a tenth of a second on a host without the libraries.
 *
 * <p>The result is kept for the life of the JVM because a failed JavaCPP load cannot be retried:
 * the class whose static initialiser failed stays unusable ("Could not initialize class"), and
 * only the first failure carries the loader's real reason.
 */
final class TrtNatives {
    private static final Logger LOG = LoggerFactory.getLogger(TrtNatives.class);
    private static final Path PROC_DRIVER_VERSION = Path.of("/proc/driver/nvidia/version");

    /** What the probe found. */
    record Status(TrtDiagnosis.Observations observations, Optional<TrtDiagnosis.Problem> problem, String tensorRtVersion,
            String cudaRuntimeVersion) {
    }

    private static Status status;

    private TrtNatives() {
    }

    /** Probes once (loading the natives) and returns what was found. Thread-safe. */
    static synchronized Status probe() {
        if (status == null) {
            long t0 = System.nanoTime();
            status = runProbe();
            LOG.debug("TensorRT natives probed in {} ms: {}", (System.nanoTime() - t0) / 1_000_000,
                    status.problem().map(TrtDiagnosis.Problem::message).orElse("available, TensorRT " + status.tensorRtVersion()));
        }
        return status;
    }

    /**
     * Succeeds when CUDA and TensorRT are loaded and at least one GPU is visible.
     *
     * @throws BackendUnavailableException saying exactly what is missing and what to install
     */
    static Status require() throws BackendUnavailableException {
        Status s = probe();
        if (s.problem().isPresent()) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, s.problem().get().message());
        }
        return s;
    }

    private static Status runProbe() {
        ClassLoader cl = TrtNatives.class.getClassLoader();
        String proc = null;
        try {
            if (Files.isReadable(PROC_DRIVER_VERSION)) {
                proc = Files.readString(PROC_DRIVER_VERSION);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read {}: {}", PROC_DRIVER_VERSION, e.toString());
        }
        List<String> missing = List.of();
        try {
            missing = HostLibraries.missingOnThisHost(cl);
        } catch (RuntimeException e) {
            LOG.debug("library search failed: {}", e.toString());
        }
        TrtDiagnosis.Observations obs = new TrtDiagnosis.Observations(System.getProperty("os.name"),
                System.getProperty("os.arch"), missing, proc, null, null, null, null, 0, null, null);
        Optional<TrtDiagnosis.Problem> platform = TrtDiagnosis.diagnose(obs);
        if (platform.isPresent() && platform.get().kind() == TrtDiagnosis.Kind.UNSUPPORTED_PLATFORM) {
            return new Status(obs, platform, null, null);
        }
        // 1. the CUDA runtime (its bridge links libcuda.so.1 and libcudart.so.13)
        try {
            Loader.load(cudart.class);
        } catch (LinkageError | RuntimeException e) {
            obs = obs.withLoadFailure(TrtDiagnosis.describe(e), false);
            return new Status(obs, TrtDiagnosis.diagnose(obs), null, null);
        }
        int[] v = new int[1];
        int rc = cudart.cudaDriverGetVersion(v);
        Integer driverVersion = rc == 0 ? v[0] : null;
        String runtimeVersion = cudart.cudaRuntimeGetVersion(v) == 0 ? TrtDiagnosis.cudaVersionText(v[0]) : "?";
        v[0] = 0;
        int countStatus = cudart.cudaGetDeviceCount(v);
        int count = countStatus == 0 ? v[0] : 0;
        obs = obs.withCuda(driverVersion, countStatus, countStatus == 0 ? null : CudaCalls.errorText(countStatus), count);
        // 2. TensorRT (the preset inherits cuBLAS, cuDNN and NVRTC, then links libnvinfer.so.10), 3. the ONNX parser
        // The bridges bind lazily: calling a function the loaded library lacks ends the JVM. So each library's
        // version function is looked up (dlsym) before it is called, and nothing else is called before the
        // versions are known to be 10.15 or a later 10.x.
        Integer trtLib = null;
        Integer parserLib = null;
        try {
            Loader.load(nvinfer.class);
            trtLib = Loader.addressof("getInferLibVersion") == null ? -1 : nvinfer.getInferLibVersion();
            Loader.load(nvonnxparser.class);
            parserLib = Loader.addressof("getNvOnnxParserVersion") == null ? -1 : nvonnxparser.getNvOnnxParserVersion();
        } catch (LinkageError | RuntimeException e) {
            obs = obs.withLoadFailure(TrtDiagnosis.describe(e), true);
        }
        obs = obs.withTensorRtVersions(trtLib, parserLib);
        Optional<TrtDiagnosis.Problem> problem = TrtDiagnosis.diagnose(obs);
        String trtVersion = null;
        if (problem.isEmpty()) {
            trtVersion = nvinfer.getInferLibMajorVersion() + "." + nvinfer.getInferLibMinorVersion() + "."
                    + nvinfer.getInferLibPatchVersion() + "." + nvinfer.getInferLibBuildVersion();
        }
        return new Status(obs, problem, trtVersion, runtimeVersion);
    }

    /**
     * The properties of a device, checked against the minimum compute capability.
     *
     * @throws IllegalArgumentException when {@code trt.device} names a device that does not exist
     * @throws BackendUnavailableException when the GPU is too old
     */
    static GpuInfo gpu(int device) throws BackendUnavailableException {
        Status s = require();
        int count = s.observations().deviceCount();
        if (device >= count) {
            throw new IllegalArgumentException("option " + TrtOptions.DEVICE + "=" + device + " but this host has " + count
                    + " CUDA device" + (count == 1 ? "" : "s") + " (0.." + (count - 1) + ")");
        }
        GpuInfo gpu;
        try (cudaDeviceProp p = new cudaDeviceProp()) {
            CudaCalls.check(cudart.cudaGetDeviceProperties(p, device), "cudaGetDeviceProperties(" + device + ")");
            BytePointer name = p.name();
            gpu = new GpuInfo(device, name.getString().strip(), p.major(), p.minor(), p.totalGlobalMem(),
                    TrtDiagnosis.cudaVersionText(s.observations().cudaDriverVersion() == null ? 0
                            : s.observations().cudaDriverVersion()), s.cudaRuntimeVersion(), s.tensorRtVersion());
        } catch (CudaCalls.CudaException e) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "TensorRT cannot run on this host: "
                    + e.getMessage(), e);
        }
        Optional<TrtDiagnosis.Finding> old = TrtDiagnosis.checkDevice(gpu.name(), gpu.ccMajor(), gpu.ccMinor());
        if (old.isPresent()) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "TensorRT cannot run on this host: "
                    + old.get().message());
        }
        return gpu;
    }
}
