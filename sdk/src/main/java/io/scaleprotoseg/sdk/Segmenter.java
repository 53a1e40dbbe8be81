package io.scaleprotoseg.sdk;

import io.scaleprotoseg.sdk.internal.Bilinear;
import io.scaleprotoseg.sdk.internal.ImageInput;
import io.scaleprotoseg.sdk.internal.ModelHead;
import io.scaleprotoseg.sdk.internal.OnnxModelFile;
import io.scaleprotoseg.sdk.internal.TileStitcher;
import io.scaleprotoseg.sdk.spi.BackendProvider;
import io.scaleprotoseg.sdk.spi.EngineConfig;
import io.scaleprotoseg.sdk.spi.EngineResult;
import io.scaleprotoseg.sdk.spi.InferenceEngine;
import io.scaleprotoseg.sdk.spi.InputBatch;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segments images with one ScaleProtoSeg, ProtoSeg or DeepLabv2 model file on one backend.
 *
 * <pre>{@code
 * try (Segmenter seg = Segmenter.builder().model(path).evidence(Evidence.GROUPS).build()) {
 *     Segmentation s = seg.segment(image);
 *     PixelExplanation why = s.explain(x, y);
 * }
 * }</pre>
 *
 * <p><b>Thread safety.</b> A segmenter is thread-safe: any number of threads may call the
 * {@code segment} methods at once (the backend runs them concurrently). {@link #close()} waits
 * for calls in flight to finish, then frees the native resources; calls after close throw
 * {@link IllegalStateException}.
 *
 * <p><b>Small images.</b> Any image that decodes gets a result. An image so small that the network
 * cannot take it (a side shorter than some convolution's reach) is run again enlarged to
 * {@link #minimumSide(ModelCard)} on its short sides (4 feature cells, at least 32 pixels, divided by
 * the smallest input scale of a multi-scale model; bilinear, as {@link InputSizing} resizes); the
 * mask and the evidence are at the image's own size and every feature cell covers the image. Images
 * the network takes at their own size are never enlarged.
 *
 * <p><b>Copy semantics.</b> Every input is copied into a reused direct buffer before inference;
 * the caller may change or reuse its image or array as soon as a call returns. Results are
 * independent Java objects. {@link #segmentFrames} reuses its input buffers from frame to frame.
 */
public final class Segmenter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Segmenter.class);
    private static final int POOLED_BUFFERS = 2 * Runtime.getRuntime().availableProcessors() + 2;

    private final OnnxModelFile model;
    private final ModelHead head;
    private final InferenceEngine engine;
    private final BackendInfo backendInfo;
    private final Evidence evidence;
    private final InputSizing sizing;
    private final long maxPixels;
    private final int maxBatch;
    private final int minimumSide;
    private final Set<ModelOutput> outputsAtImageSize;
    private final Set<ModelOutput> outputsResized;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final ConcurrentLinkedQueue<FloatBuffer> buffers = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pooled = new AtomicInteger();
    private boolean closed;

    private Segmenter(Builder b, Evidence evidence, OnnxModelFile model, InferenceEngine engine, BackendInfo info) {
        this.model = model;
        this.head = model.head();
        this.engine = engine;
        this.backendInfo = info;
        this.evidence = evidence;
        this.sizing = b.sizing;
        this.minimumSide = minimumSide(model.card());
        this.maxPixels = b.maxPixels;
        // a model whose input fixes the batch size runs batches of exactly that many at most
        this.maxBatch = model.fixedBatch() > 0 ? Math.min(b.maxBatch, model.fixedBatch()) : b.maxBatch;
        Set<ModelOutput> ev = EnumSet.noneOf(ModelOutput.class);
        if (evidence != Evidence.NONE) {
            if (head.kind().hasGroups()) {
                ev.add(ModelOutput.GROUP_ACTIVATIONS);
                if (evidence == Evidence.FULL) {
                    ev.add(ModelOutput.PROTOTYPE_ACTIVATIONS);
                }
            } else {
                ev.add(ModelOutput.PROTOTYPE_ACTIVATIONS);
            }
        }
        this.outputsResized = Collections.unmodifiableSet(union(ev, EnumSet.of(ModelOutput.LOGITS)));
        this.outputsAtImageSize = Collections.unmodifiableSet(union(ev, EnumSet.of(ModelOutput.LOGITS, ModelOutput.MASK)));
    }

    private static Set<ModelOutput> union(Set<ModelOutput> a, Set<ModelOutput> b) {
        Set<ModelOutput> s = EnumSet.copyOf(b);
        s.addAll(a);
        return s;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The model card. */
    public ModelCard card() {
        return model.card();
    }

    /** Which backend runs the model, and why the others were skipped. */
    public BackendInfo backendInfo() {
        return backendInfo;
    }

    /** The evidence level of every result. */
    public Evidence evidence() {
        return evidence;
    }

    /** The model file. */
    public Path modelPath() {
        return model.path();
    }

    /** The outputs requested from the backend when an image runs at its own size. */
    public Set<ModelOutput> requestedOutputs() {
        return outputsAtImageSize;
    }

    /**
     * Segments an image of any type (RGB, grey, with alpha, 16-bit, indexed); see the class
     * comment of {@code ImageInput} in the internal package for how each is converted.
     *
     * @throws InvalidImageException when it is empty or over the pixel limit
     * @throws InferenceException when the backend fails
     */
    public Segmentation segment(BufferedImage image) throws InvalidImageException, InferenceException {
        Objects.requireNonNull(image, "image");
        long t0 = System.nanoTime();
        ImageInput.checkSize("image", image.getWidth(), image.getHeight(), maxPixels);
        if (runsTiled(image.getWidth(), image.getHeight())) {
            return runTiled(tilesOf(image), image.getWidth(), image.getHeight(), t0);
        }
        return run(List.of(ImageInput.toChw(image)), image.getWidth(), image.getHeight(), t0, null).get(0);
    }

    /**
     * Reads and segments an image file (PNG, JPEG, BMP, TIFF; the first page of a multi-page
     * file). The size is checked against the pixel limit before the pixels are decoded.
     *
     * @throws InvalidImageException naming the file when it is missing, unreadable, truncated,
     *     empty or too large
     * @throws InferenceException when the backend fails
     */
    public Segmentation segment(Path imageFile) throws InvalidImageException, InferenceException {
        Objects.requireNonNull(imageFile, "imageFile");
        long t0 = System.nanoTime();
        BufferedImage img = ImageInput.read(imageFile, maxPixels);
        if (runsTiled(img.getWidth(), img.getHeight())) {
            return runTiled(tilesOf(img), img.getWidth(), img.getHeight(), t0);
        }
        return run(List.of(ImageInput.toChw(img)), img.getWidth(), img.getHeight(), t0, null).get(0);
    }

    /**
     * Segments an image given as float RGB in 0..1, channel-major: {@code chw[c * h * w + y * w + x]}.
     * The array is copied; the caller keeps ownership.
     *
     * @throws InvalidImageException when the array's length is not {@code 3 * width * height} or
     *     it holds a NaN or infinite value
     * @throws InferenceException when the backend fails
     */
    public Segmentation segment(float[] chw, int width, int height) throws InvalidImageException, InferenceException {
        Objects.requireNonNull(chw, "chw");
        long t0 = System.nanoTime();
        ImageInput.checkSize("float image", width, height, maxPixels);
        long need = 3L * width * height;
        if (chw.length != need) {
            throw new InvalidImageException(ErrorCode.BAD_INPUT_ARRAY, "float image array has " + chw.length
                    + " values but a " + width + "x" + height + " RGB image in CHW layout needs 3*" + width + "*" + height
                    + " = " + need);
        }
        for (int i = 0; i < chw.length; i++) {
            if (!Float.isFinite(chw[i])) {
                int plane = width * height;
                throw new InvalidImageException(ErrorCode.BAD_INPUT_ARRAY, "float image array holds " + chw[i]
                        + " at channel " + i / plane + ", pixel (" + (i % plane) % width + ", " + (i % plane) / width
                        + "); values must be finite RGB in 0..1");
            }
        }
        if (runsTiled(width, height)) {
            return runTiled(tilesOf(chw, width, height), width, height, t0);
        }
        return run(List.of(chw), width, height, t0, null).get(0);
    }

    /**
     * Segments several images; images that share a network input size run together in batches
     * of up to {@link Builder#maxBatch(int)}. Results come back in input order. Images that run as
     * tiles ({@link InputSizing#tiled}) run one at a time, tile by tile.
     *
     * @throws InvalidImageException naming the index of the first bad image (nothing is run then)
     * @throws InferenceException when the backend fails
     */
    public List<Segmentation> segmentAll(List<BufferedImage> images) throws InvalidImageException, InferenceException {
        Objects.requireNonNull(images, "images");
        for (int i = 0; i < images.size(); i++) {
            BufferedImage im = Objects.requireNonNull(images.get(i), "images[" + i + "]");
            ImageInput.checkSize("image " + i, im.getWidth(), im.getHeight(), maxPixels);
        }
        Segmentation[] out = new Segmentation[images.size()];
        Map<List<Integer>, List<Integer>> bySize = new LinkedHashMap<>();
        for (int i = 0; i < images.size(); i++) {
            bySize.computeIfAbsent(List.of(images.get(i).getWidth(), images.get(i).getHeight()), k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<List<Integer>, List<Integer>> e : bySize.entrySet()) {
            List<Integer> idx = e.getValue();
            if (runsTiled(e.getKey().get(0), e.getKey().get(1))) {
                for (int i : idx) {
                    out[i] = runTiled(tilesOf(images.get(i)), e.getKey().get(0), e.getKey().get(1), System.nanoTime());
                }
                continue;
            }
            for (int start = 0; start < idx.size(); start += maxBatch) {
                long t0 = System.nanoTime();
                List<Integer> part = idx.subList(start, Math.min(idx.size(), start + maxBatch));
                List<float[]> chws = new ArrayList<>();
                for (int i : part) {
                    chws.add(ImageInput.toChw(images.get(i)));
                }
                List<Segmentation> res = run(chws, e.getKey().get(0), e.getKey().get(1), t0, null);
                for (int p = 0; p < part.size(); p++) {
                    out[part.get(p)] = res.get(p);
                }
            }
        }
        return Arrays.asList(out);
    }

    /**
     * Segments a sequence of frames (a video's, a camera's) one at a time and in order, handing
     * each result to {@code consumer} before the next frame is pulled from {@code frames}. Memory
     * does not grow with the sequence: nothing is kept between frames but the input buffers, which
     * are reused across frames of the same size (the float copy of the frame, its resized copy and
     * the direct buffer the backend reads; a frame of another size gets new ones).
     *
     * <p>Each result equals {@link #segment(BufferedImage)} of that frame. Frames of any size and
     * type may follow each other; each is checked against the pixel limit. A frame is copied before
     * inference and is not held after its consumer call returns, so a source may hand out one image
     * object for every frame, overwritten in {@code next()}.
     *
     * <p><b>Thread safety.</b> As the other {@code segment} methods: several threads may each run
     * their own sequence at once (each with its own buffers), and {@link #close()} waits for the
     * frame in flight; the next frame then throws {@link IllegalStateException}. The iterator and
     * the consumer are called on the calling thread only.
     *
     * @param frames the frames; {@code next()} is called once per frame, after the previous frame's
     *     consumer call has returned
     * @param consumer receives (index, frame, result) for every frame
     * @return the number of frames segmented
     * @throws InvalidImageException naming the frame's index when it is empty or over the pixel limit
     *     (the frames before it were segmented and consumed)
     * @throws InferenceException when the backend fails
     * @throws E what the consumer threw; no further frame is pulled
     */
    public <E extends Exception> long segmentFrames(Iterator<? extends BufferedImage> frames, FrameConsumer<E> consumer)
            throws InvalidImageException, InferenceException, E {
        Objects.requireNonNull(frames, "frames");
        Objects.requireNonNull(consumer, "consumer");
        FrameBuffers reused = new FrameBuffers();
        long index = 0;
        try {
            while (frames.hasNext()) {
                BufferedImage frame = Objects.requireNonNull(frames.next(), "frame " + index);
                long t0 = System.nanoTime();
                int w = frame.getWidth();
                int h = frame.getHeight();
                ImageInput.checkSize("frame " + index, w, h, maxPixels);
                Segmentation s;
                if (runsTiled(w, h)) {
                    s = runTiled(tilesOf(frame), w, h, t0);
                } else {
                    reused.chw = ImageInput.toChw(frame, reused.chw);
                    s = run(List.of(reused.chw), w, h, t0, reused).get(0);
                }
                consumer.accept(index, frame, s);
                index++;
            }
        } finally {
            if (reused.input != null) {
                giveBack(reused.input);
            }
        }
        return index;
    }

    /**
     * The buffers one frame sequence reuses: the frame as float CHW, its copy at the network's size
     * and the backend's direct input buffer.
     */
    private static final class FrameBuffers {
        float[] chw;
        float[] scaled;
        FloatBuffer input;

        float[] scaled(int floats) {
            if (scaled == null || scaled.length != floats) {
                scaled = new float[floats];
            }
            return scaled;
        }
    }

    /**
     * Runs same-sized images (CHW at original size) as one batch; when the network cannot take an
     * image with a side shorter than {@link #minimumSide(ModelCard)}, runs it again enlarged to that.
     */
    private List<Segmentation> run(List<float[]> chws, int width, int height, long t0, FrameBuffers reused)
            throws InvalidImageException, InferenceException {
        int[] net = sizing.networkSize(width, height);
        try {
            return run(chws, width, height, net[0], net[1], t0, reused);
        } catch (InferenceException e) {
            if (net[0] >= minimumSide && net[1] >= minimumSide) {
                throw e;
            }
            LOG.debug("the {}x{} network input failed ({}); enlarged to at least {} pixels a side", net[0], net[1],
                    e.getMessage(), minimumSide);
            return run(chws, width, height, Math.max(net[0], minimumSide), Math.max(net[1], minimumSide), t0, reused);
        }
    }

    /** One backend run; {@code reused} (or null) holds a frame sequence's buffers, else the shared pool serves. */
    private List<Segmentation> run(List<float[]> chws, int width, int height, int nw, int nh, long t0, FrameBuffers reused)
            throws InvalidImageException, InferenceException {
        ImageInput.checkSize("network input for the " + width + "x" + height + " image", nw, nh, maxPixels);
        boolean resized = nw != width || nh != height;
        int n = chws.size();
        int perImage = 3 * nw * nh;
        lifecycle.readLock().lock();
        try {
            requireOpen();
            FloatBuffer buf;
            if (reused == null) {
                buf = borrow(n * perImage);
            } else {
                if (reused.input == null || reused.input.capacity() < n * perImage) {
                    if (reused.input != null) {
                        giveBack(reused.input);
                    }
                    reused.input = borrow(n * perImage);
                }
                buf = reused.input;
            }
            EngineResult r;
            long tRun;
            long tDone;
            try {
                buf.clear();
                for (float[] chw : chws) {
                    if (resized) {
                        float[] scaled = reused != null ? reused.scaled(perImage) : new float[perImage];
                        Bilinear.Axis ya = Bilinear.axis(height, nh);
                        Bilinear.Axis xa = Bilinear.axis(width, nw);
                        for (int c = 0; c < 3; c++) {
                            Bilinear.resizeInto(chw, c * width * height, height, width, nh, nw, ya, xa, scaled, c * nw * nh);
                        }
                        buf.put(scaled);
                    } else {
                        buf.put(chw);
                    }
                }
                buf.flip();
                tRun = System.nanoTime();
                r = engine.run(new InputBatch(buf, n, nh, nw), resized ? outputsResized : outputsAtImageSize);
                tDone = System.nanoTime();
            } finally {
                if (reused == null) {
                    giveBack(buf);
                }
            }
            List<Segmentation> results = new ArrayList<>(n);
            int fh = r.featureHeight();
            int fw = r.featureWidth();
            int c = head.numClasses();
            int cells = fh * fw;
            for (int i = 0; i < n; i++) {
                float[] logits = slice(r.logits(), i, c * cells);
                int[] mask;
                if (!resized && r.mask() != null) {
                    mask = n == 1 ? r.mask() : Arrays.copyOfRange(r.mask(), i * width * height, (i + 1) * width * height);
                } else {
                    mask = Bilinear.argmaxResized(logits, 0, c, fh, fw, height, width);
                }
                float[] groups = slice(r.groupActivations(), i, head.numGroups() * cells);
                float[] protos = slice(r.prototypeActivations(), i, head.numPrototypes() * cells);
                long now = System.nanoTime();
                results.add(new Segmentation(head, evidence, width, height, nw, nh, fh, fw, mask, logits, groups, protos,
                        engine.backend(), (tDone - tRun) / n, (now - t0) / n));
            }
            return results;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Throws when closed; the caller holds the lifecycle read lock. */
    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this Segmenter (model " + model.path() + ") is closed; build a new one");
        }
    }

    /** Runs same-sized network inputs as one batch through a pooled direct buffer; the caller holds the lifecycle lock. */
    private EngineResult infer(List<float[]> inputs, int nw, int nh, Set<ModelOutput> outputs) throws InferenceException {
        FloatBuffer buf = borrow(inputs.size() * 3 * nw * nh);
        try {
            buf.clear();
            for (float[] chw : inputs) {
                buf.put(chw);
            }
            buf.flip();
            return engine.run(new InputBatch(buf, inputs.size(), nh, nw), outputs);
        } finally {
            giveBack(buf);
        }
    }

    /** True when an image of this size runs as tiles: tiling is on, the image exceeds a tile, and the network takes its short side. */
    private boolean runsTiled(int width, int height) {
        return sizing.tiles(width, height) && Math.min(width, height) >= minimumSide;
    }

    /** The pixels of one tile as CHW in 0..1, written into {@code out} (3*w*h, reused across tiles). */
    private interface TilePixels {
        void chw(int x0, int y0, int w, int h, float[] out);
    }

    /** Tiles of an image, converted by the same rules as a whole image (a sub-image shares the pixels). */
    private static TilePixels tilesOf(BufferedImage image) {
        return (x0, y0, w, h, out) -> ImageInput.toChwRegion(image, x0, y0, w, h, out);
    }

    private static TilePixels tilesOf(float[] chw, int width, int height) {
        return (x0, y0, w, h, out) -> {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    System.arraycopy(chw, (c * height + y0 + y) * width + x0, out, (c * h + y) * w, w);
                }
            }
        };
    }

    /**
     * Runs an image larger than the tile as overlapping tiles, one engine call each, and stitches
     * them ({@link InputSizing#tiled} gives the rules).
     */
    private Segmentation runTiled(TilePixels pixels, int width, int height, long t0) throws InferenceException {
        TileStitcher st = new TileStitcher(width, height, sizing.tileSize(), sizing.overlap());
        int tw = st.tileWidth();
        int th = st.tileHeight();
        long inference = 0;
        float[] chw = new float[3 * tw * th];
        lifecycle.readLock().lock();
        try {
            requireOpen();
            for (int y0 : st.ys()) {
                for (int x0 : st.xs()) {
                    pixels.chw(x0, y0, tw, th, chw);
                    long tRun = System.nanoTime();
                    EngineResult r = infer(List.of(chw), tw, th, outputsResized);
                    inference += System.nanoTime() - tRun;
                    st.add(x0, y0, r.featureHeight(), r.featureWidth(), r.logits(), r.groupActivations(),
                            r.prototypeActivations());
                }
            }
        } finally {
            lifecycle.readLock().unlock();
        }
        float[] blended = st.blendedLogits();
        int[] mask = Bilinear.argmaxResized(blended, 0, head.numClasses(), st.rows(), st.columns(), height, width);
        return new Segmentation(head, evidence, width, height, tw, th, st.rows(), st.columns(), mask, blended,
                st.decidedLogits(), st.tiles(), st.groupActivations(), st.prototypeActivations(), engine.backend(), inference,
                System.nanoTime() - t0);
    }

    /**
     * The shortest side the network of {@code card} is given: 4 feature cells and at least 32 pixels
     * (4 x the output stride), divided by the smallest extra input scale of a multi-scale model (whose
     * smaller copies must still have that size). Shorter images are enlarged to it.
     */
    public static int minimumSide(ModelCard card) {
        double smallest = 1;
        for (double f : card.mscScales()) {
            smallest = Math.min(smallest, f);
        }
        return (int) Math.ceil(Math.max(32, 4 * card.outputStride()) / smallest);
    }

    private static float[] slice(float[] all, int i, int size) {
        if (all == null) {
            return null;
        }
        return all.length == size ? all : Arrays.copyOfRange(all, i * size, (i + 1) * size);
    }

    private FloatBuffer borrow(int floats) {
        FloatBuffer b = buffers.poll();
        if (b != null) {
            pooled.decrementAndGet();
            if (b.capacity() >= floats) {
                return b;
            }
        }
        return ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private void giveBack(FloatBuffer b) {
        if (pooled.incrementAndGet() <= POOLED_BUFFERS) {
            buffers.offer(b);
        } else {
            pooled.decrementAndGet();
        }
    }

    /**
     * Waits for calls in flight, then frees the backend's native resources. Idempotent. Results
     * already returned stay valid.
     */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                engine.close();
                buffers.clear();
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /**
     * Configures and opens a {@link Segmenter}. Not thread-safe; {@link #build()} validates every
     * setting and names the one that is wrong.
     */
    public static final class Builder {
        private Path model;
        private Backend backend = Backend.AUTO;
        private Evidence evidence;
        private int intraOpThreads;
        private InputSizing sizing = InputSizing.keep();
        private boolean allowExternalData;
        private ModelLimits limits = ModelLimits.DEFAULT;
        private long maxPixels = 4096L * 4096L;
        private int maxBatch = 4;
        private Path optimizedModelCache;
        private final Map<String, String> options = new HashMap<>();

        private Builder() {
        }

        /** The model file (required). */
        public Builder model(Path model) {
            this.model = model;
            return this;
        }

        /** The backend (default {@link Backend#AUTO}). */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * How much evidence each result keeps. Default: {@link Evidence#GROUPS} for prototype models,
         * {@link Evidence#NONE} for a black-box DeepLabv2 model (which has no other level).
         */
        public Builder evidence(Evidence evidence) {
            this.evidence = Objects.requireNonNull(evidence, "evidence");
            return this;
        }

        /** Threads for one inference; 0 (default) lets the backend use all cores. */
        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = threads;
            return this;
        }

        /** How images are sized for the network (default {@link InputSizing#keep()}). */
        public Builder inputSizing(InputSizing sizing) {
            this.sizing = Objects.requireNonNull(sizing, "sizing");
            return this;
        }

        /** Largest image, and largest network input, in pixels (default 4096 x 4096). */
        public Builder maxPixels(long maxPixels) {
            this.maxPixels = maxPixels;
            return this;
        }

        /**
         * Most images per backend run in {@link Segmenter#segmentAll} (default 4). A model whose input
         * fixes the batch dimension (the project's graph writer leaves it symbolic) runs at most that
         * many at once, whatever is set here.
         */
        public Builder maxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        /** Where the backend may cache its optimised model (default: no cache). */
        public Builder optimizedModelCache(Path path) {
            this.optimizedModelCache = path;
            return this;
        }

        /**
         * Whether the model may keep tensors as ONNX external data (default false: such a model is
         * refused, because the file it names could be any file of the host). When true, external data
         * is accepted only in regular files inside the model's own folder, by relative paths that stay
         * inside it after following links. Only for models from a source the host trusts.
         */
        public Builder allowExternalData(boolean allow) {
            this.allowExternalData = allow;
            return this;
        }

        /** Limits on the model file and its card (default {@link ModelLimits#DEFAULT}). */
        public Builder limits(ModelLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** A backend-specific option, passed through to the provider (see each runtime module). */
        public Builder option(String key, String value) {
            options.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Reads and validates the model, then opens it on the backend.
         *
         * @throws ModelFormatException when the file breaks the model contract
         * @throws BackendUnavailableException when the backend (or, for AUTO, every backend)
         *     cannot run here; the message says what is missing
         * @throws IllegalArgumentException when a setting is invalid
         */
        public Segmenter build() throws ModelFormatException, BackendUnavailableException {
            if (model == null) {
                throw new IllegalArgumentException("Segmenter.Builder: no model given; call model(Path) with an exported .onnx file");
            }
            if (intraOpThreads < 0) {
                throw new IllegalArgumentException("Segmenter.Builder: intraOpThreads must be >= 0 (0 = all cores), got " + intraOpThreads);
            }
            if (maxPixels < 1) {
                throw new IllegalArgumentException("Segmenter.Builder: maxPixels must be positive, got " + maxPixels);
            }
            if (maxBatch < 1) {
                throw new IllegalArgumentException("Segmenter.Builder: maxBatch must be positive, got " + maxBatch);
            }
            OnnxModelFile file = OnnxModelFile.read(model, allowExternalData, limits);
            if (sizing.isTiled() && sizing.tileSize() < minimumSide(file.card())) {
                throw new IllegalArgumentException("Segmenter.Builder: tileSize " + sizing.tileSize() + " is smaller than "
                        + minimumSide(file.card()) + " pixels, the shortest side the network of " + model + " takes (4 feature "
                        + "cells of its output stride " + file.card().outputStride() + ", and at least 32 pixels); use tiles "
                        + "of at least " + minimumSide(file.card()) + " pixels");
            }
            Evidence ev = evidence != null ? evidence
                    : file.card().method().hasPrototypes() ? Evidence.GROUPS : Evidence.NONE;
            if (!file.card().method().hasPrototypes() && ev != Evidence.NONE) {
                throw new IllegalArgumentException("Segmenter.Builder: " + model + " is a " + file.card().method().id()
                        + " (black-box) model and has no evidence; build it with Evidence.NONE");
            }
            EngineConfig config = new EngineConfig(model, intraOpThreads, optimizedModelCache, options);
            Map<Backend, BackendProvider> providers = discoverProviders();
            if (backend != Backend.AUTO) {
                BackendProvider p = providers.get(backend);
                if (p == null) {
                    throw new BackendUnavailableException(ErrorCode.NO_PROVIDER, noProviderMessage(backend));
                }
                InferenceEngine e = p.open(backend, config);
                return new Segmenter(this, ev, file, e, new BackendInfo(backend, e.description(), Map.of()));
            }
            Map<Backend, String> skipped = new LinkedHashMap<>();
            for (Backend b : Backend.AUTO_ORDER) {
                BackendProvider p = providers.get(b);
                if (p == null) {
                    skipped.put(b, noProviderMessage(b));
                    continue;
                }
                try {
                    InferenceEngine e = p.open(b, config);
                    LOG.debug("model {} runs on {}; skipped {}", model, b, skipped);
                    return new Segmenter(this, ev, file, e, new BackendInfo(b, e.description(), skipped));
                } catch (BackendUnavailableException ex) {
                    if (ex.code() == ErrorCode.CONFLICTING_RUNTIMES) {
                        throw ex; // a broken class path, not a host without the backend: no fallback hides it
                    }
                    skipped.put(b, ex.getMessage());
                }
            }
            StringBuilder sb = new StringBuilder("no backend can run " + model + " on this host:");
            skipped.forEach((b, why) -> sb.append("\n  ").append(b.cliName()).append(": ").append(why));
            throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, sb.toString());
        }
    }

    private static String noProviderMessage(Backend b) {
        String artifact = b == Backend.TENSORRT ? "scaleprotoseg-runtime-trt" : "scaleprotoseg-runtime-ort";
        return "no provider for backend " + b.cliName() + " is on the class path; add the dependency io.scaleprotoseg:"
                + artifact;
    }

    /**
     * The concrete backends whose provider is on the class path. A listed backend may still be
     * unable to run on this host (no GPU, missing libraries); {@link Builder#build()} says why.
     */
    public static Set<Backend> installedBackends() {
        Set<Backend> s = EnumSet.noneOf(Backend.class);
        s.addAll(discoverProviders().keySet());
        return s;
    }

    /** The providers on the class path, by the backends they serve (first provider wins). */
    static Map<Backend, BackendProvider> discoverProviders() {
        Map<Backend, BackendProvider> map = new EnumMap<>(Backend.class);
        ClassLoader cl = Segmenter.class.getClassLoader();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, cl)) {
            for (Backend b : p.backends()) {
                map.putIfAbsent(b, p);
            }
        }
        return map;
    }
}
