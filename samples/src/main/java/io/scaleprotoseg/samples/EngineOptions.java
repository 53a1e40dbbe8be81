package io.scaleprotoseg.samples;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where the trainer's tensors live: the PyTorch engine (DJL) on the CPU or a CUDA GPU, and its
 * thread counts. Shared by {@code train} and {@code eval}.
 */
final class EngineOptions {
    /** DJL's PyTorch engine name. */
    static final String ENGINE = "PyTorch";
    /** Intra-op threads (read by DJL when the engine starts). */
    static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
    /** Inter-op threads (read by DJL when the engine starts; PyTorch allows setting it only once). */
    static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";
    /** The natives this build ships (samples -> exporter -> trainer). */
    static final String BUNDLED_NATIVES = "ai.djl.pytorch:pytorch-native-cpu 2.7.1 (linux-x86_64)";
    /** slf4j-simple's level of DJL's CUDA probe. */
    static final String CUDA_LOG_LEVEL = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";

    /** The device choice. */
    enum Kind {
        CPU, GPU
    }

    /** {@code cpu} or {@code gpu}. */
    static final class KindConverter implements CommandLine.ITypeConverter<Kind> {
        @Override
        public Kind convert(String value) {
            for (Kind k : Kind.values()) {
                if (k.name().equalsIgnoreCase(value.strip())) {
                    return k;
                }
            }
            throw new CommandLine.TypeConversionException("unknown device '" + value + "'; use cpu or gpu");
        }
    }

    @Option(names = "--device", defaultValue = "cpu", converter = KindConverter.class, paramLabel = "DEVICE",
            description = "cpu or gpu (a CUDA GPU; needs PyTorch CUDA natives, see the error message) "
                    + "(default: ${DEFAULT-VALUE})")
    Kind device;

    @Option(names = "--threads", paramLabel = "N",
            description = "PyTorch intra-op threads (default: all cores, or -D" + NUM_THREADS + " when set); "
                    + "inter-op threads are 1 unless -D" + NUM_INTEROP_THREADS + " says otherwise")
    Integer threads;

    /** What {@link #start()} settled on. */
    record Started(Device device, int threads, String description) {
    }

    /**
     * Checks the options without starting anything (what a dry run does too).
     *
     * @throws UserError for a bad thread count
     */
    void validate() {
        if (threads != null && threads < 0) {
            throw new UserError("--threads must be 0 (all cores) or positive, got " + threads);
        }
    }

    /**
     * Sets the thread properties, starts the PyTorch engine and picks the device. Must run before
     * anything else touches DJL in this process for the inter-op setting to apply; the intra-op
     * count is also applied to a running engine.
     *
     * @throws UserError for a bad thread count, an engine that cannot start, or a GPU request on a
     *     host (or build) without CUDA
     */
    Started start() {
        validate();
        int n;
        if (threads != null && threads > 0) {
            n = threads;
        } else if (threads == null && Integer.getInteger(NUM_THREADS) != null && Integer.getInteger(NUM_THREADS) > 0) {
            n = Integer.getInteger(NUM_THREADS);
        } else {
            n = Runtime.getRuntime().availableProcessors();
        }
        System.setProperty(NUM_THREADS, String.valueOf(n));
        if (System.getProperty(NUM_INTEROP_THREADS) == null) {
            System.setProperty(NUM_INTEROP_THREADS, "1");
        }
        // DJL warns on every start when it finds a CUDA runtime without a driver (a toolkit
        // installed on a CPU host); that is noise unless a GPU was asked for. slf4j-simple reads
        // per-logger levels when the logger is created, i.e. when the engine first starts.
        if (device != Kind.GPU && System.getProperty(CUDA_LOG_LEVEL) == null) {
            System.setProperty(CUDA_LOG_LEVEL, "error");
        }
        // the command line never downloads: the natives come with it
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        Engine engine;
        try {
            engine = Engine.getEngine(ENGINE);
        } catch (EngineException | IllegalArgumentException e) {
            throw new UserError("cannot start DJL's PyTorch engine (" + e.getMessage() + "); this build bundles "
                    + BUNDLED_NATIVES + ", which runs on Linux x86-64", e);
        }
        // the engine reads the property only when it starts; in a process that started it earlier
        // (an embedding application, tests) the intra-op count still applies this way
        JniUtils.setNumThreads(n);
        Device d;
        if (device == Kind.GPU) {
            int gpus = engine.getGpuCount();
            if (gpus <= 0) {
                throw new UserError(gpuMissing(engine));
            }
            d = Device.gpu();
        } else {
            d = Device.cpu();
        }
        String text = d.getDeviceType().toLowerCase(Locale.ROOT) + (d.isGpu() ? " " + d.getDeviceId() : "") + ", PyTorch "
                + engine.getVersion() + ", " + n + " threads (inter-op " + System.getProperty(NUM_INTEROP_THREADS) + ")";
        return new Started(d, n, text);
    }

    static String gpuMissing(Engine engine) {
        return "--device gpu: PyTorch " + engine.getVersion() + " sees no CUDA GPU here. This build bundles DJL's "
                + "CPU-only PyTorch natives (" + BUNDLED_NATIVES + "), which cannot use a GPU even where one is "
                + "present. To train on a GPU you need an NVIDIA GPU with a driver recent enough for the CUDA version "
                + "(check with nvidia-smi), and PyTorch 2.7.1 CUDA natives in place of the CPU ones: either DJL's "
                + "matching pytorch-native-cuXXX jar (e.g. cu128, classifier linux-x86_64) on the class path instead of "
                + "pytorch-native-cpu, or a local libtorch 2.7.1 CUDA build named with the environment variable "
                + "PYTORCH_LIBRARY_PATH=/path/to/libtorch/lib (with PYTORCH_VERSION=2.7.1 and PYTORCH_FLAVOR=cu128). "
                + "Otherwise train on the CPU with --device cpu (the default)";
    }
}
