package io.scaleprotoseg.runtime.ort;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.spi.BackendProvider;
import io.scaleprotoseg.sdk.spi.CacheDirectory;
import io.scaleprotoseg.sdk.spi.EngineConfig;
import io.scaleprotoseg.sdk.spi.FileDigest;
import io.scaleprotoseg.sdk.spi.InferenceEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens models on ONNX Runtime's CPU, CUDA or TensorRT execution provider. Stateless; thread-safe.
 */
public final class OrtBackendProvider implements BackendProvider {
    private static final Logger LOG = LoggerFactory.getLogger(OrtBackendProvider.class);

    /** What ORT_CUDA needs on the host, for messages. */
    static final String CUDA_REQUIREMENT = "ONNX Runtime 1.23 CUDA needs an NVIDIA driver, CUDA 12 (libcudart.so.12, "
            + "libcublas.so.12, libcublasLt.so.12, libcufft.so.11) and cuDNN 9 (libcudnn.so.9) on the library path";

    /** What ORT_TENSORRT needs on the host, for messages. */
    static final String TENSORRT_REQUIREMENT = "ONNX Runtime 1.23's TensorRT provider needs TensorRT 10 built for CUDA 12 "
            + "(libnvinfer.so.10, libnvonnxparser.so.10; ONNX Runtime documents 10.9 or newer), CUDA 12 and cuDNN 9 on the "
            + "library path, and an NVIDIA driver";

    @Override
    public Set<Backend> backends() {
        return EnumSet.of(Backend.ORT_CPU, Backend.ORT_CUDA, Backend.ORT_TENSORRT);
    }

    @Override
    public String artifact() {
        return "io.scaleprotoseg:scaleprotoseg-runtime-ort";
    }

