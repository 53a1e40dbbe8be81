package io.scaleprotoseg.runtime.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.InferenceException;
import io.scaleprotoseg.sdk.spi.EngineResult;
import io.scaleprotoseg.sdk.spi.InferenceEngine;
import io.scaleprotoseg.sdk.spi.InputBatch;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One ONNX Runtime session. {@link #run} is safe to call from many threads at once (ORT sessions
 * are). Outputs are written by ORT straight into pinned, direct, native-order buffers that are
 * reused: the first run of an input shape learns the output shapes, later runs of that shape
 * borrow a set of pinned buffers from a per-shape pool, so a steady stream of same-sized images
 * allocates no native memory. Only the requested outputs are computed.
 */
final class OrtEngine implements InferenceEngine {
    /** Pinned sets kept per shape; more concurrent callers than this allocate temporary ones. */
    private static final int POOL_PER_SHAPE = Runtime.getRuntime().availableProcessors() + 1;
    /** Distinct shapes whose pinned buffers are kept; beyond this the pools are dropped. */
    private static final int MAX_SHAPES = 16;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final Backend backend;
    private final String description;
    private final Map<ShapeKey, long[][]> outputShapes = new ConcurrentHashMap<>();
    private final Map<ShapeKey, ConcurrentLinkedQueue<PinnedOutputs>> pools = new ConcurrentHashMap<>();
    /** Without ONNX Runtime's arena every tensor is malloc'd and freed: return what a run freed to the system. */
    private final boolean trimAfterRun;
    private volatile boolean closed;

