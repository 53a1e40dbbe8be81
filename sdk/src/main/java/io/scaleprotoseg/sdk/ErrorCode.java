package io.scaleprotoseg.sdk;

/**
 * Machine-readable reasons for {@link ScaleProtoSegException}s, of the SDK and of the trainer and
 * exporter (whose exceptions extend the same base).
 */
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
    /**
     * Two copies of one runtime are on the class path (ONNX Runtime's CPU and GPU builds), so which
     * one loads would depend on class-path order; the message names both artifacts.
     */
    CONFLICTING_RUNTIMES,
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
    INFERENCE_FAILED,
    /** A data set cannot be read as asked (missing or undecodable file, unknown label, bad layout). */
    DATASET_INVALID,
    /** A checkpoint or run directory cannot be used (missing, unreadable, inconsistent, unfinished run). */
    CHECKPOINT_INVALID,
    /** A weight file cannot be loaded into the network (format, missing or misshapen tensors). */
    WEIGHTS_INVALID,
    /** Training cannot go on (diverged, or data, settings and checkpoint disagree). */
    TRAINING_FAILED,
    /** A trained model cannot be exported (inconsistent checkpoint, options that do not apply). */
    EXPORT_FAILED,
    /** An exported model does not reproduce the trainer's outputs within the parity bounds. */
    PARITY_FAILED,
    /** An edit of a deployed model was refused (unknown part, a class or group left empty, a black box). */
    EDIT_REFUSED,
    /** An output the job would write exists already, and replacing it was not asked for. */
    OUTPUT_EXISTS,
    /**
     * A model cannot be quantised as asked (already quantised, no card, no calibration images, an
     * unknown method) or its INT8 check did not complete.
     */
    QUANTIZATION_REFUSED
}
