package io.scaleprotoseg.runtime.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.InferenceException;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Runs a model held in memory on ONNX Runtime's CPU provider and hands named intermediate tensors
 * to the caller: what INT8 calibration needs (the activation tensors of an FP32 model, made graph
 * outputs of a probe copy of it). Not a deployment path: no model contract check, no evidence.
 *
 * <p>Only for models the caller built itself (the probe copy of a model file that passed the
 * contract check). Not thread-safe; one probe per thread. Holds a native session: close it.
 */
public final class OrtTensorProbe implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;

    private OrtTensorProbe(OrtEnvironment env, OrtSession session) {
        this.env = env;
        this.session = session;
    }

    /**
     * Opens a session on {@code model}, the bytes of a serialised ONNX ModelProto.
     *
     * @param threads intra-op threads; 0 = all cores
     * @throws BackendUnavailableException when ONNX Runtime cannot load or rejects the model
     */
    public static OrtTensorProbe open(byte[] model, int threads) throws BackendUnavailableException {
        OrtBuilds.scan(OrtTensorProbe.class.getClassLoader()).requireSingle();
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "scaleprotoseg");
            try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
                opts.setIntraOpNumThreads(threads);
                opts.setInterOpNumThreads(1);
                opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                return new OrtTensorProbe(env, env.createSession(model, opts));
            }
        } catch (OrtException | RuntimeException | LinkageError e) {
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE,
                    "ONNX Runtime cannot run the calibration probe: " + e.getMessage(), e);
        }
    }

    /** The model's output names. */
    public Set<String> outputNames() throws InferenceException {
        try {
            return new LinkedHashSet<>(session.getOutputNames());
        } catch (RuntimeException e) {
            throw new InferenceException(ErrorCode.INFERENCE_FAILED, "ONNX Runtime: " + e.getMessage(), e);
        }
    }

    /**
     * Runs one image and passes each of {@code names} to {@code sink}, in the order given; the
     * buffer is ONNX Runtime's and valid only during the call.
     *
     * @param chw RGB in 0..1, channel-major (copied)
     * @throws InferenceException when ONNX Runtime fails, or an output is missing or not float
     */
    public void run(float[] chw, int width, int height, Collection<String> names, BiConsumer<String, FloatBuffer> sink)
            throws InferenceException {
        FloatBuffer in = ByteBuffer.allocateDirect(chw.length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        in.put(chw).rewind();
        try (OnnxTensor t = OnnxTensor.createTensor(env, in, new long[] {1, 3, height, width});
                OrtSession.Result r = session.run(Map.of(ModelOutput.INPUT_NAME, t), new LinkedHashSet<>(names))) {
            for (String n : names) {
                Optional<OnnxValue> v = r.get(n);
                if (v.isEmpty() || !(v.get() instanceof OnnxTensor tensor) || tensor.getFloatBuffer() == null) {
                    throw new InferenceException(ErrorCode.INFERENCE_FAILED, "the probe gave no float tensor '" + n + "'");
                }
                sink.accept(n, tensor.getFloatBuffer());
            }
        } catch (OrtException e) {
            throw new InferenceException(ErrorCode.INFERENCE_FAILED, "ONNX Runtime failed on the calibration probe: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // nothing to recover: the session is gone either way
        }
    }
}
