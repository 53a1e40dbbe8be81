package io.scaleprotoseg.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The named parameters of a network, each with its {@link ParamGroup}, held as NDArrays in one
 * long-lived manager. Names follow torchvision for the backbone ({@code backbone.layer1.0.conv1.weight})
 * so that ImageNet weights load by name and the exporter maps them to layers.
 *
 * <p>Which parameters take gradients is set per phase with {@link #setTrainable(Set)}. Not
 * thread-safe: one training loop owns it.
 */
public final class ParameterSet implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> values = new LinkedHashMap<>();
    private final Map<String, ParamGroup> groups = new LinkedHashMap<>();

    public ParameterSet(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    /** The manager the parameters live in. */
    public NDManager manager() {
        return manager;
    }

    /** Adds a parameter with the given values. */
    public NDArray add(String name, ParamGroup group, float[] data, long... shape) {
        if (values.containsKey(name)) {
            throw new IllegalStateException("parameter " + name + " is defined twice");
        }
        NDArray a = OwnedTensors.of(manager, data, new Shape(shape));
        a.setName(name);
        values.put(name, a);
        groups.put(name, group);
        return a;
    }

    /** The parameter called {@code name}. */
    public NDArray get(String name) {
        NDArray a = values.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter " + name);
        }
        return a;
    }

    public boolean contains(String name) {
        return values.containsKey(name);
    }

    public ParamGroup group(String name) {
        return groups.get(name);
    }

    /** Parameter names in definition order. */
    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(values.keySet()));
    }

    /** Names of the parameters in {@code group}. */
    public List<String> names(ParamGroup group) {
        List<String> out = new ArrayList<>();
        groups.forEach((n, g) -> {
            if (g == group) {
                out.add(n);
            }
        });
        return out;
    }

    /** Turns gradients on for the parameters of {@code trainable} groups and off for all others. */
    public void setTrainable(Set<ParamGroup> trainable) {
        values.forEach((n, a) -> a.setRequiresGradient(trainable.contains(groups.get(n))));
    }

    /** The values of a parameter as a Java array. */
    public float[] floats(String name) {
        NDArray a = get(name);
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    /** The shape of a parameter. */
    public long[] shape(String name) {
        return get(name).getShape().getShape();
    }

    /** Overwrites a parameter's values (shape must match). */
    public void set(String name, float[] data) {
        NDArray a = get(name);
        if (a.size() != data.length) {
            throw new IllegalArgumentException("parameter " + name + " has " + a.size() + " values, got " + data.length);
        }
        // an in-place copy from a natively owned tensor: the parameter keeps its own storage, which
        // views and autograd may share (NDArray.set(float[]) would point it at a Java buffer)
        try (NDArray values = OwnedTensors.of(manager, data, a.getShape())) {
            a.set(new NDIndex(":"), values);
        }
    }

    /** Removes parameters (for example duplicate prototypes) and frees them. */
    public void remove(String name) {
        NDArray a = values.remove(name);
        groups.remove(name);
        if (a != null) {
            a.close();
        }
    }

    /** Replaces a parameter by a new array of possibly different shape, keeping its group. */
    public void replace(String name, float[] data, long... shape) {
        ParamGroup g = groups.get(name);
        NDArray old = values.remove(name);
        groups.remove(name);
        if (old != null) {
            old.close();
        }
        add(name, g, data, shape);
    }

    /** Total number of values. */
    public long count() {
        long n = 0;
        for (NDArray a : values.values()) {
            n += a.size();
        }
        return n;
    }

    @Override
    public void close() {
        manager.close();
    }
}
