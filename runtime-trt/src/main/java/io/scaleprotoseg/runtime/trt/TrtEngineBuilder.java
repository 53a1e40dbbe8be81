package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;
import org.bytedeco.tensorrt.nvonnxparser.IParser;
import org.bytedeco.tensorrt.nvonnxparser.IParserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a serialised TensorRT engine ("plan") from the ONNX file:
 * {@code createInferBuilder} -> {@code createNetworkV2(0)} -> {@code createParser} +
 * {@code parseFromFile} -> unmark outputs that are not wanted -> {@code createBuilderConfig}
 * (workspace pool limit, {@code kFP16}, builder optimisation level) -> one
 * {@code IOptimizationProfile} for {@code pixels} (kMIN / kOPT / kMAX) -> timing cache
 * ({@code createTimingCache} / {@code setTimingCache}) -> {@code buildSerializedNetwork}.
 *
 * <p>The network is weakly typed (creation flags 0): precision is chosen by the builder flags.
 * (TensorRT 10.12 deprecated {@code kFP16} in favour of strongly typed networks with FP16 baked
 * into the ONNX graph; it still works in 10.15 and keeps one ONNX file for both precisions.)
 *
 * <p>JavaCPP 1.5.13 attaches no deallocator to the objects TensorRT's factory functions return
 * (bytedeco/javacpp-presets#1699), and TensorRT 10 has no {@code destroy()}: the builder, network,
 * parser and config of a build stay allocated until the process ends. Builds are rare (once per
 * model, GPU and setting when the engine cache is used).
 */
final class TrtEngineBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(TrtEngineBuilder.class);

    private TrtEngineBuilder() {
    }

    /**
     * Builds the engine.
     *
     * <p>The engine computes the outputs of {@code trt.outputs} (the others are unmarked, so TensorRT
     * prunes the layers only they need), or every contract output the model has.
     *
     * @param timingCacheFile where the timing cache is read from and written back to; null for none
     * @throws ModelFormatException when TensorRT's ONNX parser rejects the model
     * @throws BackendUnavailableException when TensorRT cannot build an engine on this GPU
     */
    @SuppressWarnings("deprecation") // BuilderFlag.kFP16: deprecated in 10.12, still the way to get FP16 from an FP32 ONNX graph
    static byte[] build(Path onnx, TrtOptions opts, GpuInfo gpu, Path timingCacheFile)
            throws ModelFormatException, BackendUnavailableException {
        TrtLogger logger = TrtLogger.get();
        logger.clearErrors();
        long t0 = System.nanoTime();
        int rc = cudart.cudaSetDevice(gpu.device());
        if (rc != cudart.cudaSuccess) {
            throw unavailable("cudaSetDevice(" + gpu.device() + ") failed: " + CudaCalls.errorText(rc), logger);
        }
        IBuilder builder = nvinfer.createInferBuilder(logger);
        if (builder == null || builder.isNull()) {
            throw unavailable("createInferBuilder failed", logger);
        }
        INetworkDefinition network = builder.createNetworkV2(0);
        IParser parser = nvonnxparser.createParser(network, logger);
        if (network == null || network.isNull() || parser == null || parser.isNull()) {
            throw unavailable("createNetworkV2 / createParser failed", logger);
        }
        if (!parser.parseFromFile(onnx.toAbsolutePath().toString(), ILogger.Severity.kWARNING.value)) {
            throw new ModelFormatException(ErrorCode.CONTRACT_VIOLATION, "TensorRT's ONNX parser rejects " + onnx + ": "
                    + parserErrors(parser) + "; re-export the model with 'scaleprotoseg export', or run it on ort-cuda");
        }
        checkInput(network, onnx);
        selectOutputs(network, opts.outputs(), onnx);

        IBuilderConfig config = builder.createBuilderConfig();
        if (opts.workspaceBytes() > 0) {
            config.setMemoryPoolLimit(nvinfer.MemoryPoolType.kWORKSPACE, opts.workspaceBytes());
        }
        if (opts.precision() == Precision.FP16) {
            config.setFlag(nvinfer.BuilderFlag.kFP16);
        }
        if (opts.builderOptimizationLevel() >= 0) {
            config.setBuilderOptimizationLevel(opts.builderOptimizationLevel());
        }
        IOptimizationProfile profile = builder.createOptimizationProfile();
        ShapeProfile p = opts.profile();
        boolean ok = profile.setDimensions(TensorNames.INPUT, nvinfer.OptProfileSelector.kMIN, dims(p.min()))
                && profile.setDimensions(TensorNames.INPUT, nvinfer.OptProfileSelector.kOPT, dims(p.opt()))
                && profile.setDimensions(TensorNames.INPUT, nvinfer.OptProfileSelector.kMAX, dims(p.max()));
        if (!ok || config.addOptimizationProfile(profile) < 0) {
            throw new IllegalArgumentException("TensorRT rejects the optimisation profile " + p.describe() + ": "
                    + logger.recentErrors());
        }
        ITimingCache timing = timingCacheFile == null ? null : loadTimingCache(config, timingCacheFile);

        IHostMemory plan = builder.buildSerializedNetwork(network, config);
        if (plan == null || plan.isNull() || plan.size() == 0) {
            throw unavailable("TensorRT could not build an engine for " + onnx + " (" + opts.summary() + ") on "
                    + gpu.name() + "; a smaller " + TrtOptions.MAX_SHAPE + " or a larger " + TrtOptions.WORKSPACE_MB
                    + " may help", logger);
        }
        byte[] bytes = copy(plan);
        if (timing != null) {
            saveTimingCache(config, timingCacheFile);
        }
        LOG.info("built TensorRT engine for {} ({}) on {} in {} s, {} MB", onnx.getFileName(), opts.summary(), gpu.name(),
                String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9), bytes.length >> 20);
        return bytes;
    }

    /** A four-dimensional {@code Dims64} [n, 3, h, w]. */
    static Dims64 dims(ShapeProfile.Shape s) {
        Dims64 d = new Dims64();
        d.nbDims(4);
        long[] v = s.dims();
        for (int i = 0; i < 4; i++) {
            d.d(i, v[i]);
        }
        return d;
    }

    private static void checkInput(INetworkDefinition network, Path onnx) throws ModelFormatException {
        for (int i = 0; i < network.getNbInputs(); i++) {
            ITensor t = network.getInput(i);
            if (TensorNames.INPUT.equals(t.getName())) {
                Dims64 d = t.getDimensions();
                if (d.nbDims() != 4 || (d.d(1) != 3 && d.d(1) != -1)) {
                    throw new ModelFormatException(ErrorCode.CONTRACT_VIOLATION, "input '" + TensorNames.INPUT + "' of "
                            + onnx + " is not [N, 3, H, W] in TensorRT's view");
                }
                return;
            }
        }
        throw new ModelFormatException(ErrorCode.CONTRACT_VIOLATION, onnx + " has no input '" + TensorNames.INPUT + "'");
    }

    /**
     * Unmarks every network output that is not wanted (and any that is not part of the model
     * contract); fails when a wanted one is absent. {@code wanted} null means every contract output.
     */
    private static void selectOutputs(INetworkDefinition network, Set<ModelOutput> wanted, Path onnx)
            throws ModelFormatException {
        List<ITensor> drop = new ArrayList<>();
        Set<ModelOutput> present = EnumSet.noneOf(ModelOutput.class);
        for (int i = 0; i < network.getNbOutputs(); i++) {
            ITensor t = network.getOutput(i);
            ModelOutput o = TensorNames.output(t.getName());
            if (o != null && (wanted == null || wanted.contains(o))) {
                present.add(o);
            } else {
                drop.add(t);
            }
        }
        if (!present.contains(ModelOutput.LOGITS)) {
            throw new ModelFormatException(ErrorCode.CONTRACT_VIOLATION, onnx + " has no output 'logits' in TensorRT's view");
        }
        Set<ModelOutput> absent = wanted == null ? EnumSet.noneOf(ModelOutput.class) : EnumSet.copyOf(wanted);
        absent.removeAll(present);
        if (!absent.isEmpty()) {
            throw new ModelFormatException(ErrorCode.CONTRACT_VIOLATION, onnx + " has no output "
                    + TrtOptions.outputNames(absent) + " (asked for by option " + TrtOptions.OUTPUTS + ")");
        }
        for (ITensor t : drop) {
            network.unmarkOutput(t);
        }
    }

    private static ITimingCache loadTimingCache(IBuilderConfig config, Path file) {
        byte[] blob = null;
        try {
            if (Files.isRegularFile(file)) {
                blob = Files.readAllBytes(file);
            }
        } catch (IOException e) {
            LOG.warn("cannot read TensorRT timing cache {}: {}; starting an empty one", file, e.toString());
        }
        ITimingCache cache = null;
        if (blob != null && blob.length > 0) {
            cache = config.createTimingCache(new BytePointer(blob), blob.length);
            if (cache == null || cache.isNull() || !config.setTimingCache(cache, false)) {
                LOG.warn("TensorRT timing cache {} does not fit this GPU or TensorRT version; starting an empty one", file);
                cache = null;
            }
        }
        if (cache == null) {
            cache = config.createTimingCache(null, 0);
            if (cache == null || cache.isNull() || !config.setTimingCache(cache, false)) {
                LOG.warn("TensorRT refuses an empty timing cache; building without one");
                return null;
            }
        }
        return cache;
    }

    private static void saveTimingCache(IBuilderConfig config, Path file) {
        try {
            ITimingCache cache = config.getTimingCache();
            IHostMemory mem = cache == null || cache.isNull() ? null : cache.serialize();
            if (mem != null && !mem.isNull() && mem.size() > 0) {
                EngineCacheFile.writeAtomically(file, copy(mem));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot write TensorRT timing cache {}: {}", file, e.toString());
        }
    }

    /** The bytes of TensorRT host memory, copied into the Java heap. */
    static byte[] copy(IHostMemory mem) {
        long size = mem.size();
        if (size > Integer.MAX_VALUE - 64) {
            throw new IllegalStateException("a TensorRT plan of " + size + " bytes is too large for this backend (2 GB)");
        }
        byte[] out = new byte[(int) size];
        BytePointer data = new BytePointer(mem.data());
        data.capacity(size).limit(size);
        data.get(out, 0, out.length);
        return out;
    }

    private static String parserErrors(IParser parser) {
        StringBuilder sb = new StringBuilder();
        int n = parser.getNbErrors();
        for (int i = 0; i < Math.min(n, 5); i++) {
            IParserError e = parser.getError(i);
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(e.desc());
            String node = e.nodeName();
            if (node != null && !node.isEmpty()) {
                sb.append(" (node ").append(node).append(", ").append(e.nodeOperator()).append(")");
            }
        }
        if (n > 5) {
            sb.append("; and ").append(n - 5).append(" more");
        }
        return sb.length() == 0 ? "no details" : sb.toString();
    }

    private static BackendUnavailableException unavailable(String what, TrtLogger logger) {
        String errors = logger.recentErrors();
        return new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, what
                + (errors.isEmpty() ? "" : " (TensorRT: " + errors + ")"));
    }
}
