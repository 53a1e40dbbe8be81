package io.scaleprotoseg.sdk;

/**
 * Raised for input the SDK cannot segment: an empty image, one over the pixel limit, an unreadable or truncated file, a float array of the wrong shape.
 */
public class InvalidImageException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public InvalidImageException(ErrorCode code, String message) {
        super(code, message);
    }

    public InvalidImageException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
