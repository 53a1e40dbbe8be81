package io.scaleprotoseg.torchfile;

import java.util.List;
import java.util.Map;

/**
 * An inert record of an object the pickle built from a class outside the allow-list (an
 * {@code nn.Module} subclass, a numpy scalar, ...): its class path, the arguments its creation was
 * given and the state it was given. No code of that class ran or was looked up; this is data.
 *
 * <p>The state is set while the pickle is read (pickles may refer to an object before its state is
 * complete); once {@link TorchFile#root()} returns, records do not change. Read-only for callers.
 */
public final class PyObject {
    private final String classPath;
    private final List<Object> args;
    private Object state;

    PyObject(String classPath, List<Object> args) {
        this.classPath = classPath;
        this.args = args;
    }

    /** Module and name, e.g. {@code torch.nn.modules.conv.Conv2d}. */
    public String classPath() {
        return classPath;
    }

    /** The creation arguments (empty for most objects). */
    public List<Object> args() {
        return args;
    }

    /** The state set on it: usually a map of attribute name to value; null if none. */
    public Object state() {
        return state;
    }

    void setState(Object value) {
        state = value;
    }

    /** The attribute {@code name} of a map state, or null. */
    public Object attribute(String name) {
        return state instanceof Map<?, ?> m ? m.get(name) : null;
    }

    /** The state as an attribute map (empty when the state is not a map). */
    @SuppressWarnings("unchecked")
    public Map<Object, Object> attributes() {
        return state instanceof Map<?, ?> m ? (Map<Object, Object>) m : Map.of();
    }

    /** The class name after the last dot. */
    public String simpleName() {
        return classPath.substring(classPath.lastIndexOf('.') + 1);
    }

    @Override
    public String toString() {
        return "<" + classPath + ">";
    }
}
