package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.InferenceException;
import io.scaleprotoseg.sdk.spi.EngineResult;
import io.scaleprotoseg.sdk.spi.InferenceEngine;
import io.scaleprotoseg.sdk.spi.InputBatch;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deserialised TensorRT engine with a pool of execution contexts.
 *
 * <p>Each pooled {@link Slot} owns an {@code IExecutionContext} (created with the user-managed
 * allocation strategy, so that its activation memory is ours to free), a non-blocking CUDA
 * stream, device buffers for the input and every output at the profile's largest shape, and
 * pinned host buffers for the input and for each output the first time it is asked for. All of
 * it is allocated once per slot and reused. A run: copy the batch into the pinned input, then on
 * the slot's stream {@code cudaMemcpyAsync} host-to-device, {@code setInputShape},
 * {@code enqueueV3}, one {@code cudaMemcpyAsync} device-to-host per requested output (the others
 * stay on the GPU), {@code cudaStreamSynchronize}, and copy the pinned outputs into Java arrays.
 *
 * <p>Concurrent callers each take a slot (up to {@code trt.contexts}, created on demand; callers
 * beyond that wait), so their runs overlap on the GPU. Batches larger than the profile's maximum
 * batch are split; images outside the profile's sizes are refused with a message naming the
 * option that widens it.
 */
final class TrtEngine implements InferenceEngine {
    private static final Logger LOG = LoggerFactory.getLogger(TrtEngine.class);

    private final ICudaEngine engine;
    private final GpuInfo gpu;
    private final ShapeProfile profile;
    private final String description;
    /** Engine outputs by contract name, with their element type. */
    private final Map<ModelOutput, Integer> outputTypes;
    /** Every output tensor of the engine (TensorRT needs an address for each). */
    private final List<String> outputTensors;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<Slot> idle = new ConcurrentLinkedQueue<>();
    private final List<Slot> all = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean closed;

    /**
     * @throws InferenceException when the engine's inputs or outputs do not match the model contract
     */
    TrtEngine(ICudaEngine engine, GpuInfo gpu, TrtOptions opts, String description) throws InferenceException {
        this.engine = engine;
        this.gpu = gpu;
        this.profile = opts.profile();
        this.description = description;
        this.permits = new Semaphore(opts.contexts(), true);
        Map<ModelOutput, Integer> types = new EnumMap<>(ModelOutput.class);
        List<String> outs = new ArrayList<>();
        boolean inputOk = false;
        for (int i = 0; i < engine.getNbIOTensors(); i++) {
            String name = engine.getIOTensorName(i);
            int mode = engine.getTensorIOMode(name).value;
            int type = engine.getTensorDataType(name).value;
            if (mode == nvinfer.TensorIOMode.kINPUT.value) {
                inputOk |= TensorNames.INPUT.equals(name) && type == nvinfer.DataType.kFLOAT.value;
            } else if (mode == nvinfer.TensorIOMode.kOUTPUT.value) {
                outs.add(name);
                ModelOutput o = TensorNames.output(name);
                if (o != null) {
                    boolean expected = o == ModelOutput.MASK
                            ? type == nvinfer.DataType.kINT32.value || type == nvinfer.DataType.kINT64.value
                            : type == nvinfer.DataType.kFLOAT.value;
                    if (!expected) {
                        throw new InferenceException(ErrorCode.INFERENCE_FAILED, "TensorRT engine output '" + name
                                + "' has data type " + engine.getTensorDataType(name) + ", not the model contract's");
                    }
                    types.put(o, type);
                }
            }
        }
        if (!inputOk) {
            throw new InferenceException(ErrorCode.INFERENCE_FAILED, "TensorRT engine has no float32 input '"
                    + TensorNames.INPUT + "'");
        }
        this.outputTypes = Collections.unmodifiableMap(types);
        this.outputTensors = List.copyOf(outs);
    }

    @Override
    public Backend backend() {
        return Backend.TENSORRT;
    }

    @Override
    public String description() {
        return description;
    }

    /** The outputs this engine computes. */
    Set<ModelOutput> outputs() {
        return outputTypes.isEmpty() ? EnumSet.noneOf(ModelOutput.class) : EnumSet.copyOf(outputTypes.keySet());
    }

