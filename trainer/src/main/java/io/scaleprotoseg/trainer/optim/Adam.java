package io.scaleprotoseg.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.model.ParameterSet;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Adam (beta 0.9, 0.999, eps 1e-8) with a learning rate per parameter group and classic L2
 * weight decay (the decay term added to the gradient, as PyTorch's {@code Adam(weight_decay)})
 * on the groups that take it (METHOD.md 3). Written here rather than taken from DJL so that its
 * moments and step counts can be saved in a checkpoint and restored exactly on resume.
 *
 * <p>Updates run with gradient recording off (after the {@code GradientCollector} is closed), in
 * place. Not thread-safe.
 */
public final class Adam implements AutoCloseable {
    public static final float BETA1 = 0.9f;
    public static final float BETA2 = 0.999f;
    public static final float EPS = 1e-8f;

    private final NDManager manager;
    private final Map<String, NDArray> firstMoment = new HashMap<>();
    private final Map<String, NDArray> secondMoment = new HashMap<>();
    private final Map<String, Integer> steps = new HashMap<>();
    private String lastNonFinite;

    public Adam(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    /**
     * Updates every parameter that requires a gradient and has one, then zeroes its gradient.
     *
     * @param params the parameters
     * @param learningRate the rate for each group (0 skips the group)
     * @param weightDecay the L2 coefficient for groups with {@link ParamGroup#weightDecay()}
     * @param gradientScale multiplies every gradient first (1 / accumulated micro-batches)
     * @return false when a gradient held a NaN or infinity: then nothing was updated and the gradients
     *     were zeroed, so a numerical spike never reaches the weights
     */
    public boolean step(ParameterSet params, ToDoubleFunction<ParamGroup> learningRate, float weightDecay,
            float gradientScale) {
        lastNonFinite = firstNonFiniteGradient(params);
        if (lastNonFinite != null) {
            zeroGradients(params);
            return false;
        }
        for (String name : params.names()) {
            NDArray w = params.get(name);
            if (!w.hasGradient()) {
                continue;
            }
            // one scope per parameter: its temporaries are freed before the next parameter's are made,
            // so the step's extra memory is a few copies of the largest parameter, not of all of them
            try (NDManager scratch = manager.newSubManager()) {
                NDArray grad = w.getGradient();
                grad.attach(scratch);
                ParamGroup group = params.group(name);
                double lr = learningRate.applyAsDouble(group);
                if (lr > 0) {
                    // the arithmetic of PyTorch's Adam, operation for operation; the in-place forms
                    // (addi, muli, divi) compute the same values as the plain ones without new arrays
                    NDArray g = grad.mul(gradientScale);
                    if (group.weightDecay() && weightDecay > 0) {
                        g.addi(local(scratch, w.mul(weightDecay)));
                    }
                    NDArray m = firstMoment.computeIfAbsent(name, k -> manager.zeros(w.getShape()));
                    NDArray v = secondMoment.computeIfAbsent(name, k -> manager.zeros(w.getShape()));
                    int t = steps.merge(name, 1, Integer::sum);
                    v.muli(BETA2).addi(g.square().muli(1 - BETA2));
                    m.muli(BETA1).addi(g.muli(1 - BETA1));
                    double bc1 = 1 - Math.pow(BETA1, t);
                    double bc2 = 1 - Math.pow(BETA2, t);
                    // every temporary starts from a scratch-owned array (or is attached there), so
                    // closing the scratch manager frees it: DJL attaches a result to its first operand's manager
                    NDArray denominator = local(scratch, v.div(bc2)).sqrt().addi(EPS);
                    NDArray update = local(scratch, m.div(bc1)).divi(denominator).muli(lr);
                    w.subi(update);
                }
                grad.subi(grad);
            }
        }
        return true;
    }

    private static NDArray local(NDManager scratch, NDArray a) {
        a.attach(scratch);
        return a;
    }

    /** Zeroes the gradients of all parameters without updating (e.g. after a skipped step). */
    public static void zeroGradients(ParameterSet params) {
        for (String name : params.names()) {
            NDArray w = params.get(name);
            if (w.hasGradient()) {
                try (NDArray g = w.getGradient()) {
                    // a fill, not g - g: that would keep NaN and infinity
                    g.set(new NDIndex(":"), 0f);
                }
            }
        }
    }

    /** The parameter whose gradient stopped the last {@link #step}, or null. */
    public String lastNonFinite() {
        return lastNonFinite;
    }

    /** The first parameter whose gradient holds a NaN or infinity, or null when all are finite. */
    public static String firstNonFiniteGradient(ParameterSet params) {
        try (NDManager scratch = params.manager().newSubManager()) {
            List<String> names = new ArrayList<>();
            NDList extremes = new NDList();
            for (String name : params.names()) {
                NDArray w = params.get(name);
                if (!w.hasGradient()) {
                    continue;
                }
                NDArray g = w.getGradient();
                g.attach(scratch);
                if (g.size() == 0) {
                    continue;
                }
                // a tensor's max and min are NaN when an element is NaN (PyTorch's reductions
                // propagate it) and infinite when an element is: two reductions without a
                // full-size temporary, and one read back to Java for all parameters
                names.add(name);
                extremes.add(g.max());
                extremes.add(g.min());
            }
            if (names.isEmpty()) {
                return null;
            }
            NDArray all = NDArrays.stack(extremes);
            if (!all.isNaN().logicalOr(all.isInfinite()).any().getBoolean()) {
                return null;
            }
            float[] values = all.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    return names.get(i / 2);
                }
            }
            return null;
        }
    }

    /** Writes moments and step counts. */
    public void save(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(steps.size());
        NDList arrays = new NDList();
        // in name order: the same state gives the same bytes
        for (Map.Entry<String, Integer> e : new TreeMap<>(steps).entrySet()) {
            data.writeUTF(e.getKey());
            data.writeInt(e.getValue());
            arrays.add(firstMoment.get(e.getKey()));
            arrays.add(secondMoment.get(e.getKey()));
        }
        // an empty list is not encodable by DJL: a fresh optimiser writes no tensor blob at all
        byte[] encoded = arrays.isEmpty() ? new byte[0] : arrays.encode();
        data.writeInt(encoded.length);
        data.write(encoded);
        data.flush();
    }

    /** Restores what {@link #save} wrote, replacing the current state. */
    public void load(InputStream in) throws IOException {
        clear();
        DataInputStream data = new DataInputStream(in);
        int n = data.readInt();
        String[] names = new String[n];
        int[] counts = new int[n];
        for (int i = 0; i < n; i++) {
            names[i] = data.readUTF();
            counts[i] = data.readInt();
        }
        byte[] encoded = new byte[data.readInt()];
        data.readFully(encoded);
        if (n == 0) {
            return;
        }
        NDList arrays = NDList.decode(manager, new ByteArrayInputStream(encoded));
        for (int i = 0; i < n; i++) {
            steps.put(names[i], counts[i]);
            firstMoment.put(names[i], owned(arrays.get(2 * i)));
            secondMoment.put(names[i], owned(arrays.get(2 * i + 1)));
        }
    }

    /** A natively owned copy of a decoded array, which points into a Java buffer (see OwnedTensors). */
    private NDArray owned(NDArray decoded) {
        NDArray copy = decoded.duplicate();
        copy.attach(manager);
        decoded.close();
        return copy;
    }

    /** Forgets all state (a new phase starts with fresh moments, as a new optimiser would). */
    public void clear() {
        firstMoment.values().forEach(NDArray::close);
        secondMoment.values().forEach(NDArray::close);
        firstMoment.clear();
        secondMoment.clear();
        steps.clear();
    }

    /** Drops the state of one parameter (e.g. a parameter that was replaced). */
    public void forget(String name) {
        NDArray m = firstMoment.remove(name);
        NDArray v = secondMoment.remove(name);
        if (m != null) {
            m.close();
        }
        if (v != null) {
            v.close();
        }
        steps.remove(name);
    }

    @Override
    public void close() {
        manager.close();
    }
}
