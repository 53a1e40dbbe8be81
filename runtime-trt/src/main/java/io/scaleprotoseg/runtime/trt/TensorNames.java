package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.sdk.spi.ModelOutput;

/** The graph's tensor names (model contract, DESIGN.md). */
final class TensorNames {
    static final String INPUT = ModelOutput.INPUT_NAME;

    private TensorNames() {
    }

    /** The output of an ONNX name, or null for a tensor that is not part of the contract. */
    static ModelOutput output(String name) {
        for (ModelOutput o : ModelOutput.values()) {
            if (o.onnxName().equals(name)) {
                return o;
            }
        }
        return null;
    }
}
