package io.scaleprotoseg.samples;

import io.scaleprotoseg.runtime.trt.TrtOptions;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The backend settings of a command that runs a deployed model, without a thread count:
 * {@link BackendOptions} adds {@code --threads}; {@code eval}, which runs either the trainer
 * (PyTorch) or a deployed model, takes it from {@link EngineOptions} so that one {@code --threads}
 * option serves whichever engine runs.
 */
class BackendChoice {
    @Option(names = "--backend", defaultValue = "auto", converter = Converters.BackendConverter.class,
            paramLabel = "BACKEND",
            description = "auto, ort-cpu, ort-cuda, tensorrt or ort-tensorrt (default: ${DEFAULT-VALUE}; auto tries "
                    + "tensorrt, then ort-cuda, then ort-cpu; ort-tensorrt only when named)")
    Backend backend;

    @Option(names = "--precision", converter = TrtBuildCommand.PrecisionConverter.class, paramLabel = "PRECISION",
            description = "fp32 or fp16: precision of the TensorRT engine (tensorrt, ort-tensorrt; default fp32)")
    String precision;

    @Option(names = "--engine-cache", paramLabel = "DIR",
            description = "TensorRT engine cache, shared with trt-build (default: ~/.cache/scaleprotoseg/tensorrt)")
    Path engineCache;

    @Option(names = "--max-pixels", defaultValue = "" + ImageFiles.MAX_PIXELS, paramLabel = "N",
            description = "largest image (and network input) in pixels (default: ${DEFAULT-VALUE} = 4096 x 4096); "
                    + "larger images are refused before they are decoded")
    long maxPixels;

    @Option(names = "--backend-option", paramLabel = "KEY=VALUE",
            description = "a backend option, e.g. trt.max_shape=2x3x1024x2048 (repeatable)")
    Map<String, String> backendOptions = new LinkedHashMap<>();

    @Option(names = "--allow-external-data",
            description = "accept a model that keeps tensors in ONNX external-data files, if they are regular files inside "
                    + "the model's own folder (default: refused; only for models from a source you trust)")
    boolean allowExternalData;

    /**
     * A builder with the backend and engine settings applied.
     *
     * @param threads intra-op threads of one inference, 0 = all cores
     */
    Segmenter.Builder apply(Segmenter.Builder b, int threads) {
        b.allowExternalData(allowExternalData);
        if (threads < 0) {
            throw new UserError("--threads must be 0 (all cores) or positive, got " + threads);
        }
        if (maxPixels < 1) {
            throw new UserError("--max-pixels must be positive, got " + maxPixels);
        }
        b.maxPixels(maxPixels);
        String missing = CliFlavour.missingFor(backend);
        if (missing != null) {
            throw new UserError(missing);
        }
        backendOptions.forEach(b::option);
        if (precision != null) {
            b.option(TrtOptions.PRECISION, precision);
        }
        b.option(TrtOptions.CACHE_DIR, (engineCache != null ? engineCache : TrtBuildCommand.DEFAULT_CACHE).toString());
        return b.backend(backend).intraOpThreads(threads);
    }
}
