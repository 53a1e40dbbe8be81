package io.scaleprotoseg.sdk;

/**
 * Raised when the backend fails while running a valid model on a valid input (for example out of memory).
 */
public class InferenceException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public InferenceException(ErrorCode code, String message) {
        super(code, message);
    }

    public InferenceException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