    @Override
    public InferenceEngine open(Backend backend, EngineConfig config) throws BackendUnavailableException, ModelFormatException {
        if (backend != Backend.ORT_CPU && backend != Backend.ORT_CUDA && backend != Backend.ORT_TENSORRT) {
            throw new IllegalArgumentException("the ONNX Runtime provider serves ort-cpu, ort-cuda and ort-tensorrt, not "
                    + backend.cliName());
        }
        boolean tensorRt = backend == Backend.ORT_TENSORRT;
        // before any ONNX Runtime class loads: with two builds on the class path, which one would load is an accident
        OrtBuilds builds = OrtBuilds.scan(OrtBackendProvider.class.getClassLoader());
        builds.requireSingle();
        OrtTensorRtOptions trtOptions = tensorRt ? OrtTensorRtOptions.parse(config.options(), config.optimizedModelCache()) : null;
        if (backend != Backend.ORT_CPU && builds.build() == OrtBuilds.Build.CPU) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, backend.cliName() + " needs the GPU build "
                    + "of ONNX Runtime, but the class path holds its CPU build, " + OrtBuilds.CPU_ARTIFACT + " ("
                    + builds.location() + "), which has no CUDA or TensorRT provider; depend on "
                    + "io.scaleprotoseg:scaleprotoseg-runtime-ort-gpu instead of io.scaleprotoseg:scaleprotoseg-runtime-ort");
        }
        OrtEnvironment env;
        try {
            // the environment logger only reports fatal errors: a provider that fails to load (CUDA on a
            // host without it) is reported through BackendUnavailableException and BackendInfo instead of
            // an error line on stderr; sessions log at ort.log_level
            env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "scaleprotoseg");
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE,
                    "ONNX Runtime's native library cannot be loaded on this host (" + e + "); check that this is "
                            + "a platform the jar "
                            + builds.location() + " has native libraries for (the CPU build: linux-x64, linux-aarch64, "
                            + "win-x64, osx-x64, osx-aarch64; the GPU build: linux-x64, win-x64) and that the jar is complete", e);
        }
        boolean cuda = backend == Backend.ORT_CUDA;
        int device = intOption(config, "ort.cuda.device", 0);
        Path cacheFile = null;
        boolean fromCache = false;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(config.intraOpThreads());
            opts.setInterOpNumThreads(intOption(config, "ort.inter_op_threads", 1));
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setSessionLogLevel(logLevel(config));
            String spinning = config.options().get("ort.allow_spinning");
            if (spinning != null) {
                if (!spinning.equals("0") && !spinning.equals("1")) {
                    throw new IllegalArgumentException("option ort.allow_spinning='" + spinning + "' must be 0 or 1");
                }
                opts.addConfigEntry("session.intra_op.allow_spinning", spinning);
            }
            applyMemoryOptions(opts, config, backend == Backend.ORT_CPU);
            boolean trimHeap = !Boolean.FALSE.equals(flag(config, "ort.trim_heap"));
            if (tensorRt) {
                addTensorRt(opts, device, trtOptions);
            }
            if (cuda || tensorRt) {
                // with ORT_TENSORRT, CUDA runs the nodes TensorRT does not take
                try {
                    opts.addCUDA(device);
                } catch (OrtException | RuntimeException | LinkageError e) {
                    if (tensorRt) {
                        throw tensorRtUnavailable(e);
                    }
                    throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE,
                            "ONNX Runtime cannot use CUDA on this host: " + e.getMessage() + missingLibraries()
                                    + " (" + CUDA_REQUIREMENT + ")", e);
                }
            }
            Path source = config.model();
            if (config.optimizedModelCache() != null && !tensorRt) {
                // (a graph with TensorRT-compiled nodes cannot be saved; ORT_TENSORRT caches engines instead)
                cacheFile = cachePath(config.optimizedModelCache(), config.model(), env.getVersion(), backend, device,
                        Boolean.parseBoolean(config.options().getOrDefault(CacheDirectory.ALLOW_SHARED, "false")));
                if (Files.isRegularFile(cacheFile)) {
                    source = cacheFile;
                    fromCache = true;
                    opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
                } else {
                    opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                    opts.setOptimizedModelFilePath(tempFor(cacheFile).toString());
                }
            } else {
                opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            }
            OrtSession session;
            try {
                session = env.createSession(source.toString(), opts);
            } catch (OrtException e) {
                if (fromCache) {
                    LOG.warn("optimised-model cache {} does not load ({}); deleting it and rebuilding", cacheFile, e.getMessage());
                    deleteQuietly(cacheFile);
                    return open(backend, config);
                }
                if (tensorRt && isTensorRtFailure(e)) {
                    throw tensorRtUnavailable(e);
                }
                if (cuda && isCudaLoadFailure(e)) {
                    throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE,
                            "ONNX Runtime cannot use CUDA on this host: " + e.getMessage() + missingLibraries()
                                    + " (" + CUDA_REQUIREMENT + ")", e);
                }
                throw new ModelFormatException(ErrorCode.CONTRACT_VIOLATION, "ONNX Runtime rejects the model "
                        + config.model() + ": " + e.getMessage() + "; re-export it with 'scaleprotoseg export'", e);
            }
            if (cacheFile != null && !fromCache) {
                publishCache(cacheFile);
            }
            if (trimHeap) {
                // building the session freed the parsed model's buffers in the middle of the C heap: hand them back
                NativeHeap.trim();
            }
            String what = "ONNX Runtime " + env.getVersion() + buildName(builds) + ", " + (tensorRt ? "TensorRT execution provider (device "
                    + device + "; " + trtOptions.summary() + "; CUDA for the rest)" : cuda ? "CUDA execution provider (device "
                    + device + ")" : "CPU execution provider") + ", " + (config.intraOpThreads() == 0 ? "all cores"
                    : config.intraOpThreads() + " intra-op threads") + ", graph optimisation ALL"
                    + (cacheFile == null ? "" : fromCache ? ", loaded from cache " + cacheFile : ", cached to " + cacheFile);
            return new OrtEngine(env, session, backend, what, trimHeap && Boolean.FALSE.equals(flag(config, "ort.cpu_arena")));
        } catch (OrtException e) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE,
                    "ONNX Runtime cannot configure a session: " + e.getMessage(), e);
        }
    }

    private static String buildName(OrtBuilds builds) {
        return switch (builds.build()) {
            case CPU -> " (CPU build)";
            case GPU -> " (GPU build)";
            default -> "";
        };
    }

    /**
     * Appends ONNX Runtime's TensorRT execution provider with the engine-cache, precision and
     * profile options. Loading the provider library fails on a host without TensorRT 10 and CUDA 12:
     * that becomes a {@link BackendUnavailableException} quoting ONNX Runtime.
     */
    private static void addTensorRt(OrtSession.SessionOptions opts, int device, OrtTensorRtOptions trt)
            throws BackendUnavailableException {
        try (OrtTensorRTProviderOptions p = new OrtTensorRTProviderOptions(device)) {
            for (Map.Entry<String, String> e : trt.providerOptions().entrySet()) {
                p.add(e.getKey(), e.getValue());
            }
            if (trt.cacheDir() != null) {
                Files.createDirectories(trt.cacheDir());
            }
            opts.addTensorrt(p);
        } catch (OrtException | RuntimeException | LinkageError e) {
            throw tensorRtUnavailable(e);
        } catch (IOException e) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "TensorRT engine cache directory "
                    + trt.cacheDir() + " is not usable: " + e.getMessage() + "; choose a writable directory with option "
                    + OrtTensorRtOptions.CACHE_DIR, e);
        }
    }

    private static BackendUnavailableException tensorRtUnavailable(Throwable e) {
        return new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE,
                "ONNX Runtime cannot use its TensorRT execution provider on this host: "
                        + String.valueOf(e.getMessage()).strip()
                        + missingLibraries(CudaLibraryCheck.TENSORRT_REQUIRED) + " (" + TENSORRT_REQUIREMENT + ")", e);
    }

    /** "; not found: ..." naming the CUDA libraries this host lacks, or "" when none seems missing. */
    private static String missingLibraries() {
        return missingLibraries(CudaLibraryCheck.REQUIRED);
    }

    /** "; not found: ..." naming the libraries of {@code required} this host lacks, or "". */
    private static String missingLibraries(List<String> required) {
        List<String> missing = CudaLibraryCheck.missingOnThisHost(required);
        return missing.isEmpty() ? "" : "; not found on the library path: " + String.join(", ", missing);
    }

    private static boolean isTensorRtFailure(OrtException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return isCudaLoadFailure(e) || m.contains("tensorrt") || m.contains("nvinfer");
    }

    private static boolean isCudaLoadFailure(OrtException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("cuda") || m.contains("cudnn") || m.contains("shared library");
    }

    private static OrtLoggingLevel logLevel(EngineConfig config) {
        // FATAL by default: ONNX Runtime's errors reach the caller as typed exceptions with their message, and its
        // own log would print them to stderr a second time, coloured, past any logging the host set up
        String v = config.options().getOrDefault("ort.log_level", "FATAL").toUpperCase(Locale.ROOT);
        try {
            return OrtLoggingLevel.valueOf("ORT_LOGGING_LEVEL_" + v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option ort.log_level='" + v + "' is not one of VERBOSE, INFO, WARNING, ERROR, FATAL", e);
        }
    }

    /**
     * The memory settings: ort.cpu_arena (0 or 1, ONNX Runtime's default when absent), ort.memory_pattern (0 or 1;
     * absent: 0 on the CPU provider, else ONNX Runtime's default), and ort.config.KEY=VALUE passed to ONNX Runtime's
     * session configuration as KEY=VALUE.
     */
    static void applyMemoryOptions(OrtSession.SessionOptions opts, EngineConfig config, boolean cpu) throws OrtException {
        Boolean arena = flag(config, "ort.cpu_arena");
        if (arena != null) {
            opts.setCPUArenaAllocator(arena);
        }
        Boolean pattern = flag(config, "ort.memory_pattern");
        if (pattern == null && cpu) {
            // the plan gains nothing measurable on the CPU (513x513 and 2048x1024 with ResNet-101: 1.00x) but its block
            // comes beside the arena's, so every later call of a large shape peaked 410-440 MB higher (bench/README.md)
            pattern = false;
        }
        if (pattern != null) {
            opts.setMemoryPatternOptimization(pattern);
        }
        for (Map.Entry<String, String> e : config.options().entrySet()) {
            if (e.getKey().startsWith("ort.config.")) {
                opts.addConfigEntry(e.getKey().substring("ort.config.".length()), e.getValue());
            }
        }
    }

    private static Boolean flag(EngineConfig config, String key) {
        String v = config.options().get(key);
        if (v == null) {
            return null;
        }
        if (!v.equals("0") && !v.equals("1")) {
            throw new IllegalArgumentException("option " + key + "='" + v + "' must be 0 or 1");
        }
        return v.equals("1");
    }

    private static int intOption(EngineConfig config, String key, int def) {
        String v = config.options().get(key);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + "='" + v + "' is not an integer", e);
        }
    }

    /** The cache file for a model: keyed by content, runtime version, provider and device. */
    static Path cachePath(Path dir, Path model, String ortVersion, Backend backend, int device, boolean allowShared)
            throws BackendUnavailableException {
        try {
            String shared = CacheDirectory.prepare(dir, "optimised-model cache directory", allowShared);
            if (shared != null) {
                LOG.warn("optimised-model cache directory {} is not private ({}); used because {}=true", dir, shared,
                        CacheDirectory.ALLOW_SHARED);
            }
            String hash = FileDigest.sha256(model).substring(0, 32);
            String ep = backend == Backend.ORT_CUDA ? "cuda" + device : "cpu";
            return dir.resolve(hash + "-ort" + ortVersion + "-" + ep + ".onnx");
        } catch (IOException e) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE,
                    "optimised-model cache directory " + dir + " is not usable: " + e.getMessage()
                            + "; choose a writable directory or drop optimizedModelCache", e);
        }
    }

    private static Path tempFor(Path cacheFile) {
        return cacheFile.resolveSibling(cacheFile.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
    }

    private static void publishCache(Path cacheFile) {
        Path tmp = tempFor(cacheFile);
        try {
            if (Files.isRegularFile(tmp)) {
                Files.move(tmp, cacheFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("could not publish optimised-model cache {}: {}", cacheFile, e.getMessage());
            deleteQuietly(tmp);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a stale temp file is harmless
        }
    }
}
