package io.scaleprotoseg.sdk;

import java.util.Objects;

/**
 * Base of every checked error the SDK raises. Each carries a machine-readable {@link ErrorCode}
 * next to a message written for a person: what went wrong, with which file or argument, and what
 * to do about it.
 */
public class ScaleProtoSegException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public ScaleProtoSegException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ScaleProtoSegException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The machine-readable reason. */
    public ErrorCode code() {
        return code;
    }
}