    @Override
    public EngineResult run(InputBatch input, Set<ModelOutput> requested) throws InferenceException {
        if (closed) {
            throw new IllegalStateException("TensorRT engine is closed");
        }
        for (ModelOutput o : requested) {
            if (!outputTypes.containsKey(o)) {
                throw new InferenceException(ErrorCode.INFERENCE_FAILED, "this TensorRT engine was built without output '"
                        + o.onnxName() + "'; include it in option " + TrtOptions.OUTPUTS + " (or drop that option)");
            }
        }
        int h = input.height();
        int w = input.width();
        if (!profile.admits(h, w)) {
            throw new InferenceException(ErrorCode.INFERENCE_FAILED, "a " + w + "x" + h + " (width x height) input is "
                    + "outside the TensorRT engine's optimisation profile (" + profile.describe() + ", NxCxHxW); build "
                    + "the engine for it with option " + TrtOptions.MAX_SHAPE + " / " + TrtOptions.MIN_SHAPE + " (e.g. "
                    + TrtOptions.MAX_SHAPE + "=" + new ShapeProfile.Shape(profile.max().n(), Math.max(h, profile.max().h()),
                            Math.max(w, profile.max().w())).text() + "), or resize images with InputSizing");
        }
        List<ModelOutput> outs = new ArrayList<>(EnumSet.copyOf(requested));
        int n = input.batch();
        int step = profile.max().n();
        int perImage = 3 * h * w;
        List<Chunk> chunks = new ArrayList<>();
        for (int start = 0; start < n; start += step) {
            int m = Math.min(step, n - start);
            chunks.add(runChunk(input.pixels(), start * perImage, m, h, w, outs));
        }
        return merge(n, outs, chunks);
    }

    /** The outputs of one engine run, in host arrays, with their shapes. */
    private record Chunk(Map<ModelOutput, Object> arrays, Map<ModelOutput, long[]> shapes) {
    }

