package io.scaleprotoseg.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The baseline: the same model run through the plain ONNX Runtime Java API, written the way a
 * careful user would write it, doing the same work the SDK returns.
 *
 * <ul>
 *   <li>session options as the SDK's ORT backend sets them: graph optimisation ALL, sequential
 *       execution, the given intra-op threads, 1 inter-op thread;</li>
 *   <li>one direct, native-order input buffer and one input tensor over it, made once; each call
 *       copies the caller's {@code float[]} into the buffer (any caller holding a Java array must
 *       do that copy);</li>
 *   <li>only the requested outputs are computed; with {@code pinned = true} (the default used in
 *       the benchmarks) ORT writes them into pinned tensors over direct buffers made once, else ORT
 *       allocates them per call and they are read with {@code getFloatBuffer()/getIntBuffer()};</li>
 *   <li>every output is copied into a new Java array per call, as the SDK's results are.</li>
 * </ul>
 *
 * Not thread-safe (one input buffer); the benchmarks call it from one thread.
 */
public final class BareOrt implements AutoCloseable {
    /** The outputs of one call, as new Java arrays (null when not requested). */
    public record Outputs(int[] mask, float[] logits, float[] groups, float[] prototypes) {
    }

    private final OrtSession session;
    private final FloatBuffer input;
    private final OnnxTensor inputTensor;
    private final Map<String, OnnxTensor> inputs;
    private final List<String> outputs;
    private final Set<String> requested;
    private final boolean pinned;
    private final Map<String, OnnxTensor> pinnedTensors = new LinkedHashMap<>();
    private final Map<String, Buffer> pinnedBuffers = new LinkedHashMap<>();

    /**
     * Opens a session and prepares the buffers for {@code 1 x 3 x height x width} inputs.
     *
     * @param outputs the ONNX outputs to request
     * @param pinned whether ORT writes the outputs into pinned, reused direct buffers
     */
    public BareOrt(Path model, int intraOpThreads, int width, int height, List<String> outputs, boolean pinned)
            throws OrtException {
        // the process-wide environment: the existing one if the SDK made it first, else ORT's default
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(intraOpThreads);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING);
            this.session = env.createSession(model.toString(), opts);
        }
        this.outputs = List.copyOf(outputs);
        this.requested = new LinkedHashSet<>(outputs);
        this.pinned = pinned;
        long[] shape = {1, 3, height, width};
        this.input = ByteBuffer.allocateDirect(3 * width * height * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        this.inputTensor = OnnxTensor.createTensor(env, input, shape);
        this.inputs = Map.of(BenchModels.INPUT, inputTensor);
        if (pinned) {
            // learn the output shapes with one ordinary run, then pin buffers of those shapes
            try (OrtSession.Result r = session.run(inputs, requested)) {
                for (String name : outputs) {
                    OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow();
                    long[] s = t.getInfo().getShape();
                    long count = 1;
                    for (long d : s) {
                        count *= d;
                    }
                    ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(count * 4)).order(ByteOrder.nativeOrder());
                    if (name.equals(BenchModels.MASK)) {
                        IntBuffer ib = bytes.asIntBuffer();
                        pinnedTensors.put(name, OnnxTensor.createTensor(env, ib, s));
                        pinnedBuffers.put(name, ib);
                    } else {
                        FloatBuffer fb = bytes.asFloatBuffer();
                        pinnedTensors.put(name, OnnxTensor.createTensor(env, fb, s));
                        pinnedBuffers.put(name, fb);
                    }
                }
            }
        }
    }

    /** The requested output names, in order. */
    public List<String> outputs() {
        return outputs;
    }

    /** Copies {@code chw} into the input buffer, runs the session and copies the outputs out. */
    public Outputs run(float[] chw) throws OrtException {
        input.clear();
        input.put(chw);
        if (pinned) {
            // the pinned tensors are not owned by the result: closing it leaves their buffers intact
            session.run(inputs, pinnedTensors).close();
            int[] mask = null;
            float[] logits = null;
            float[] groups = null;
            float[] protos = null;
            for (Map.Entry<String, Buffer> e : pinnedBuffers.entrySet()) {
                switch (e.getKey()) {
                    case BenchModels.MASK:
                        mask = toArray((IntBuffer) e.getValue());
                        break;
                    case BenchModels.LOGITS:
                        logits = toArray((FloatBuffer) e.getValue());
                        break;
                    case BenchModels.GROUP_ACTIVATIONS:
                        groups = toArray((FloatBuffer) e.getValue());
                        break;
                    default:
                        protos = toArray((FloatBuffer) e.getValue());
                }
            }
            return new Outputs(mask, logits, groups, protos);
        }
        try (OrtSession.Result r = session.run(inputs, requested)) {
            int[] mask = null;
            float[] logits = null;
            float[] groups = null;
            float[] protos = null;
            for (Map.Entry<String, OnnxValue> e : r) {
                OnnxTensor t = (OnnxTensor) e.getValue();
                switch (e.getKey()) {
                    case BenchModels.MASK:
                        mask = toArray(t.getIntBuffer());
                        break;
                    case BenchModels.LOGITS:
                        logits = toArray(t.getFloatBuffer());
                        break;
                    case BenchModels.GROUP_ACTIVATIONS:
                        groups = toArray(t.getFloatBuffer());
                        break;
                    default:
                        protos = toArray(t.getFloatBuffer());
                }
            }
            return new Outputs(mask, logits, groups, protos);
        }
    }

    private static float[] toArray(FloatBuffer b) {
        FloatBuffer d = b.duplicate();
        d.rewind();
        float[] a = new float[d.remaining()];
        d.get(a);
        return a;
    }

    private static int[] toArray(IntBuffer b) {
        IntBuffer d = b.duplicate();
        d.rewind();
        int[] a = new int[d.remaining()];
        d.get(a);
        return a;
    }

    @Override
    public void close() throws OrtException {
        pinnedTensors.values().forEach(OnnxTensor::close);
        inputTensor.close();
        session.close();
    }
}
