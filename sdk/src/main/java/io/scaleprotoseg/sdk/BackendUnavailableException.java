package io.scaleprotoseg.sdk;

/**
 * Raised when a requested backend cannot run on this host: no provider on the class path, native libraries missing, no GPU. The message names what is missing and how to install it.
 */
public class BackendUnavailableException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(ErrorCode code, String message) {
        super(code, message);
    }

    public BackendUnavailableException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
