package io.scaleprotoseg.trainer.model;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ScaleProtoSegException;

/**
 * A weight file that cannot be loaded; the message names the file and the tensor.
 * Code {@link ErrorCode#WEIGHTS_INVALID}.
 */
public class WeightFileException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public WeightFileException(String message) {
        super(ErrorCode.WEIGHTS_INVALID, message);
    }

    public WeightFileException(String message, Throwable cause) {
        super(ErrorCode.WEIGHTS_INVALID, message, cause);
    }
}
