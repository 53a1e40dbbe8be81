package io.scaleprotoseg.sdk.spi;

/** The outputs of the model contract (DESIGN.md), by their ONNX names. */
public enum ModelOutput {
    /** int32 [N, H, W]: argmax of the bilinearly upsampled logits. */
    MASK("mask"),
    /** float32 [N, C, h, w]: class scores at feature resolution. */
    LOGITS("logits"),
    /** float32 [N, Ga, h, w]: activations of the active groups. */
    GROUP_ACTIVATIONS("group_activations"),
    /** float32 [N, Pa, h, w]: log-activations g of the active prototypes. */
    PROTOTYPE_ACTIVATIONS("prototype_activations");

    private final String onnxName;

    ModelOutput(String onnxName) {
        this.onnxName = onnxName;
    }

    /** The output's name in the ONNX graph. */
    public String onnxName() {
        return onnxName;
    }

    /** The name of the graph input: float32 [N, 3, H, W], RGB in 0..1. */
    public static final String INPUT_NAME = "pixels";
}