    OrtEngine(OrtEnvironment env, OrtSession session, Backend backend, String description, boolean trimAfterRun) {
        this.env = env;
        this.session = session;
        this.backend = backend;
        this.description = description;
        this.trimAfterRun = trimAfterRun;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public String description() {
        return description;
    }

    /** The key of a pinned-buffer pool: input shape and the (ordered) requested outputs. */
    private record ShapeKey(int n, int h, int w, Set<ModelOutput> outputs) { }

    /** Pinned output tensors over direct buffers, for one shape. */
    private static final class PinnedOutputs implements AutoCloseable {
        final Map<String, OnnxTensor> tensors = new HashMap<>();
        final Map<ModelOutput, Buffer> buffers = new EnumMap<>(ModelOutput.class);

        PinnedOutputs(OrtEnvironment env, List<ModelOutput> outputs, long[][] shapes) throws OrtException {
            try {
                for (int i = 0; i < outputs.size(); i++) {
                    ModelOutput o = outputs.get(i);
                    long count = 1;
                    for (long d : shapes[i]) {
                        count *= d;
                    }
                    ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(count * 4)).order(ByteOrder.nativeOrder());
                    OnnxTensor t;
                    if (o == ModelOutput.MASK) {
                        IntBuffer ib = bytes.asIntBuffer();
                        t = OnnxTensor.createTensor(env, ib, shapes[i]);
                        buffers.put(o, ib);
                    } else {
                        FloatBuffer fb = bytes.asFloatBuffer();
                        t = OnnxTensor.createTensor(env, fb, shapes[i]);
                        buffers.put(o, fb);
                    }
                    tensors.put(o.onnxName(), t);
                }
            } catch (OrtException | RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public EngineResult run(InputBatch input, Set<ModelOutput> requested) throws InferenceException {
        try {
            return runOnce(input, requested);
        } finally {
            if (trimAfterRun) {
                // the freed activations sit in the C heap, which glibc keeps: the next call would peak on top of them
                NativeHeap.trim();
            }
        }
    }

    private EngineResult runOnce(InputBatch input, Set<ModelOutput> requested) throws InferenceException {
        if (closed) {
            throw new IllegalStateException("ONNX Runtime engine is closed");
        }
        List<ModelOutput> outputs = new ArrayList<>(EnumSet.copyOf(requested));
        Set<String> names = new LinkedHashSet<>();
        for (ModelOutput o : outputs) {
            names.add(o.onnxName());
        }
        ShapeKey key = new ShapeKey(input.batch(), input.height(), input.width(), EnumSet.copyOf(requested));
        FloatBuffer pixels = input.pixels().duplicate();
        pixels.position(0).limit(input.elementCount());
        try (OnnxTensor in = OnnxTensor.createTensor(env, pixels.slice(), input.shape())) {
            long[][] shapes = outputShapes.get(key);
            if (shapes == null) {
                return firstRun(key, in, outputs, names);
            }
            PinnedOutputs pinned = borrow(key);
            if (pinned == null) {
                pinned = new PinnedOutputs(env, outputs, shapes);
            }
            boolean keep = false;
            // every requested output is pinned, so none is left to allocate: ORT wants the two sets disjoint
            try (OrtSession.Result ignored = session.run(Map.of(ModelOutputNames.INPUT, in), Set.of(), pinned.tensors)) {
                EngineResult r = copy(input.batch(), outputs, shapes, pinned.buffers);
                keep = giveBack(key, pinned);
                return r;
            } finally {
                if (!keep) {
                    pinned.close();
                }
            }
        } catch (OrtException e) {
            throw new InferenceException(ErrorCode.INFERENCE_FAILED, "ONNX Runtime failed on a " + input.batch() + "x3x"
                    + input.height() + "x" + input.width() + " input: " + e.getMessage(), e);
        }
    }

    /** Runs without pinned outputs, learns the output shapes and copies the results. */
    private EngineResult firstRun(ShapeKey key, OnnxTensor in, List<ModelOutput> outputs, Set<String> names)
            throws OrtException {
        try (OrtSession.Result result = session.run(Map.of(ModelOutputNames.INPUT, in), names)) {
            long[][] shapes = new long[outputs.size()][];
            Map<ModelOutput, Buffer> buffers = new EnumMap<>(ModelOutput.class);
            for (int i = 0; i < outputs.size(); i++) {
                ModelOutput o = outputs.get(i);
                OnnxValue v = result.get(o.onnxName()).orElseThrow(() -> new OrtException(
                        "ONNX Runtime returned no output '" + o.onnxName() + "'"));
                OnnxTensor t = (OnnxTensor) v;
                shapes[i] = t.getInfo().getShape();
                buffers.put(o, o == ModelOutput.MASK ? t.getIntBuffer() : t.getFloatBuffer());
            }
            if (outputShapes.size() >= MAX_SHAPES) {
                dropPools();
            }
            outputShapes.putIfAbsent(key, shapes);
            return copy(key.n(), outputs, shapes, buffers);
        }
    }

    private static EngineResult copy(int n, List<ModelOutput> outputs, long[][] shapes, Map<ModelOutput, Buffer> buffers) {
        int fh = 0;
        int fw = 0;
        int[] mask = null;
        float[] logits = null;
        float[] groups = null;
        float[] protos = null;
        for (int i = 0; i < outputs.size(); i++) {
            ModelOutput o = outputs.get(i);
            Buffer b = buffers.get(o);
            if (o == ModelOutput.MASK) {
                IntBuffer ib = ((IntBuffer) b).duplicate();
                ib.rewind();
                mask = new int[ib.remaining()];
                ib.get(mask);
                continue;
            }
            FloatBuffer fb = ((FloatBuffer) b).duplicate();
            fb.rewind();
            float[] a = new float[fb.remaining()];
            fb.get(a);
            fh = (int) shapes[i][2];
            fw = (int) shapes[i][3];
            switch (o) {
                case LOGITS:
                    logits = a;
                    break;
                case GROUP_ACTIVATIONS:
                    groups = a;
                    break;
                default:
                    protos = a;
            }
        }
        return new EngineResult(n, fh, fw, mask, logits, groups, protos);
    }

    private PinnedOutputs borrow(ShapeKey key) {
        ConcurrentLinkedQueue<PinnedOutputs> q = pools.get(key);
        return q == null ? null : q.poll();
    }

    private boolean giveBack(ShapeKey key, PinnedOutputs p) {
        if (closed) {
            return false;
        }
        ConcurrentLinkedQueue<PinnedOutputs> q = pools.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>());
        if (q.size() >= POOL_PER_SHAPE) {
            return false;
        }
        q.offer(p);
        return true;
    }

    private void dropPools() {
        outputShapes.clear();
        for (ConcurrentLinkedQueue<PinnedOutputs> q : pools.values()) {
            PinnedOutputs p;
            while ((p = q.poll()) != null) {
                p.close();
            }
        }
        pools.clear();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        dropPools();
        try {
            session.close();
        } catch (OrtException e) {
            org.slf4j.LoggerFactory.getLogger(OrtEngine.class).warn("closing ONNX Runtime session: {}", e.getMessage());
        }
    }

    /** The graph input's name. */
    private static final class ModelOutputNames {
        static final String INPUT = ModelOutput.INPUT_NAME;
    }
}
