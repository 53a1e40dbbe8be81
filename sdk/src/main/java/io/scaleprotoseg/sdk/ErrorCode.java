package io.scaleprotoseg.sdk;

/** Machine-readable reasons for {@link ScaleProtoSegException}s. */
public enum ErrorCode {
    /** The model file cannot be read (missing, unreadable). */
    MODEL_UNREADABLE,
    /** The file is not an ONNX model. */
    NOT_ONNX,
    /** The ONNX model carries no ScaleProtoSeg model card. */
    MISSING_CARD,
    /** The model card's format version is not one this SDK reads. */
    UNSUPPORTED_CARD_VERSION,
    /** The model card is malformed or inconsistent. */
    INVALID_CARD,
    /** The graph lacks an input, output or initializer that the model contract requires. */
    CONTRACT_VIOLATION,
    /** No provider for the requested backend is on the class path. */
    NO_PROVIDER,
    /** The backend's native libraries or hardware are missing on this host. */
    BACKEND_UNAVAILABLE,
    /** The image has no pixels. */
    EMPTY_IMAGE,
    /** The image exceeds the configured pixel limit. */
    IMAGE_TOO_LARGE,
    /** The image file cannot be decoded (unknown format, truncated, corrupt, missing). */
    UNREADABLE_IMAGE,
    /** A float input array has the wrong length or holds non-finite values. */
    BAD_INPUT_ARRAY,
    /** The backend failed while running the model. */
    INFERENCE_FAILED
}
