package io.scaleprotoseg.graph.quant;

/**
 * How activations are encoded between quantised layers (weights are always int8, symmetric, per
 * output channel).
 */
public enum ActivationType {
    /**
     * uint8 with a zero point: the range [min, max] (widened to hold 0) maps onto 0..255. ONNX
     * Runtime's x86 int8 convolutions take uint8 activations with int8 weights (U8S8) natively.
     */
    UINT8("uint8", "uint8 asymmetric"),
    /** int8, zero point 0: [-m, m] with m = max(|min|, |max|) maps onto -127..127. */
    INT8("int8", "int8 symmetric");

    private final String id;
    private final String description;

    ActivationType(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The command-line name: uint8 or int8. */
    public String id() {
        return id;
    }

    /** As the model card records it. */
    public String description() {
        return description;
    }

    /**
     * The type named {@code id}.
     *
     * @throws QuantizationException naming the argument for an unknown name
     */
    public static ActivationType parse(String id) throws QuantizationException {
        for (ActivationType t : values()) {
            if (t.id.equalsIgnoreCase(id.strip())) {
                return t;
            }
        }
        throw new QuantizationException("--activations " + id + ": unknown activation type; use uint8 or int8");
    }
}
