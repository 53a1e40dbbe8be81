package io.scaleprotoseg.graph;

import ai.onnx.proto.OnnxMl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The forward working set of a model file at one input size: the memory a runtime cannot do
 * without when it runs the graph once, node after node.
 *
 * <p><b>Definition.</b> {@code weights + peak activations}, where
 * <ul>
 *   <li><b>weights</b> are the bytes of every constant tensor that an input-dependent node reads:
 *       initializers, and tensors computed from initializers alone (a runtime folds those at load
 *       time and keeps the result, not the initializer it came from);</li>
 *   <li><b>activations</b> are the tensors that depend on the input. Nodes run in the file's order
 *       (ONNX requires a topological order). A tensor lives from the node that makes it to its last
 *       consumer, inclusive; the graph input lives for the whole run (the caller owns it) and every
 *       requested output from its producer to the end. While a node runs its inputs and outputs are
 *       alive at once (no in-place reuse). The peak is the largest sum of live bytes over the
 *       nodes.</li>
 * </ul>
 * Only the nodes the requested outputs need are counted (a runtime computes no others).
 *
 * <p>Shapes are inferred here, in Java, for the operators the project's graph writer emits (and
 * the element-wise operators of the same kind); any other operator is refused by name. Small int64
 * tensors (shapes, slice bounds, resize sizes) are evaluated so that {@code Shape -> Slice ->
 * Concat -> Resize} chains get concrete sizes.
 *
 * <p>Stateless and thread-safe.
 */
public final class ForwardWorkingSet {
    private ForwardWorkingSet() {
    }

    /**
     * The result of an analysis.
     *
     * @param weightBytes constant bytes the input-dependent nodes read
     * @param peakActivationBytes the largest live activation bytes over the nodes
     * @param peakNode name (and op type) of the node at which the peak occurs
     * @param liveAtPeak the tensors alive at the peak, with their bytes, largest first
     * @param nodes input-dependent nodes counted
     * @param outputShapes the inferred shape of every requested output
     */
    public record Result(long weightBytes, long peakActivationBytes, String peakNode, List<Map.Entry<String, Long>> liveAtPeak,
            int nodes, Map<String, long[]> outputShapes) {
        /** weights + peak activations. */
        public long totalBytes() {
            return weightBytes + peakActivationBytes;
        }
    }

    /** A tensor's element type and shape, and for small int64 tensors its values. */
    private record Info(int type, long[] shape, long[] values, float[] floats, boolean constant) {
        Info(int type, long[] shape, long[] values, boolean constant) {
            this(type, shape, values, null, constant);
        }

        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        long bytes() {
            return elements() * elementSize(type);
        }
    }

    /**
     * Analyses {@code model} for an input of {@code batch x 3 x height x width} (the graph's single
     * input, any name) producing {@code outputs} (empty: every graph output).
     *
     * @throws IllegalArgumentException naming the node whose operator or shapes cannot be handled
     */
    public static Result analyse(OnnxMl.ModelProto model, int batch, int height, int width, Set<String> outputs) {
        OnnxMl.GraphProto g = model.getGraph();
        Map<String, Info> info = new HashMap<>();
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
            long[] values = t.getDataType() == OnnxMl.TensorProto.DataType.INT64.getNumber() ? int64Values(t) : null;
            float[] floats = t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber() && t.getRawData().size() <= 64
                    && t.getFloatDataCount() <= 16
                    ? floatValues(t) : null;
            info.put(t.getName(), new Info(t.getDataType(), dims, values, floats, true));
        }
        String input = null;
        for (OnnxMl.ValueInfoProto v : g.getInputList()) {
            if (!info.containsKey(v.getName())) {
                if (input != null) {
                    throw new IllegalArgumentException("the graph has two inputs, " + input + " and " + v.getName());
                }
                input = v.getName();
            }
        }
        if (input == null) {
            throw new IllegalArgumentException("the graph has no input");
        }
        info.put(input, new Info(g.getInput(0).getType().getTensorType().getElemType(), new long[] {batch, 3, height, width},
                null, false));
        Set<String> wanted = new HashSet<>(outputs);
        if (wanted.isEmpty()) {
            g.getOutputList().forEach(o -> wanted.add(o.getName()));
        }

        // shapes, in file order
        List<OnnxMl.NodeProto> nodes = g.getNodeList();
        for (OnnxMl.NodeProto n : nodes) {
            infer(n, info);
        }
        for (String o : wanted) {
            if (!info.containsKey(o)) {
                throw new IllegalArgumentException("no tensor named '" + o + "' in the graph");
            }
        }

