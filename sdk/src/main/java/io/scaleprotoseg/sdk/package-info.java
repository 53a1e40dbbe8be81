/**
 * The public API: segment images with an exported ScaleProtoSeg, ProtoSeg or DeepLabv2 model and
 * read the evidence behind each pixel's class.
 *
 * <p>Start with {@link io.scaleprotoseg.sdk.Segmenter#builder()}: a {@code Segmenter} (thread-safe,
 * {@code AutoCloseable}) runs one model file on a {@link io.scaleprotoseg.sdk.Backend} and returns
 * {@link io.scaleprotoseg.sdk.Segmentation}s (immutable plain objects): mask, scores, group and
 * prototype activations on the {@link io.scaleprotoseg.sdk.FeatureGrid}, and
 * {@link io.scaleprotoseg.sdk.PixelExplanation}s whose contributions add up to the class logit.
 * The model's description is its {@link io.scaleprotoseg.sdk.ModelCard}; images are decoded and
 * converted by {@link io.scaleprotoseg.sdk.Images}, the conversion training uses too. Errors are
 * checked {@link io.scaleprotoseg.sdk.ScaleProtoSegException}s with an
 * {@link io.scaleprotoseg.sdk.ErrorCode}. Nothing prints to stdout; logs go through SLF4J.
 */
package io.scaleprotoseg.sdk;
