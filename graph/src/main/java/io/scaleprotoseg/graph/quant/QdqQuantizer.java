package io.scaleprotoseg.graph.quant;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.scaleprotoseg.sdk.internal.OnnxModelFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites an FP32 model file's graph for static INT8 inference in QDQ form (ONNX opset 13): the
 * form ONNX Runtime's CPU provider fuses into int8 kernels (QLinearConv, QLinearAdd) and TensorRT
 * reads for explicit-precision INT8 engines.
 *
 * <p><b>What is quantised.</b> The <em>trunk</em>: every convolution whose weight is a 4-D float
 * initializer and that does not depend on the prototype head's named initializers
 * ({@code prototypes}, {@code group_weights}, {@code last_layer}, the model contract's, found by
 * data flow rather than by node names). The head reads those initializers through derived kernels,
 * so it is everything downstream of them: distances, log-similarities, groups, last layer, upsampling
 * and mask stay FP32 and the evidence keeps its meaning. In a DeepLabv2 (black-box) model the ASPP
 * is the classifier and is quantised too.
 *
 * <p><b>How.</b>
 * <ul>
 *   <li>weights: int8, symmetric, per output channel, s[o] = max|W[o]| / 127, q = round(W / s)
 *       in -127..127 (never -128, so a product pair cannot overflow 16 bits), DequantizeLinear
 *       with axis 0;</li>
 *   <li>biases: int32, scale s_x * s[o] (the product of the input's and the weight's scales, as the
 *       int8 kernels accumulate), zero point 0;</li>
 *   <li>activations: one QuantizeLinear -> DequantizeLinear pair per tensor, per-tensor scale and
 *       zero point from calibration ({@link ActivationType}), on every trunk convolution's input
 *       and output and every residual addition's output. A ReLU right after a convolution or
 *       addition is left before the pair (the pair then sits on the ReLU's output, whose range
 *       starts at 0, so ONNX Runtime drops the ReLU into the kernel); a max-pool's output shares its
 *       input's scale (ONNX Runtime pools the int8 values directly).</li>
 * </ul>
 * Everything else is copied unchanged, including the card (the caller adds its quantisation
 * record). Stateless; a {@link Plan} is immutable and thread-safe.
 */
public final class QdqQuantizer {
    /** Largest magnitude of a quantised weight. */
    public static final int WEIGHT_MAX = 127;

    private QdqQuantizer() {
    }

    /**
     * A tensor's calibrated range.
     *
     * @param min smallest value kept
     * @param max largest value kept
     */
    public record Range(float min, float max) {
        public Range {
            if (!(min <= max) || !Float.isFinite(min) || !Float.isFinite(max)) {
                throw new IllegalArgumentException("a range needs finite min <= max, got [" + min + ", " + max + "]");
            }
        }
    }

    /**
     * Scale and zero point of a tensor.
     *
     * @param scale step between two codes
     * @param zeroPoint the code of 0
     */
    public record Params(float scale, int zeroPoint) {
    }

    /** The scale and zero point of {@code r} in encoding {@code type}; the range is widened to hold 0 exactly. */
    public static Params params(Range r, ActivationType type) {
        double lo = Math.min(0, r.min());
        double hi = Math.max(0, r.max());
        if (type == ActivationType.UINT8) {
            double s = (hi - lo) / 255;
            if (!(s > 0)) {
                return new Params(1f, 0);
            }
            int zp = (int) Math.max(0, Math.min(255, Math.rint(-lo / s)));
            return new Params((float) s, zp);
        }
        double m = Math.max(-lo, hi);
        return new Params(m > 0 ? (float) (m / 127) : 1f, 0);
    }

    /**
     * Per-output-channel symmetric scales of a weight [O, ...]: max|W[o]| / 127 (1 for a zero row).
     */
    public static float[] weightScales(float[] w, int out) {
        int per = w.length / out;
        float[] s = new float[out];
        for (int o = 0; o < out; o++) {
            float m = 0;
            for (int i = 0; i < per; i++) {
                m = Math.max(m, Math.abs(w[o * per + i]));
            }
            s[o] = m > 0 ? m / WEIGHT_MAX : 1f;
        }
        return s;
    }