    private Chunk runChunk(FloatBuffer pixels, int offset, int n, int h, int w, List<ModelOutput> outs)
            throws InferenceException {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException(ErrorCode.INFERENCE_FAILED, "interrupted while waiting for a TensorRT execution "
                    + "context", e);
        }
        Slot slot = null;
        boolean healthy = false;
        try {
            slot = idle.poll();
            if (slot == null) {
                slot = newSlot();
            }
            Chunk c = slot.run(pixels, offset, n, h, w, outs);
            healthy = true;
            return c;
        } catch (CudaCalls.CudaException e) {
            throw new InferenceException(ErrorCode.INFERENCE_FAILED, "TensorRT run on " + gpu.name() + " failed for a " + n
                    + "x3x" + h + "x" + w + " input: " + e.getMessage() + tensorRtErrors(), e);
        } finally {
            if (slot != null) {
                if (healthy && !closed) {
                    idle.offer(slot);
                } else {
                    all.remove(slot);
                    slot.free();
                }
            }
            permits.release();
        }
    }

    private Slot newSlot() throws CudaCalls.CudaException, InferenceException {
        Slot s = new Slot();
        try {
            s.allocate();
        } catch (CudaCalls.CudaException | InferenceException | RuntimeException e) {
            s.free();
            throw e;
        }
        all.add(s);
        LOG.debug("TensorRT execution context {} created on {}", all.size(), gpu.name());
        return s;
    }

    private static String tensorRtErrors() {
        String e = TrtLogger.get().recentErrors();
        return e.isEmpty() ? "" : " (TensorRT: " + e + ")";
    }

    private static EngineResult merge(int n, List<ModelOutput> outs, List<Chunk> chunks) {
        int fh = 0;
        int fw = 0;
        int[] mask = null;
        float[] logits = null;
        float[] groups = null;
        float[] protos = null;
        for (ModelOutput o : outs) {
            long[] shape = chunks.get(0).shapes().get(o);
            Object merged;
            if (chunks.size() == 1) {
                merged = chunks.get(0).arrays().get(o);
            } else if (o == ModelOutput.MASK) {
                int total = 0;
                for (Chunk c : chunks) {
                    total += ((int[]) c.arrays().get(o)).length;
                }
                int[] all = new int[total];
                int at = 0;
                for (Chunk c : chunks) {
                    int[] a = (int[]) c.arrays().get(o);
                    System.arraycopy(a, 0, all, at, a.length);
                    at += a.length;
                }
                merged = all;
            } else {
                int total = 0;
                for (Chunk c : chunks) {
                    total += ((float[]) c.arrays().get(o)).length;
                }
                float[] all = new float[total];
                int at = 0;
                for (Chunk c : chunks) {
                    float[] a = (float[]) c.arrays().get(o);
                    System.arraycopy(a, 0, all, at, a.length);
                    at += a.length;
                }
                merged = all;
            }
            switch (o) {
                case MASK -> mask = (int[]) merged;
                case LOGITS -> logits = (float[]) merged;
                case GROUP_ACTIVATIONS -> groups = (float[]) merged;
                case PROTOTYPE_ACTIVATIONS -> protos = (float[]) merged;
                default -> throw new IllegalStateException(o.toString());
            }
            if (o != ModelOutput.MASK) {
                fh = (int) shape[2];
                fw = (int) shape[3];
            }
        }
        return new EngineResult(n, fh, fw, mask, logits, groups, protos);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (all) {
            for (Slot s : all) {
                s.free();
            }
            all.clear();
        }
        idle.clear();
    }

    /** Bytes of one element of a TensorRT data type (of those the contract uses). */
    private static int elementBytes(int type) {
        if (type == nvinfer.DataType.kINT64.value) {
            return 8;
        }
        if (type == nvinfer.DataType.kHALF.value) {
            return 2;
        }
        return 4;
    }

    private static long volume(Dims64 d) {
        long v = 1;
        for (int i = 0; i < d.nbDims(); i++) {
            v *= Math.max(0, d.d(i));
        }
        return v;
    }

    private static long[] shape(Dims64 d) {
        long[] s = new long[d.nbDims()];
        for (int i = 0; i < s.length; i++) {
            s[i] = d.d(i);
        }
        return s;
    }

    /** A device allocation. */
    private static Pointer deviceAlloc(long bytes, String what) throws CudaCalls.CudaException {
        Pointer p = new Pointer();
        CudaCalls.check(cudart.cudaMalloc(p, Math.max(bytes, 1)), "cudaMalloc(" + bytes + " bytes for " + what + ")");
        return p;
    }

    /** A pinned host allocation. */
    private static Pointer pinnedAlloc(long bytes, String what) throws CudaCalls.CudaException {
        Pointer p = new Pointer();
        CudaCalls.check(cudart.cudaMallocHost(p, Math.max(bytes, 1)), "cudaMallocHost(" + bytes + " bytes for " + what + ")");
        return p;
    }

    /** A native-order view of pinned memory. */
    private static ByteBuffer view(Pointer p, long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("a host buffer of " + bytes + " bytes exceeds 2 GB; lower " + TrtOptions.MAX_SHAPE);
        }
        BytePointer b = new BytePointer(p);
        b.capacity(bytes).limit(bytes);
        return b.asBuffer().order(ByteOrder.nativeOrder());
    }

    /** One execution context with its stream and buffers. */
    private final class Slot {
        private IExecutionContext ctx;
        private CUstream_st stream;
        private Pointer scratch;
        private Pointer dInput;
        private Pointer hInput;
        private ByteBuffer hInputView;
        private final Map<String, Pointer> dOutputs = new LinkedHashMap<>();
        private final Map<String, Long> outputCapacity = new LinkedHashMap<>();
        private final Map<ModelOutput, Pointer> hOutputs = new EnumMap<>(ModelOutput.class);
        private final Map<ModelOutput, ByteBuffer> hOutputViews = new EnumMap<>(ModelOutput.class);
        private final Dims64 inputShape = new Dims64();

        void allocate() throws CudaCalls.CudaException, InferenceException {
            CudaCalls.check(cudart.cudaSetDevice(gpu.device()), "cudaSetDevice(" + gpu.device() + ")");
            ctx = engine.createExecutionContext(nvinfer.ExecutionContextAllocationStrategy.kUSER_MANAGED);
            if (ctx == null || ctx.isNull()) {
                throw new InferenceException(ErrorCode.INFERENCE_FAILED, "TensorRT cannot create an execution context on "
                        + gpu.name() + tensorRtErrors());
            }
            long scratchBytes = engine.getDeviceMemorySizeV2();
            if (scratchBytes > 0) {
                scratch = deviceAlloc(scratchBytes, "TensorRT activations");
                ctx.setDeviceMemoryV2(scratch, scratchBytes);
            }
            stream = new CUstream_st();
            CudaCalls.check(cudart.cudaStreamCreateWithFlags(stream, cudart.cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
            ShapeProfile.Shape max = profile.max();
            setShape(max.n(), max.h(), max.w());
            long inBytes = 4L * max.n() * 3 * max.h() * max.w();
            dInput = deviceAlloc(inBytes, "the input");
            hInput = pinnedAlloc(inBytes, "the input");
            hInputView = view(hInput, inBytes);
            bind(TensorNames.INPUT, dInput);
            for (String name : outputTensors) {
                Dims64 d = ctx.getTensorShape(name);
                long bytes = volume(d) * elementBytes(engine.getTensorDataType(name).value);
                Pointer p = deviceAlloc(bytes, "output " + name);
                dOutputs.put(name, p);
                outputCapacity.put(name, bytes);
                bind(name, p);
            }
        }

        private void setShape(int n, int h, int w) throws InferenceException {
            inputShape.nbDims(4);
            inputShape.d(0, n).d(1, 3).d(2, h).d(3, w);
            if (!ctx.setInputShape(TensorNames.INPUT, inputShape)) {
                throw new InferenceException(ErrorCode.INFERENCE_FAILED, "TensorRT refuses input shape " + n + "x3x" + h
                        + "x" + w + " (profile " + profile.describe() + ")" + tensorRtErrors());
            }
        }

        private void bind(String name, Pointer p) throws InferenceException {
            if (!ctx.setTensorAddress(name, p)) {
                throw new InferenceException(ErrorCode.INFERENCE_FAILED, "TensorRT refuses the buffer of tensor '" + name
                        + "'" + tensorRtErrors());
            }
        }

        private ByteBuffer hostOutput(ModelOutput o) throws CudaCalls.CudaException {
            ByteBuffer v = hOutputViews.get(o);
            if (v == null) {
                long bytes = outputCapacity.get(o.onnxName());
                Pointer p = pinnedAlloc(bytes, "output " + o.onnxName());
                hOutputs.put(o, p);
                v = view(p, bytes);
                hOutputViews.put(o, v);
            }
            return v;
        }

        Chunk run(FloatBuffer pixels, int offset, int n, int h, int w, List<ModelOutput> outs)
                throws CudaCalls.CudaException, InferenceException {
            CudaCalls.check(cudart.cudaSetDevice(gpu.device()), "cudaSetDevice(" + gpu.device() + ")");
            int count = n * 3 * h * w;
            FloatBuffer src = pixels.duplicate();
            src.limit(offset + count).position(offset);
            FloatBuffer dst = hInputView.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
            dst.put(src);
            setShape(n, h, w);
            CudaCalls.check(cudart.cudaMemcpyAsync(dInput, hInput, 4L * count, cudart.cudaMemcpyHostToDevice, stream),
                    "cudaMemcpyAsync(input, host to device)");
            if (!ctx.enqueueV3(stream)) {
                cudart.cudaStreamSynchronize(stream);
                throw new InferenceException(ErrorCode.INFERENCE_FAILED, "TensorRT enqueueV3 failed for a " + n + "x3x" + h
                        + "x" + w + " input" + tensorRtErrors());
            }
            Map<ModelOutput, long[]> shapes = new EnumMap<>(ModelOutput.class);
            Map<ModelOutput, Long> bytes = new EnumMap<>(ModelOutput.class);
            for (ModelOutput o : outs) {
                Dims64 d = ctx.getTensorShape(o.onnxName());
                long b = volume(d) * elementBytes(outputTypes.get(o));
                shapes.put(o, shape(d));
                bytes.put(o, b);
                ByteBuffer host = hostOutput(o);
                if (host.capacity() < b || outputCapacity.get(o.onnxName()) < b) {
                    throw new IllegalStateException("output " + o.onnxName() + " (" + b + " bytes) exceeds its buffer");
                }
                CudaCalls.check(cudart.cudaMemcpyAsync(hOutputs.get(o), dOutputs.get(o.onnxName()), b,
                        cudart.cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync(" + o.onnxName() + ", device to host)");
            }
            CudaCalls.check(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            Map<ModelOutput, Object> arrays = new EnumMap<>(ModelOutput.class);
            for (ModelOutput o : outs) {
                ByteBuffer host = hOutputViews.get(o).duplicate().order(ByteOrder.nativeOrder());
                int elements = (int) (bytes.get(o) / elementBytes(outputTypes.get(o)));
                if (o == ModelOutput.MASK) {
                    int[] a = new int[elements];
                    if (outputTypes.get(o) == nvinfer.DataType.kINT64.value) {
                        for (int i = 0; i < elements; i++) {
                            a[i] = (int) host.getLong(8 * i);
                        }
                    } else {
                        host.asIntBuffer().get(a);
                    }
                    arrays.put(o, a);
                } else {
                    float[] a = new float[elements];
                    host.asFloatBuffer().get(a);
                    arrays.put(o, a);
                }
            }
            return new Chunk(arrays, shapes);
        }

        /** Frees the stream and every buffer (the context object itself cannot be freed, see the package notes). */
        void free() {
            if (stream != null && !stream.isNull()) {
                cudart.cudaStreamSynchronize(stream);
                cudart.cudaStreamDestroy(stream);
                stream.setNull();
            }
            freeDevice(scratch);
            freeDevice(dInput);
            dOutputs.values().forEach(TrtEngine::freeDevice);
            freeHost(hInput);
            hOutputs.values().forEach(TrtEngine::freeHost);
            dOutputs.clear();
            hOutputs.clear();
            hOutputViews.clear();
            hInputView = null;
            inputShape.close();
        }
    }

    private static void freeDevice(Pointer p) {
        if (p != null && !p.isNull()) {
            int rc = cudart.cudaFree(p);
            if (rc != cudart.cudaSuccess) {
                LOG.warn("cudaFree: {}", CudaCalls.errorText(rc));
            }
            p.setNull();
        }
    }

    private static void freeHost(Pointer p) {
        if (p != null && !p.isNull()) {
            int rc = cudart.cudaFreeHost(p);
            if (rc != cudart.cudaSuccess) {
                LOG.warn("cudaFreeHost: {}", CudaCalls.errorText(rc));
            }
            p.setNull();
        }
    }
}
