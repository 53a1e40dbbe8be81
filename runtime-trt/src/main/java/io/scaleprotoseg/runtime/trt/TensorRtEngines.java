package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Obtains engines: from the process-wide table of deserialised engines, from the disk cache, or
 * by building. Deserialised engines are kept for the life of the process and shared by every
 * segmenter that opens the same key, because JavaCPP 1.5.13 cannot free TensorRT objects
 * (bytedeco/javacpp-presets#1699): reopening a model costs no further GPU memory for its weights.
 */
final class TensorRtEngines {
    private static final Logger LOG = LoggerFactory.getLogger(TensorRtEngines.class);
    private static final Map<String, ICudaEngine> ENGINES = new HashMap<>();
    private static final Map<Integer, IRuntime> RUNTIMES = new HashMap<>();

    private TensorRtEngines() {
    }

    /**
     * Forgets the engines deserialised so far (they stay allocated), so that the next open reads
     * the disk cache as a new process would. For tests.
     */
    static void forgetLoadedEngines() {
        synchronized (ENGINES) {
            ENGINES.clear();
        }
    }

    /** A serialised engine and how it was obtained. */
    record Plan(byte[] bytes, EngineCacheKey key, GpuInfo gpu, String origin, EngineCache cache, boolean fromCache) {
    }

    /** A deserialised engine ready for execution contexts. */
    record Loaded(ICudaEngine engine, EngineCacheKey key, GpuInfo gpu, String origin) {
    }

    /** The cache key of a model under these options on this GPU. */
    static EngineCacheKey key(Path model, TrtOptions opts, GpuInfo gpu) throws ModelFormatException {
        String sha;
        try {
            sha = EngineCacheKey.sha256(model);
        } catch (IOException e) {
            throw new ModelFormatException(ErrorCode.MODEL_UNREADABLE, "cannot read " + model + ": " + e.getMessage(), e);
        }
        String outputs = opts.outputs() == null ? "all" : TrtOptions.outputNames(opts.outputs());
        return new EngineCacheKey(sha, gpu.name(), gpu.computeCapability(), gpu.tensorRtVersion(), opts.precision(),
                opts.profile(), outputs, opts.workspaceBytes(), opts.builderOptimizationLevel());
    }

    /**
     * The serialised engine: from the cache when a valid entry exists, else built (and stored
     * when there is a cache directory).
     */
    static Plan plan(Path model, TrtOptions opts) throws BackendUnavailableException, ModelFormatException {
        TrtNatives.require();
        GpuInfo gpu = TrtNatives.gpu(opts.device());
        return plan(model, opts, gpu, key(model, opts, gpu));
    }

    private static Plan plan(Path model, TrtOptions opts, GpuInfo gpu, EngineCacheKey key)
            throws BackendUnavailableException, ModelFormatException {
        Path timing = opts.timingCacheFile(key.gpuTag());
        if (opts.cacheDir() == null) {
            long t0 = System.nanoTime();
            byte[] bytes = TrtEngineBuilder.build(model, opts, gpu, timing);
            double s = (System.nanoTime() - t0) / 1e9;
            return new Plan(bytes, key, gpu, String.format(Locale.ROOT, "engine built in %.1f s (not cached: set option %s "
                    + "to keep it)", s, TrtOptions.CACHE_DIR), null, false);
        }
        EngineCache cache = new EngineCache(opts.cacheDir());
        long t0 = System.nanoTime();
        EngineCache.Result r;
        try {
            r = cache.loadOrBuild(key, () -> TrtEngineBuilder.build(model, opts, gpu, timing));
        } catch (IOException e) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "TensorRT engine cache directory "
                    + opts.cacheDir() + " is not usable: " + e.getMessage() + "; choose a writable directory with option "
                    + TrtOptions.CACHE_DIR, e);
        } catch (ModelFormatException | BackendUnavailableException e) {
            throw e;
        } catch (ScaleProtoSegException e) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, e.getMessage(), e);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        String origin = r.source() == EngineCache.Source.CACHE ? "engine loaded from cache " + r.file()
                : String.format(Locale.ROOT, "engine built in %.1f s%s%s", s,
                        r.stored() ? ", cached to " + r.file() : " (could not be cached)",
                        r.rejected() == null ? "" : "; the previous entry was rejected: " + r.rejected());
        return new Plan(r.engine(), key, gpu, origin, cache, r.source() == EngineCache.Source.CACHE);
    }

    /**
     * The engine for a model: shared when this process already deserialised one for the same key.
     * A cache entry that TensorRT refuses to deserialise is deleted and rebuilt once.
     */
    static Loaded load(Path model, TrtOptions opts) throws BackendUnavailableException, ModelFormatException {
        TrtNatives.require();
        GpuInfo gpu = TrtNatives.gpu(opts.device());
        EngineCacheKey key = key(model, opts, gpu);
        synchronized (ENGINES) {
            ICudaEngine shared = ENGINES.get(key.digest());
            if (shared != null) {
                return new Loaded(shared, key, gpu, "engine shared with an earlier segmenter of this process");
            }
        }
        Plan plan = plan(model, opts, gpu, key);
        ICudaEngine engine = deserialize(plan.bytes(), gpu);
        String origin = plan.origin();
        if (engine == null && plan.fromCache()) {
            LOG.warn("TensorRT refuses the cached engine {} ({}); rebuilding it", plan.cache().fileFor(key),
                    TrtLogger.get().recentErrors());
            plan.cache().invalidate(key);
            plan = plan(model, opts, gpu, key);
            engine = deserialize(plan.bytes(), gpu);
            origin = plan.origin() + " (the cached engine did not deserialise)";
        }
        if (engine == null) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "TensorRT cannot deserialise the engine "
                    + "it built for " + model + " on " + gpu.name() + ": " + TrtLogger.get().recentErrors());
        }
        synchronized (ENGINES) {
            ICudaEngine raced = ENGINES.putIfAbsent(key.digest(), engine);
            if (raced != null) {
                engine = raced;
            }
        }
        return new Loaded(engine, key, gpu, origin);
    }

    /** {@code IRuntime.deserializeCudaEngine} on the GPU's runtime; null when TensorRT refuses the bytes. */
    private static ICudaEngine deserialize(byte[] bytes, GpuInfo gpu) throws BackendUnavailableException {
        TrtLogger logger = TrtLogger.get();
        logger.clearErrors();
        IRuntime runtime;
        synchronized (RUNTIMES) {
            int rc = cudart.cudaSetDevice(gpu.device());
            if (rc != cudart.cudaSuccess) {
                throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "cudaSetDevice(" + gpu.device()
                        + ") failed: " + CudaCalls.errorText(rc));
            }
            runtime = RUNTIMES.get(gpu.device());
            if (runtime == null) {
                runtime = nvinfer.createInferRuntime(logger);
                if (runtime == null || runtime.isNull()) {
                    throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "createInferRuntime failed: "
                            + logger.recentErrors());
                }
                RUNTIMES.put(gpu.device(), runtime);
            }
        }
        try (BytePointer blob = new BytePointer(bytes)) {
            ICudaEngine e = runtime.deserializeCudaEngine(blob, bytes.length);
            return e == null || e.isNull() ? null : e;
        }
    }

}
