package io.scaleprotoseg.torchfile;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A pickled {@code nn.Module} tree (as {@code torch.save(model)} writes it) flattened into dotted
 * names, the way {@code state_dict()} names things: {@code features.base.layer1.conv1.conv.weight}.
 * Besides parameters and buffers it keeps tensors held as plain attributes (which
 * {@code state_dict()} leaves out, e.g. {@code prototype_class_identity}), each module's class
 * path, and each module's plain attributes ({@code dilation}, {@code num_scales}, ...).
 *
 * <p>Immutable after construction; thread-safe to read, but its tensors are not (see
 * {@link TorchTensor}).
 */
public final class ModuleTree {
    private final Map<String, TorchTensor> parameters = new LinkedHashMap<>();
    private final Map<String, TorchTensor> buffers = new LinkedHashMap<>();
    private final Map<String, TorchTensor> tensorAttributes = new LinkedHashMap<>();
    private final Map<String, String> classes = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> attributes = new LinkedHashMap<>();

    private ModuleTree() {
    }

    /** Whether {@code o} looks like a pickled module (an object with {@code _modules} and {@code _parameters}). */
    public static boolean isModule(Object o) {
        return o instanceof PyObject p && p.attribute("_modules") instanceof Map && p.attribute("_parameters") instanceof Map;
    }

    /**
     * Walks a module.
     *
     * @throws TorchFileException when {@code root} is not a module or the tree is cyclic
     */
    public static ModuleTree of(Object root, String source) throws TorchFileException {
        if (!isModule(root)) {
            throw new TorchFileException(source + " holds " + describe(root) + ", not a pickled nn.Module");
        }
        ModuleTree t = new ModuleTree();
        t.walk((PyObject) root, "", Collections.newSetFromMap(new IdentityHashMap<>()), source);
        return t;
    }

    private void walk(PyObject m, String prefix, Set<Object> seen, String source) throws TorchFileException {
        if (!seen.add(m)) {
            throw new TorchFileException(source + ": module " + (prefix.isEmpty() ? "(root)" : prefix) + " contains itself");
        }
        String path = prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
        classes.put(path, m.classPath());
        Map<String, Object> attrs = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : m.attributes().entrySet()) {
            String name = String.valueOf(e.getKey());
            Object v = e.getValue();
            switch (name) {
                case "_parameters" -> tensors(v, prefix, parameters, source);
                case "_buffers" -> tensors(v, prefix, buffers, source);
                case "_modules" -> {
                    for (Map.Entry<?, ?> c : ((Map<?, ?>) v).entrySet()) {
                        if (c.getValue() == null) {
                            continue;
                        }
                        if (!isModule(c.getValue())) {
                            throw new TorchFileException(source + ": submodule " + prefix + c.getKey() + " is "
                                    + describe(c.getValue()) + ", not a module");
                        }
                        walk((PyObject) c.getValue(), prefix + c.getKey() + ".", seen, source);
                    }
                }
                default -> {
                    if (v instanceof TorchTensor tensor) {
                        tensorAttributes.put(prefix + name, tensor);
                    } else if (!name.startsWith("_")) {
                        attrs.put(name, v);
                    }
                }
            }
        }
        attributes.put(path, Collections.unmodifiableMap(attrs));
    }

    private static void tensors(Object v, String prefix, Map<String, TorchTensor> into, String source) throws TorchFileException {
        if (!(v instanceof Map<?, ?> map)) {
            throw new TorchFileException(source + ": " + prefix + " has a parameter table of " + describe(v));
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            if (!(e.getValue() instanceof TorchTensor t)) {
                throw new TorchFileException(source + ": " + prefix + e.getKey() + " is " + describe(e.getValue())
                        + ", not a tensor");
            }
            into.put(prefix + e.getKey(), t);
        }
    }

    /** A short description of a pickled value for messages. */
    public static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof PyObject p) {
            return "an object of class " + p.classPath();
        }
        if (o instanceof PyDict d) {
            return (d.ordered() ? "an OrderedDict" : "a dict") + " of " + d.size() + " entries";
        }
        if (o instanceof TorchTensor t) {
            return "a " + t;
        }
        return "a " + o.getClass().getSimpleName();
    }

    /** Parameters by dotted name, in module order. */
    public Map<String, TorchTensor> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Buffers (running statistics, ...) by dotted name. */
    public Map<String, TorchTensor> buffers() {
        return Collections.unmodifiableMap(buffers);
    }

    /** Tensors held as plain module attributes, by dotted name. */
    public Map<String, TorchTensor> tensorAttributes() {
        return Collections.unmodifiableMap(tensorAttributes);
    }

    /** A parameter, buffer or tensor attribute by dotted name, or null. */
    public TorchTensor tensor(String name) {
        TorchTensor t = parameters.get(name);
        if (t == null) {
            t = buffers.get(name);
        }
        return t != null ? t : tensorAttributes.get(name);
    }

    /** Class path of each module by dotted path ({@code ""} is the root). */
    public Map<String, String> classes() {
        return Collections.unmodifiableMap(classes);
    }

    /** The plain attributes of the module at {@code path} (empty map if no such module). */
    public Map<String, Object> attributes(String path) {
        return attributes.getOrDefault(path, Map.of());
    }
}