    /** The int8 codes of a weight [O, ...] with per-channel scales {@code s}. */
    public static byte[] quantizeWeights(float[] w, float[] s) {
        int per = w.length / s.length;
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            double v = Math.rint(w[i] / s[i / per]);
            q[i] = (byte) Math.max(-WEIGHT_MAX, Math.min(WEIGHT_MAX, v));
        }
        return q;
    }

    /**
     * Analyses {@code model}: which convolutions form the trunk and which activation tensors need
     * a range.
     *
     * @param source the model's name for messages (usually its path)
     * @throws QuantizationException when the model is quantised already or has no trunk convolution
     */
    public static Plan plan(OnnxMl.ModelProto model, String source) throws QuantizationException {
        return new Plan(model, source);
    }

    /** What {@link #plan} found, and the two models made from it: the calibration probe and the quantised model. */
    public static final class Plan {
        private final OnnxMl.ModelProto model;
        private final List<Integer> convs = new ArrayList<>();
        private final Set<Integer> head = new HashSet<>();
        /** Activation tensors that get a Q/DQ pair, in graph order. */
        private final Set<String> activations = new LinkedHashSet<>();
        /** Max-pool outputs quantised with their input's range. */
        private final Map<String, String> sameRangeAs = new HashMap<>();
        /** Activations computed from the input image without passing a trunk convolution (the normalised pixels). */
        private final Set<String> imageTensors = new HashSet<>();

        private Plan(OnnxMl.ModelProto model, String source) throws QuantizationException {
            this.model = model;
            OnnxMl.GraphProto g = model.getGraph();
            List<OnnxMl.NodeProto> nodes = g.getNodeList();
            Map<String, List<Integer>> consumers = new HashMap<>();
            for (int i = 0; i < nodes.size(); i++) {
                OnnxMl.NodeProto n = nodes.get(i);
                if (n.getOpType().equals("QuantizeLinear") || n.getOpType().equals("DequantizeLinear")) {
                    throw new QuantizationException("--model " + source + " is quantised already (node '" + n.getName() + "' is a "
                            + n.getOpType() + "); quantise its FP32 source instead");
                }
                for (String in : n.getInputList()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                }
            }
            Map<String, OnnxMl.TensorProto> inits = new HashMap<>();
            for (OnnxMl.TensorProto t : g.getInitializerList()) {
                inits.put(t.getName(), t);
            }
            // the head: everything downstream of the contract's head initializers
            List<String> frontier = new ArrayList<>(List.of(OnnxModelFile.PROTOTYPES, OnnxModelFile.GROUP_WEIGHTS,
                    OnnxModelFile.LAST_LAYER));
            while (!frontier.isEmpty()) {
                String t = frontier.remove(frontier.size() - 1);
                for (int i : consumers.getOrDefault(t, List.of())) {
                    if (head.add(i)) {
                        frontier.addAll(nodes.get(i).getOutputList());
                    }
                }
            }
            for (int i = 0; i < nodes.size(); i++) {
                OnnxMl.NodeProto n = nodes.get(i);
                if (n.getOpType().equals("Conv") && !head.contains(i) && n.getInputCount() >= 2) {
                    OnnxMl.TensorProto w = inits.get(n.getInput(1));
                    if (w != null && w.getDimsCount() == 4 && w.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
                        convs.add(i);
                    }
                }
            }
            if (convs.isEmpty()) {
                throw new QuantizationException("--model " + source + " has no backbone or ASPP convolution to quantise");
            }
            for (int i : convs) {
                OnnxMl.NodeProto n = nodes.get(i);
                activations.add(n.getInput(0));
                activations.add(settle(n.getOutput(0), nodes, consumers));
            }
            for (int i = 0; i < nodes.size(); i++) {
                OnnxMl.NodeProto n = nodes.get(i);
                if (head.contains(i)) {
                    continue;
                }
                if (n.getOpType().equals("Add") && n.getInputCount() == 2 && activations.contains(n.getInput(0))
                        && activations.contains(n.getInput(1))) {
                    activations.add(settle(n.getOutput(0), nodes, consumers));
                } else if (n.getOpType().equals("MaxPool") && activations.contains(n.getOutput(0))) {
                    activations.add(n.getInput(0));
                    sameRangeAs.put(n.getOutput(0), n.getInput(0));
                }
            }
            // the image tensors: activations not downstream of any trunk convolution
            Set<String> afterConv = new HashSet<>();
            Set<Integer> trunk = new HashSet<>(convs);
            for (int i = 0; i < nodes.size(); i++) {
                OnnxMl.NodeProto n = nodes.get(i);
                boolean downstream = trunk.contains(i);
                for (String in : n.getInputList()) {
                    downstream |= afterConv.contains(in);
                }
                if (downstream) {
                    afterConv.addAll(n.getOutputList());
                }
            }
            for (String t : activations) {
                if (!afterConv.contains(t)) {
                    imageTensors.add(t);
                }
            }
            // keep graph order (a tensor added late, such as a max-pool input, still sits where it is produced)
            List<String> ordered = new ArrayList<>();
            Set<String> produced = new HashSet<>();
            for (OnnxMl.ValueInfoProto in : g.getInputList()) {
                if (activations.contains(in.getName())) {
                    ordered.add(in.getName());
                }
            }
            for (OnnxMl.NodeProto n : nodes) {
                for (String o : n.getOutputList()) {
                    if (activations.contains(o) && produced.add(o)) {
                        ordered.add(o);
                    }
                }
            }
            activations.clear();
            activations.addAll(ordered);
        }

        /** The output of the sole ReLU consuming {@code t}, else {@code t}. */
        private static String settle(String t, List<OnnxMl.NodeProto> nodes, Map<String, List<Integer>> consumers) {
            List<Integer> c = consumers.getOrDefault(t, List.of());
            if (c.size() == 1 && nodes.get(c.get(0)).getOpType().equals("Relu")) {
                return nodes.get(c.get(0)).getOutput(0);
            }
            return t;
        }

        /** The number of convolutions that run in INT8. */
        public int convolutions() {
            return convs.size();
        }

        /** Names of the trunk convolutions' nodes, in graph order. */
        public List<String> convolutionNodes() {
            List<String> names = new ArrayList<>();
            for (int i : convs) {
                names.add(model.getGraph().getNode(i).getName());
            }
            return names;
        }

        /** Names of the head's nodes (never quantised). */
        public Set<String> headNodes() {
            Set<String> names = new LinkedHashSet<>();
            for (int i : head) {
                names.add(model.getGraph().getNode(i).getName());
            }
            return names;
        }

        /** Every activation tensor that gets a Q/DQ pair, in graph order. */
        public List<String> activations() {
            return List.copyOf(activations);
        }

        /** The tensors whose ranges calibration must supply (max-pool outputs take their input's). */
        public List<String> calibrationTensors() {
            return activations.stream().filter(t -> !sameRangeAs.containsKey(t)).toList();
        }

        /**
         * The calibration tensors computed from the input image alone (the normalised pixels, and their
         * resized copies in a multi-scale model): their range is known from the normalisation, and a
         * clipping method would clip real colours, so calibrate them by min and max.
         */
        public Set<String> imageTensors() {
            return Set.copyOf(imageTensors);
        }

        /** The FP32 model with {@link #calibrationTensors()} added as float outputs, for calibration runs. */
        public OnnxMl.ModelProto probe() {
            OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
            Set<String> outputs = new HashSet<>();
            for (OnnxMl.ValueInfoProto o : g.getOutputList()) {
                outputs.add(o.getName());
            }
            for (String t : calibrationTensors()) {
                if (outputs.add(t)) {
                    g.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(t).setType(OnnxMl.TypeProto.newBuilder()
                            .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                    .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))));
                }
            }
            return model.toBuilder().setGraph(g).build();
        }

        /**
         * The quantised model.
         *
         * @param ranges a range for each of {@link #calibrationTensors()}
         * @param type the activation encoding
         * @throws IllegalArgumentException when a range is missing
         */
        public OnnxMl.ModelProto quantize(Map<String, Range> ranges, ActivationType type) {
            OnnxMl.GraphProto src = model.getGraph();
            Names names = new Names(src);
            Map<String, OnnxMl.TensorProto> inits = new LinkedHashMap<>();
            for (OnnxMl.TensorProto t : src.getInitializerList()) {
                inits.put(t.getName(), t);
            }
            List<OnnxMl.TensorProto> added = new ArrayList<>();
            Map<String, Params> params = new HashMap<>();
            Map<String, String> dequantized = new HashMap<>();
            Map<String, String> scaleOf = new HashMap<>();
            Map<String, String> zeroOf = new HashMap<>();
            Map<String, List<OnnxMl.NodeProto>> pairsAfter = new HashMap<>();
            OnnxMl.TensorProto.DataType qType = type == ActivationType.UINT8 ? OnnxMl.TensorProto.DataType.UINT8
                    : OnnxMl.TensorProto.DataType.INT8;
            for (String t : activations) {
                Range r = ranges.get(sameRangeAs.getOrDefault(t, t));
                if (r == null) {
                    throw new IllegalArgumentException("no calibrated range for activation '" + t + "'");
                }
                Params p = params(r, type);
                params.put(t, p);
                String base = names.fresh("qdq." + t);
                String scale = base + ".scale";
                String zero = base + ".zero_point";
                String same = sameRangeAs.get(t);
                if (same != null && scaleOf.containsKey(same)) {
                    // a max-pool's output pair uses its input pair's very initializers
                    scale = scaleOf.get(same);
                    zero = zeroOf.get(same);
                } else {
                    added.add(floats(scale, new float[] {p.scale()}));
                    added.add(codes(zero, qType, new int[] {p.zeroPoint()}));
                }
                scaleOf.put(t, scale);
                zeroOf.put(t, zero);
                String q = base + ".q";
                String dq = base + ".dq";
                pairsAfter.put(t, List.of(node("QuantizeLinear", base + ".Q", List.of(t, scale, zero), q, -1),
                        node("DequantizeLinear", base + ".DQ", List.of(q, scale, zero), dq, -1)));
                dequantized.put(t, dq);
            }

            List<OnnxMl.NodeProto> weightNodes = new ArrayList<>();
            Map<String, String> weightDq = new HashMap<>();
            Map<String, float[]> weightScale = new HashMap<>();
            List<OnnxMl.NodeProto> nodes = new ArrayList<>(src.getNodeList());
            Set<Integer> trunk = new HashSet<>(convs);
            for (int i : convs) {
                OnnxMl.NodeProto n = nodes.get(i);
                String wName = n.getInput(1);
                OnnxMl.TensorProto w = inits.get(wName);
                int out = (int) w.getDims(0);
                if (!weightDq.containsKey(wName)) {
                    float[] wv = floats(w);
                    float[] s = weightScales(wv, out);
                    String base = names.fresh(wName + ".int8");
                    added.add(int8(base, quantizeWeights(wv, s), w.getDimsList()));
                    added.add(floats(base + ".scale", s, out));
                    added.add(codes(base + ".zero_point", OnnxMl.TensorProto.DataType.INT8, new int[out], out));
                    weightNodes.add(node("DequantizeLinear", base + ".DQ", List.of(base, base + ".scale", base + ".zero_point"),
                            base + ".dq", 0));
                    weightDq.put(wName, base + ".dq");
                    weightScale.put(wName, s);
                }
                OnnxMl.NodeProto.Builder b = n.toBuilder().setInput(1, weightDq.get(wName));
                if (n.getInputCount() >= 3 && !n.getInput(2).isEmpty() && inits.containsKey(n.getInput(2))) {
                    float[] bias = floats(inits.get(n.getInput(2)));
                    float sx = params.get(n.getInput(0)).scale();
                    float[] sw = weightScale.get(wName);
                    float[] sb = new float[out];
                    int[] qb = new int[out];
                    for (int o = 0; o < out; o++) {
                        sb[o] = sx * sw[o];
                        qb[o] = (int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, Math.rint(bias[o] / sb[o])));
                    }
                    String base = names.fresh(n.getInput(2) + ".int32");
                    added.add(codes(base, OnnxMl.TensorProto.DataType.INT32, qb, out));
                    added.add(floats(base + ".scale", sb, out));
                    added.add(codes(base + ".zero_point", OnnxMl.TensorProto.DataType.INT32, new int[out], out));
                    weightNodes.add(node("DequantizeLinear", base + ".DQ", List.of(base, base + ".scale", base + ".zero_point"),
                            base + ".dq", 0));
                    b.setInput(2, base + ".dq");
                }
                nodes.set(i, b.build());
            }

            // rewire every reader of a quantised tensor to its dequantised copy; insert each pair after its producer
            List<OnnxMl.NodeProto> out = new ArrayList<>(weightNodes);
            for (OnnxMl.ValueInfoProto in : src.getInputList()) {
                out.addAll(pairsAfter.getOrDefault(in.getName(), List.of()));
            }
            for (int i = 0; i < nodes.size(); i++) {
                OnnxMl.NodeProto n = nodes.get(i);
                OnnxMl.NodeProto.Builder b = n.toBuilder();
                for (int k = 0; k < n.getInputCount(); k++) {
                    String dq = dequantized.get(n.getInput(k));
                    if (dq != null && !(trunk.contains(i) && k > 0)) {
                        b.setInput(k, dq);
                    }
                }
                out.add(b.build());
                for (String o : n.getOutputList()) {
                    out.addAll(pairsAfter.getOrDefault(o, List.of()));
                }
            }

            Set<String> used = new HashSet<>();
            for (OnnxMl.NodeProto n : out) {
                used.addAll(n.getInputList());
            }
            OnnxMl.GraphProto.Builder g = src.toBuilder().clearNode().addAllNode(out).clearInitializer();
            for (OnnxMl.TensorProto t : inits.values()) {
                if (used.contains(t.getName())) {
                    g.addInitializer(t);
                }
            }
            g.addAllInitializer(added);
            return model.toBuilder().setGraph(g).build();
        }
    }

    /** Fresh names that collide with nothing in the graph. */
    private static final class Names {
        private final Set<String> taken = new HashSet<>();

        Names(OnnxMl.GraphProto g) {
            for (OnnxMl.NodeProto n : g.getNodeList()) {
                taken.add(n.getName());
                taken.addAll(n.getInputList());
                taken.addAll(n.getOutputList());
            }
            for (OnnxMl.TensorProto t : g.getInitializerList()) {
                taken.add(t.getName());
            }
        }

        String fresh(String hint) {
            String n = hint;
            for (int i = 1; taken.contains(n) || taken.contains(n + ".q"); i++) {
                n = hint + "_" + i;
            }
            taken.add(n);
            return n;
        }
    }

    private static OnnxMl.NodeProto node(String op, String name, List<String> inputs, String output, int axis) {
        OnnxMl.NodeProto.Builder b = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs)
                .addOutput(output);
        if (axis >= 0) {
            b.addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis").setType(OnnxMl.AttributeProto.AttributeType.INT)
                    .setI(axis));
        }
        return b.build();
    }

    /** The values of a float initializer (raw little-endian data or float_data). */
    static float[] floats(OnnxMl.TensorProto t) {
        if (t.getRawData().isEmpty()) {
            float[] v = new float[t.getFloatDataCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloatData(i);
            }
            return v;
        }
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / Float.BYTES];
        b.asFloatBuffer().get(v);
        return v;
    }

    /** A float initializer; no dims = a scalar. */
    private static OnnxMl.TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static OnnxMl.TensorProto int8(String name, byte[] v, List<Long> dims) {
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.INT8.getNumber())
                .addAllDims(dims).setRawData(ByteString.copyFrom(v)).build();
    }

    /** An integer initializer of type uint8, int8 or int32 (raw little-endian); no dims = a scalar. */
    private static OnnxMl.TensorProto codes(String name, OnnxMl.TensorProto.DataType type, int[] v, long... dims) {
        int size = type == OnnxMl.TensorProto.DataType.INT32 ? 4 : 1;
        ByteBuffer b = ByteBuffer.allocate(v.length * size).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            if (size == 4) {
                b.putInt(x);
            } else {
                b.put((byte) x);
            }
        }
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }
}
