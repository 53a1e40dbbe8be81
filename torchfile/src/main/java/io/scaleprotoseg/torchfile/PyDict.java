package io.scaleprotoseg.torchfile;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Python dict or {@code collections.OrderedDict}, in insertion order. An OrderedDict may carry
 * attributes besides its items ({@code state_dict()} results carry {@code _metadata}); they are in
 * {@link #attributes()}.
 */
public final class PyDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;
    private final boolean ordered;
    private final Map<Object, Object> attributes = new LinkedHashMap<>();

    PyDict(boolean ordered) {
        this.ordered = ordered;
    }

    /** Whether the pickle made it as {@code collections.OrderedDict}. */
    public boolean ordered() {
        return ordered;
    }

    /** Attributes set on the dict object (not items), e.g. {@code _metadata}. */
    public Map<Object, Object> attributes() {
        return attributes;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }
}
