package io.scaleprotoseg.sdk.spi;

/**
 * The outputs of one engine run, copied into Java arrays the SDK owns. An output that was not
 * requested is null. All arrays are row-major in the graph's layout ([N, H, W] for the mask,
 * [N, channels, h, w] for the others).
 *
 * @param batch N
 * @param featureHeight h of the feature-resolution outputs (0 if none was requested)
 * @param featureWidth w of the feature-resolution outputs (0 if none was requested)
 * @param mask int32 [N, H, W] or null
 * @param logits [N, C, h, w] or null
 * @param groupActivations [N, Ga, h, w] or null
 * @param prototypeActivations [N, Pa, h, w] or null
 */
public record EngineResult(
        int batch,
        int featureHeight,
        int featureWidth,
        int[] mask,
        float[] logits,
        float[] groupActivations,
        float[] prototypeActivations) {
}
