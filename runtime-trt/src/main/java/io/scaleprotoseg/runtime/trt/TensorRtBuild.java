package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ModelFormatException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Builds (or finds) the cached TensorRT engine of a model ahead of deployment, so that the first
 * {@code Segmenter} on the target machine starts in seconds instead of minutes. Used by
 * {@code scaleprotoseg trt-build}. The engine is specific to the GPU model, TensorRT version,
 * precision and profile: build it on the deployment GPU (or an identical one).
 */
public final class TensorRtBuild {
    private TensorRtBuild() {
    }

    /**
     * What a prebuild did.
     *
     * @param file the cache entry
     * @param built true when the engine was built now, false when a valid entry already existed
     * @param seconds time spent
     * @param bytes the serialised engine's size
     * @param key what the entry is valid for
     * @param gpu the device it was built on
     * @param message one line for people
     */
    public record Report(Path file, boolean built, double seconds, long bytes, EngineCacheKey key, GpuInfo gpu,
            String message) {
    }

    /**
     * Builds the engine for {@code model} with the {@code trt.*} options into the cache directory.
     *
     * @param options as for {@code Segmenter.Builder.option}; must name a cache directory
     *     ({@code trt.cache_dir}) unless {@code cacheDir} is given
     * @param cacheDir the engine cache directory; overrides {@code trt.cache_dir} when not null
     * @throws IllegalArgumentException for a bad option or when there is no cache directory
     * @throws BackendUnavailableException when this host cannot run TensorRT (the message says why)
     * @throws ModelFormatException when TensorRT's parser rejects the model
     */
    public static Report prebuild(Path model, Map<String, String> options, Path cacheDir)
            throws BackendUnavailableException, ModelFormatException {
        Objects.requireNonNull(model, "model");
        TrtOptions opts = TrtOptions.parse(options, cacheDir);
        if (cacheDir != null) {
            opts = new TrtOptions(opts.precision(), opts.profile(), opts.workspaceBytes(), cacheDir, opts.timingCache(),
                    opts.timingCacheEnabled(), opts.device(), opts.contexts(), opts.outputs(), opts.builderOptimizationLevel());
        }
        if (opts.cacheDir() == null) {
            throw new IllegalArgumentException("a prebuilt engine needs a cache directory: give one (option "
                    + TrtOptions.CACHE_DIR + ")");
        }
        long t0 = System.nanoTime();
        TensorRtEngines.Plan plan = TensorRtEngines.plan(model, opts);
        double s = (System.nanoTime() - t0) / 1e9;
        Path file = plan.cache().fileFor(plan.key());
        boolean built = !plan.fromCache();
        return new Report(file, built, s, plan.bytes().length, plan.key(), plan.gpu(), "TensorRT " + plan.gpu().tensorRtVersion()
                + " engine for " + model.getFileName() + " (" + opts.summary() + ") on " + plan.gpu().name() + ": "
                + plan.origin());
    }

    /**
     * Why TensorRT cannot run on this host, or null when it can. Loads the natives (once per JVM),
     * never throws for a missing library.
     */
    public static String unavailableReason() {
        return TrtNatives.probe().problem().map(TrtDiagnosis.Problem::message).orElse(null);
    }
}