        // nodes the outputs need, walking backwards
        boolean[] needed = new boolean[nodes.size()];
        Set<String> need = new HashSet<>(wanted);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            OnnxMl.NodeProto n = nodes.get(i);
            if (n.getOutputList().stream().anyMatch(need::contains)) {
                needed[i] = true;
                n.getInputList().stream().filter(s -> !s.isEmpty()).forEach(need::add);
            }
        }

        // weights: constants that needed input-dependent nodes read
        Set<String> weights = new HashSet<>();
        long weightBytes = 0;
        for (int i = 0; i < nodes.size(); i++) {
            OnnxMl.NodeProto n = nodes.get(i);
            if (!needed[i] || info.get(n.getOutput(0)).constant()) {
                continue;
            }
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && info.get(in).constant() && weights.add(in)) {
                    weightBytes += info.get(in).bytes();
                }
            }
        }

        // activations: liveness over the needed, input-dependent nodes
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (needed[i] && !info.get(nodes.get(i).getOutput(0)).constant()) {
                order.add(i);
            }
        }
        int steps = order.size();
        Map<String, int[]> life = new HashMap<>(); // first step, last step
        life.put(input, new int[] {0, steps - 1});
        for (int s = 0; s < steps; s++) {
            OnnxMl.NodeProto n = nodes.get(order.get(s));
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !info.get(in).constant()) {
                    int[] l = life.get(in);
                    l[1] = Math.max(l[1], s);
                }
            }
            for (String out : n.getOutputList()) {
                if (!out.isEmpty()) {
                    life.put(out, new int[] {s, wanted.contains(out) ? steps - 1 : s});
                }
            }
        }
        long[] live = new long[steps];
        for (Map.Entry<String, int[]> e : life.entrySet()) {
            long b = info.get(e.getKey()).bytes();
            for (int s = e.getValue()[0]; s <= e.getValue()[1]; s++) {
                live[s] += b;
            }
        }
        int peak = 0;
        for (int s = 1; s < steps; s++) {
            if (live[s] > live[peak]) {
                peak = s;
            }
        }
        List<Map.Entry<String, Long>> atPeak = new ArrayList<>();
        for (Map.Entry<String, int[]> e : life.entrySet()) {
            if (e.getValue()[0] <= peak && peak <= e.getValue()[1]) {
                atPeak.add(Map.entry(e.getKey(), info.get(e.getKey()).bytes()));
            }
        }
        atPeak.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        OnnxMl.NodeProto p = nodes.get(order.get(peak));
        Map<String, long[]> shapes = new HashMap<>();
        for (String o : wanted) {
            shapes.put(o, info.get(o).shape().clone());
        }
        return new Result(weightBytes, live[peak], p.getName() + " (" + p.getOpType() + ")", List.copyOf(atPeak), steps,
                shapes);
    }

    private static void infer(OnnxMl.NodeProto n, Map<String, Info> info) {
        List<Info> in = new ArrayList<>();
        for (String s : n.getInputList()) {
            if (s.isEmpty()) {
                in.add(null);
                continue;
            }
            Info i = info.get(s);
            if (i == null) {
                throw new IllegalArgumentException("node " + n.getName() + " reads '" + s + "', which no earlier node makes");
            }
            in.add(i);
        }
        boolean constant = in.stream().allMatch(i -> i == null || i.constant());
        Info x = in.get(0);
        String op = n.getOpType();
        List<Info> out = new ArrayList<>();
        switch (op) {
            case "Identity", "Relu", "Sigmoid", "Exp", "Log", "Neg", "Sqrt", "Abs" -> out.add(new Info(x.type(), x.shape(),
                    x.values(), constant));
            case "Add", "Sub", "Mul", "Div", "Max", "Min", "Sum" -> {
                long[] s = x.shape();
                for (int k = 1; k < in.size(); k++) {
                    s = broadcast(s, in.get(k).shape(), n);
                }
                out.add(new Info(x.type(), s, null, constant));
            }
            case "Cast" -> out.add(new Info((int) intAttr(n, "to", 1), x.shape(), x.values(), constant));
            case "Shape" -> out.add(new Info(OnnxMl.TensorProto.DataType.INT64.getNumber(), new long[] {x.shape().length},
                    x.shape().clone(), true));
            case "Conv" -> out.add(new Info(x.type(), conv(n, x.shape(), in.get(1).shape()), null, constant));
            case "MaxPool", "AveragePool" -> out.add(new Info(x.type(), pool(n, x.shape()), null, constant));
            case "Concat" -> {
                int axis = axis(intAttr(n, "axis", 0), x.shape().length);
                long[] s = x.shape().clone();
                boolean allValues = x.values() != null;
                for (int k = 1; k < in.size(); k++) {
                    s[axis] += in.get(k).shape()[axis];
                    allValues &= in.get(k).values() != null;
                }
                long[] values = null;
                if (allValues && s.length == 1) {
                    values = in.stream().flatMapToLong(i -> Arrays.stream(i.values())).toArray();
                }
                out.add(new Info(x.type(), s, values, constant));
            }
            case "Slice" -> out.add(slice(n, in));
            case "Split" -> {
                int axis = axis(intAttr(n, "axis", 0), x.shape().length);
                long[] split = in.size() > 1 && in.get(1) != null ? values(in.get(1), n) : null;
                for (int k = 0; k < n.getOutputCount(); k++) {
                    long[] s = x.shape().clone();
                    s[axis] = split != null ? split[k] : x.shape()[axis] / n.getOutputCount();
                    out.add(new Info(x.type(), s, null, constant));
                }
            }
            case "Unsqueeze" -> {
                long[] axes = values(in.get(1), n);
                int rank = x.shape().length + axes.length;
                long[] s = new long[rank];
                boolean[] added = new boolean[rank];
                for (long a : axes) {
                    added[axis(a, rank)] = true;
                }
                for (int k = 0, j = 0; k < rank; k++) {
                    s[k] = added[k] ? 1 : x.shape()[j++];
                }
                out.add(new Info(x.type(), s, x.values(), constant));
            }
            case "ReduceSumSquare", "ReduceSum", "ReduceMean", "ReduceMax" -> {
                long[] axes = ints(n, "axes");
                boolean keep = intAttr(n, "keepdims", 1) != 0;
                out.add(new Info(x.type(), reduce(x.shape(), axes, keep), null, constant));
            }
            case "ArgMax", "ArgMin" -> {
                long[] axes = {intAttr(n, "axis", 0)};
                out.add(new Info(OnnxMl.TensorProto.DataType.INT64.getNumber(),
                        reduce(x.shape(), axes, intAttr(n, "keepdims", 1) != 0), null, constant));
            }
            case "Resize" -> out.add(new Info(x.type(), resize(n, in), null, constant));
            default -> throw new IllegalArgumentException("node " + n.getName() + ": operator " + op
                    + " is not one the working-set analysis knows; it handles the operators the project's graph writer emits");
        }
        for (int k = 0; k < n.getOutputCount(); k++) {
            if (!n.getOutput(k).isEmpty()) {
                info.put(n.getOutput(k), out.get(k));
            }
        }
    }

    private static long[] conv(OnnxMl.NodeProto n, long[] x, long[] w) {
        int spatial = x.length - 2;
        long[] strides = ints(n, "strides");
        long[] pads = ints(n, "pads");
        long[] dil = ints(n, "dilations");
        long[] s = new long[x.length];
        s[0] = x[0];
        s[1] = w[0];
        for (int k = 0; k < spatial; k++) {
            long stride = strides.length > k ? strides[k] : 1;
            long d = dil.length > k ? dil[k] : 1;
            long pad = pads.length > k ? pads[k] + pads[k + spatial] : 0;
            long reach = d * (w[k + 2] - 1) + 1;
            s[k + 2] = Math.floorDiv(x[k + 2] + pad - reach, stride) + 1;
        }
        return s;
    }

    private static long[] pool(OnnxMl.NodeProto n, long[] x) {
        int spatial = x.length - 2;
        long[] kernel = ints(n, "kernel_shape");
        long[] strides = ints(n, "strides");
        long[] pads = ints(n, "pads");
        boolean ceil = intAttr(n, "ceil_mode", 0) != 0;
        long[] s = x.clone();
        for (int k = 0; k < spatial; k++) {
            long stride = strides.length > k ? strides[k] : 1;
            long head = pads.length > k ? pads[k] : 0;
            long pad = pads.length > k ? pads[k] + pads[k + spatial] : 0;
            long span = x[k + 2] + pad - kernel[k];
            long o = (ceil ? Math.floorDiv(span + stride - 1, stride) : Math.floorDiv(span, stride)) + 1;
            // ceil mode: the last window must start inside the input or its head padding (as PyTorch and ORT)
            if (ceil && (o - 1) * stride >= x[k + 2] + head) {
                o--;
            }
            s[k + 2] = o;
        }
        return s;
    }

    private static Info slice(OnnxMl.NodeProto n, List<Info> in) {
        Info x = in.get(0);
        long[] starts = values(in.get(1), n);
        long[] ends = values(in.get(2), n);
        long[] axes = in.size() > 3 && in.get(3) != null ? values(in.get(3), n) : null;
        long[] steps = in.size() > 4 && in.get(4) != null ? values(in.get(4), n) : null;
        long[] s = x.shape().clone();
        int[] from = new int[s.length];
        int[] to = new int[s.length];
        for (int k = 0; k < s.length; k++) {
            to[k] = (int) s[k];
        }
        for (int k = 0; k < starts.length; k++) {
            int a = axis(axes == null ? k : axes[k], s.length);
            if (steps != null && steps[k] != 1) {
                throw new IllegalArgumentException("node " + n.getName() + ": Slice with step " + steps[k] + " is not handled");
            }
            long dim = x.shape()[a];
            long b = clamp(starts[k] < 0 ? starts[k] + dim : starts[k], dim);
            long e = clamp(ends[k] < 0 ? ends[k] + dim : ends[k], dim);
            from[a] = (int) b;
            to[a] = (int) Math.max(b, e);
            s[a] = Math.max(0, e - b);
        }
        long[] values = x.values() != null && s.length == 1 ? Arrays.copyOfRange(x.values(), from[0], to[0]) : null;
        return new Info(x.type(), s, values, x.constant() && in.stream().allMatch(i -> i == null || i.constant()));
    }

    private static long[] resize(OnnxMl.NodeProto n, List<Info> in) {
        long[] x = in.get(0).shape();
        if (in.size() > 3 && in.get(3) != null) {
            return values(in.get(3), n).clone();
        }
        Info scales = in.size() > 2 ? in.get(2) : null;
        if (scales == null) {
            throw new IllegalArgumentException("node " + n.getName() + ": Resize without sizes or scales");
        }
        float[] f = floatValues(scales, n);
        long[] s = new long[x.length];
        for (int k = 0; k < x.length; k++) {
            s[k] = (long) Math.floor(x[k] * (double) f[k]);
        }
        return s;
    }

    /** The float scales of a Resize: only initializers hold them in the project's graphs. */
    private static float[] floatValues(Info i, OnnxMl.NodeProto n) {
        float[] f = i.floats();
        if (f == null) {
            throw new IllegalArgumentException("node " + n.getName() + ": Resize by scales needs scales held in an initializer");
        }
        return f;
    }

    private static long[] reduce(long[] x, long[] axes, boolean keep) {
        boolean[] reduced = new boolean[x.length];
        if (axes.length == 0) {
            Arrays.fill(reduced, true);
        }
        for (long a : axes) {
            reduced[axis(a, x.length)] = true;
        }
        List<Long> s = new ArrayList<>();
        for (int k = 0; k < x.length; k++) {
            if (!reduced[k]) {
                s.add(x[k]);
            } else if (keep) {
                s.add(1L);
            }
        }
        return s.stream().mapToLong(Long::longValue).toArray();
    }

    private static long[] broadcast(long[] a, long[] b, OnnxMl.NodeProto n) {
        int r = Math.max(a.length, b.length);
        long[] s = new long[r];
        for (int k = 0; k < r; k++) {
            long da = k < r - a.length ? 1 : a[k - (r - a.length)];
            long db = k < r - b.length ? 1 : b[k - (r - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("node " + n.getName() + ": shapes " + Arrays.toString(a) + " and "
                        + Arrays.toString(b) + " do not broadcast");
            }
            s[k] = Math.max(da, db);
        }
        return s;
    }

    private static long clamp(long v, long dim) {
        return Math.max(0, Math.min(v, dim));
    }

    private static int axis(long a, int rank) {
        return (int) (a < 0 ? a + rank : a);
    }

    private static long[] values(Info i, OnnxMl.NodeProto n) {
        if (i == null || i.values() == null) {
            throw new IllegalArgumentException("node " + n.getName() + " (" + n.getOpType()
                    + ") needs an int64 input whose values are known before the run");
        }
        return i.values();
    }

    private static long intAttr(OnnxMl.NodeProto n, String name, long def) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return def;
    }

    private static long[] ints(OnnxMl.NodeProto n, String name) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return new long[0];
    }

    private static long[] int64Values(OnnxMl.TensorProto t) {
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] v = new long[b.remaining() / 8];
            b.asLongBuffer().get(v);
            return v;
        }
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }

    private static float[] floatValues(OnnxMl.TensorProto t) {
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[b.remaining() / 4];
            b.asFloatBuffer().get(v);
            return v;
        }
        float[] v = new float[t.getFloatDataCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFloatData(i);
        }
        return v;
    }

    /** Bytes per element of an ONNX data type. */
    static int elementSize(int type) {
        return switch (OnnxMl.TensorProto.DataType.forNumber(type)) {
            case FLOAT, INT32, UINT32 -> 4;
            case DOUBLE, INT64, UINT64 -> 8;
            case FLOAT16, BFLOAT16, INT16, UINT16 -> 2;
            case INT8, UINT8, BOOL -> 1;
            default -> throw new IllegalArgumentException("tensor type " + type + " has no fixed element size");
        };
    }
}
