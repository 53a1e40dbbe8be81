package io.scaleprotoseg.torchfile;

/**
 * A reference to a Python class or function by name, as a pickle holds it (e.g. {@code torch.float32}
 * or a class whose instances are created later). Never resolved or called.
 *
 * @param module the module, e.g. {@code torch.nn.modules.conv}
 * @param name the name in it
 */
public record PyGlobal(String module, String name) {
    /** {@code module.name}. */
    public String path() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return path();
    }
}
